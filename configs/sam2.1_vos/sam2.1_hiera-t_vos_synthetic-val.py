# SAM 2.1 Hiera-T semi-supervised VOS on the synthetic benchmark's validation videos.
_base_ = ['../sam2.1/sam2.1_hiera-t.py', '../_base_/datasets/synthetic_vos_test.py']
