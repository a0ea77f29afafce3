# MOSE train as 8-frame clips of up to 3 objects (Meta's MOSE fine-tuning recipe: each
# video twice per epoch, one clip per GPU). Layout: docs/datasets.md.
_base_ = ['./sam2_clip_pipeline.py']

data_root = 'data/MOSE'

train_dataloader = dict(
    batch_size=1,
    num_workers=10,
    # Fresh workers each epoch are re-seeded the same way, so a run resumed from an epoch
    # checkpoint draws the same clips and augmentations as an uninterrupted one.
    persistent_workers=False,
    # A fixed seed keeps the data order of a resumed run even without randomness.seed.
    sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='VOSClipDataset',
        dataset=dict(type='MOSEDataset', data_root=data_root, split='train', full_scan=False),
        num_frames=8,
        max_num_objects=3,
        multiplier=2,
        pipeline=_base_.train_pipeline,
    ),
)
