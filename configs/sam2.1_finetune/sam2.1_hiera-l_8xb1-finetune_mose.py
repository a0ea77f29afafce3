# Fine-tune SAM 2.1 Hiera-L on MOSE train, 8 GPUs x 1 clip, with Meta's recipe
# (simulated prompts and correction clicks: SAM2Train's defaults).
# Meta publishes this recipe for Hiera-B+ on MOSE; the same values are used here.
_base_ = [
    '../_base_/models/sam2.1_hiera.py',
    '../_base_/datasets/mose_clip_train.py',
    '../_base_/schedules/sam2_finetune.py',
]

model = dict(type='SAM2Train', backbone=dict(arch='large', drop_path_rate=0.1))
# Meta's official checkpoint loads as it is (keys are converted when loading).
load_from = 'checkpoints/sam2.1_hiera_large.pt'
