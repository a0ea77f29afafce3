# Fine-tune SAM 2.1 Hiera-L on SA-V train, 8 GPUs x 1 clip, with Meta's recipe
# (simulated prompts and correction clicks: SAM2Train's defaults).
# SA-V train is read as released (sav_0NN/ folders of mp4 videos and json masklets under
# data/sav_train; manual masklets): see _base_/datasets/sav_clip_train.py.
# Meta publishes this recipe for Hiera-B+ on MOSE; the same values are used here (its
# 15,040 iterations are 40 MOSE epochs: scale train_cfg.max_iters for SA-V's 50,583 videos).
_base_ = [
    '../_base_/models/sam2.1_hiera.py',
    '../_base_/datasets/sav_clip_train.py',
    '../_base_/schedules/sam2_finetune.py',
]

model = dict(type='SAM2Train', backbone=dict(arch='large', drop_path_rate=0.1))
# Meta's official checkpoint loads as it is (keys are converted when loading).
load_from = 'checkpoints/sam2.1_hiera_large.pt'
