# SAM 2.1 Hiera-T semi-supervised VOS on lvos-valid; writes the server submission zip.
#   python tools/test.py configs/sam2.1_vos/sam2.1_hiera-t_vos_lvos-valid.py sam2.1_hiera_tiny.pt
_base_ = ['../sam2.1/sam2.1_hiera-t.py', '../_base_/datasets/lvos_val.py']
