# Semi-supervised VOS test data (davis2017-val). See docs/datasets.md for the layout on disk.
data_root = 'data/DAVIS'

test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='DAVISDataset',
        data_root=data_root,
        split='val',
        year='2017',
        pipeline=[dict(type='PackVOSInputs')],
    ),
)
test_evaluator = dict(type='VOSMetric', benchmark='davis2017-val')
test_cfg = dict(type='TestLoop')
