# SAM 2.1 Hiera-S semi-supervised VOS on lvos-valid; writes the server submission zip.
#   python tools/test.py configs/sam2.1_vos/sam2.1_hiera-s_vos_lvos-valid.py sam2.1_hiera_small.pt
_base_ = ['../sam2.1/sam2.1_hiera-s.py', '../_base_/datasets/lvos_val.py']
