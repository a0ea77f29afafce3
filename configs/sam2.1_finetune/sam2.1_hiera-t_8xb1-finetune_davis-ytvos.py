# Fine-tune SAM 2.1 Hiera-T on DAVIS 2017 + YouTube-VOS 2019 train (1 : 3), 8 GPUs x 1 clip, with Meta's recipe
# (simulated prompts and correction clicks: SAM2Train's defaults).
# Meta publishes this recipe for Hiera-B+ on MOSE; the same values are used here.
_base_ = [
    '../_base_/models/sam2.1_hiera.py',
    '../_base_/datasets/davis_ytvos_clip_train.py',
    '../_base_/schedules/sam2_finetune.py',
]

model = dict(type='SAM2Train', backbone=dict(arch='tiny', drop_path_rate=0.1))
# Meta's official checkpoint loads as it is (keys are converted when loading).
load_from = 'checkpoints/sam2.1_hiera_tiny.pt'
