# Training clips from the synthetic benchmark in DAVIS layout, small enough for a CPU:
# 4-frame clips of up to 3 objects at 128 x 128 (Meta's augmentation otherwise). Make the
# data once with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos --format davis
data_root = 'data/synthetic_vos'

train_pipeline = [
    dict(type='ClipRandomHorizontalFlip', prob=0.5),
    dict(type='ClipRandomAffine', degrees=25, shear=20, image_interpolation='bilinear'),
    dict(type='ClipResize', size=128),
    dict(type='ClipColorJitter', brightness=0.1, contrast=0.03, saturation=0.03),
    dict(type='ClipRandomGrayscale', prob=0.05),
    dict(type='ClipColorJitter', brightness=0.1, contrast=0.05, saturation=0.05, consistent=False),
    dict(type='PackSAM2ClipInputs'),
]

train_dataloader = dict(
    batch_size=1,
    # One fresh worker per epoch, re-seeded the same way: a run resumed from an epoch
    # checkpoint draws the same clips and augmentations as an uninterrupted one.
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='VOSClipDataset',
        dataset=dict(type='DAVISDataset', data_root=data_root, split='train'),
        num_frames=4,
        max_num_objects=3,
        pipeline=train_pipeline,
    ),
)
