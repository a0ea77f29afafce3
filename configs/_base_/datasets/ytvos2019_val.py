# Semi-supervised VOS on ytvos2019-valid, whose ground truth is scored by the benchmark's server:
# the run writes <work_dir>/ytvos2019-valid_submission.zip to upload. Layout: docs/datasets.md.
data_root = 'data/YouTube-VOS'

test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='YouTubeVOSDataset',
        data_root=data_root,
        split='valid',
        year=2019,
        pipeline=[dict(type='PackVOSInputs')],
    ),
)
test_evaluator = dict(type='VOSSubmission', benchmark='ytvos2019-valid')
test_cfg = dict(type='TestLoop')
