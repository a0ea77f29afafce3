# Training clips from the synthetic benchmark in DAVIS layout, small enough for a CPU:
# 4-frame clips of up to 3 objects at 128 x 128 (Meta's augmentation otherwise). Make the
# data once with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos --format davis
_base_ = ['./vos_clip_train_loader.py']

data_root = 'data/synthetic_vos'

# sam2_clip_pipeline.py with 128 x 128 frames.
train_pipeline = [dict(t, size=128) if t.type == 'ClipResize' else t for t in _base_.train_pipeline]

train_dataloader = dict(
    # One fresh worker per epoch, re-seeded the same way: a run resumed from an epoch
    # checkpoint draws the same clips and augmentations as an uninterrupted one.
    num_workers=1,
    dataset=dict(
        dataset=dict(type='DAVISDataset', data_root=data_root, split='train'),
        num_frames=4,
        pipeline=train_pipeline,
    ),
)
