# SAM 2.1 Hiera-B+ semi-supervised VOS on davis-2017-val (first-frame masks as prompts).
#   python tools/test.py configs/sam2.1_vos/sam2.1_hiera-b+_vos_davis-2017-val.py sam2.1_hiera_base_plus.pt
_base_ = ['../sam2.1/sam2.1_hiera-b+.py', '../_base_/datasets/davis2017_val.py']
