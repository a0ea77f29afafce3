# The training loader shared by the clip datasets (mose_clip_train.py, sav_clip_train.py,
# ...): 8-frame clips of up to 3 objects with Meta's augmentation (sam2_clip_pipeline.py),
# one clip per GPU. Each dataset's file sets train_dataloader.dataset.dataset (the videos)
# and what else differs.
_base_ = ['./sam2_clip_pipeline.py']

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
        num_frames=8,
        max_num_objects=3,
        pipeline=_base_.train_pipeline,
    ),
)
