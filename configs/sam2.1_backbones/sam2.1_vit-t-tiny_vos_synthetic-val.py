# Evaluate the tiny CPU model with the plain ViT backbone on the synthetic
# benchmark's validation videos:
#   python tools/test.py configs/sam2.1_backbones/sam2.1_vit-t-tiny_vos_synthetic-val.py CKPT
_base_ = [
    '../_base_/models/sam2.1_vit-tiny-cpu.py',
    '../_base_/datasets/synthetic_vos_test.py',
    '../_base_/default_runtime.py',
]
