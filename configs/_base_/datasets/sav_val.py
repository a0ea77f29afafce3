# Semi-supervised VOS test data (sav-val). See docs/datasets.md for the layout on disk.
data_root = 'data/SA-V'

test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='SAVDataset',
        data_root=data_root,
        split='val',
        pipeline=[dict(type='PackVOSInputs')],
    ),
)
test_evaluator = dict(type='SAVMetric', benchmark='sav-val')
test_cfg = dict(type='TestLoop')
