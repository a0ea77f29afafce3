# DAVIS 2017 train (60 videos) and YouTube-VOS 2019 train (3471 videos, every 5th frame
# annotated) mixed 1 : 3 as 8-frame clips of up to 3 objects, one clip per GPU. An epoch
# has as many clips as both sets have videos. Layouts: docs/datasets.md.
_base_ = ['./vos_clip_train_loader.py']

# The clips of vos_clip_train_loader.py, drawn from each set.
davis_clips = dict(
    _base_.train_dataloader.dataset,
    dataset=dict(
        type='DAVISDataset', data_root='data/DAVIS', year='2017', split='train', full_scan=False
    ),
)
ytvos_clips = dict(
    _base_.train_dataloader.dataset,
    dataset=dict(
        type='YouTubeVOSDataset',
        data_root='data/YouTubeVOS',
        year=2019,
        split='train',
        full_scan=False,
    ),
)

train_dataloader = dict(
    # Shuffled with a fixed seed (see vos_clip_train_loader.py), one DAVIS clip to 3 YTVOS.
    sampler=dict(type='MixedRatioSampler', ratios=[1, 3], shuffle=True, seed=0),
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[davis_clips, ytvos_clips],
        ignore_keys=['dataset_name'],
    ),
)
