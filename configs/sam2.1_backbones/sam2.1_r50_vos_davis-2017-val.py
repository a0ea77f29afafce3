# SAM 2.1 with the r50 image encoder, semi-supervised VOS on davis-2017-val, for a checkpoint
# of sam2.1_r50_8xb1-finetune_davis-ytvos.py:
#   python tools/test.py configs/sam2.1_backbones/sam2.1_r50_vos_davis-2017-val.py CKPT
_base_ = [
    '../_base_/models/sam2.1_r50.py',
    '../_base_/datasets/davis2017_val.py',
    '../_base_/default_runtime.py',
]
