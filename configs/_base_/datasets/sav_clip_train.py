# SA-V train as 8-frame clips of up to 3 objects, drawn from the annotated frames (6 fps,
# every 4th frame), one clip per GPU. SA-V train ships as mp4 videos with json masklets:
# extract the frames and write the masks in the layout of SA-V val (docs/datasets.md):
#   sav_train.txt, JPEGImages_24fps/<video>/00000.jpg, Annotations_6fps/<video>/<obj>/00000.png
_base_ = ['./sam2_clip_pipeline.py']

data_root = 'data/sav_train'

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
        dataset=dict(type='SAVDataset', data_root=data_root, split='train', full_scan=False),
        num_frames=8,
        max_num_objects=3,
        pipeline=_base_.train_pipeline,
    ),
)
