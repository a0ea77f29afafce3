# The test loop shared by the semi-supervised VOS benchmarks (davis2017_val.py, mose_val.py,
# ...): one whole video per batch, in order, its frames left undecoded by PackVOSInputs.
# Each benchmark's file sets test_dataloader.dataset (type, data_root, split, ...) and its
# test_evaluator.
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(pipeline=[dict(type='PackVOSInputs')]),
)
test_cfg = dict(type='TestLoop')
