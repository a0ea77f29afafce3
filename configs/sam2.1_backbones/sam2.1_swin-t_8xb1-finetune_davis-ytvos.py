# Train SAM 2.1 with an ImageNet Swin-T image encoder on DAVIS 2017 + YouTube-VOS 2019 train
# (1 : 3), 8 GPUs x 1 clip, 1024 px, with Meta's recipe (simulated prompts and correction
# clicks: SAM2Train's defaults). Memory attention, memory encoder and SAM heads start from
# SAM 2.1 Hiera-B+ (download sam2.1_hiera_base_plus.pt from Meta's release); the Hiera and
# neck weights of that file do not fit and are skipped (strict_checkpoint=False).
#   bash tools/dist_train.sh configs/sam2.1_backbones/sam2.1_swin-t_8xb1-finetune_davis-ytvos.py 8
_base_ = [
    '../_base_/models/sam2.1_swin-t.py',
    '../_base_/datasets/davis_ytvos_clip_train.py',
    '../_base_/schedules/sam2_new_backbone.py',
]

model = dict(type='SAM2Train', strict_checkpoint=False)
load_from = 'checkpoints/sam2.1_hiera_base_plus.pt'
