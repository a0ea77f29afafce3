# Semi-supervised VOS on mose-valid, whose ground truth is scored by the benchmark's server:
# the run writes <work_dir>/mose-valid_submission.zip to upload. Layout: docs/datasets.md.
data_root = 'data/MOSE'

test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='MOSEDataset',
        data_root=data_root,
        split='valid',
        pipeline=[dict(type='PackVOSInputs')],
    ),
)
test_evaluator = dict(type='VOSSubmission', benchmark='mose-valid')
test_cfg = dict(type='TestLoop')
