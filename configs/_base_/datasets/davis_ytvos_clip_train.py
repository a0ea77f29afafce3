# DAVIS 2017 train (60 videos) and YouTube-VOS 2019 train (3471 videos, every 5th frame
# annotated) mixed 1 : 3 as 8-frame clips of up to 3 objects, one clip per GPU. An epoch
# has as many clips as both sets have videos. Layouts: docs/datasets.md.
_base_ = ['./sam2_clip_pipeline.py']

davis_clips = dict(
    type='VOSClipDataset',
    dataset=dict(
        type='DAVISDataset', data_root='data/DAVIS', year='2017', split='train', full_scan=False
    ),
    num_frames=8,
    max_num_objects=3,
    pipeline=_base_.train_pipeline,
)
ytvos_clips = dict(
    type='VOSClipDataset',
    dataset=dict(
        type='YouTubeVOSDataset',
        data_root='data/YouTubeVOS',
        year=2019,
        split='train',
        full_scan=False,
    ),
    num_frames=8,
    max_num_objects=3,
    pipeline=_base_.train_pipeline,
)

train_dataloader = dict(
    batch_size=1,
    num_workers=10,
    # Fresh workers each epoch are re-seeded the same way, so a run resumed from an epoch
    # checkpoint draws the same clips and augmentations as an uninterrupted one.
    persistent_workers=False,
    # A fixed seed keeps the data order of a resumed run even without randomness.seed.
    sampler=dict(type='MixedRatioSampler', ratios=[1, 3], shuffle=True, seed=0),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='ConcatDataset', datasets=[davis_clips, ytvos_clips], ignore_keys=['dataset_name']
    ),
)
