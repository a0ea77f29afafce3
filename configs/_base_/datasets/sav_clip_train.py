# SA-V train as 8-frame clips of up to 3 objects, drawn from the annotated frames (6 fps,
# every 4th frame of the 24 fps videos), one clip per GPU. Read as released, nothing to
# extract (docs/datasets.md): data_root holds the untarred sav_000/, sav_001/, ... folders of
# sav_XXXXXX.mp4, sav_XXXXXX_manual.json and sav_XXXXXX_auto.json. Frames are decoded from
# the mp4 and masks from the json RLEs when a clip is drawn.
_base_ = ['./vos_clip_train_loader.py']

data_root = 'data/sav_train'

train_dataloader = dict(
    dataset=dict(
        # masklets='manual' is what Meta's JSONRawDataset reads; 'auto' or 'both' add the
        # automatic masklets. ann_file='sav_train.txt' would restrict to the listed videos.
        dataset=dict(type='SAVTrainDataset', data_root=data_root, masklets='manual'),
    )
)
