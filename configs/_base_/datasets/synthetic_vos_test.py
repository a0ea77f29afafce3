# Semi-supervised VOS test on the validation videos of the synthetic benchmark (DAVIS
# layout). Make the data once with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos --format davis
data_root = 'data/synthetic_vos'

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
        categories_file='categories.json',
        pipeline=[dict(type='PackVOSInputs')],
    ),
)
test_evaluator = dict(type='VOSMetric', benchmark='synthetic-davis-val')
test_cfg = dict(type='TestLoop')
val_dataloader = test_dataloader
val_evaluator = test_evaluator
val_cfg = dict(type='ValLoop')
