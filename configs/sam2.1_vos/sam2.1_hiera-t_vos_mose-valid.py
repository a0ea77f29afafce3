# SAM 2.1 Hiera-T semi-supervised VOS on mose-valid; writes the server submission zip.
#   python tools/test.py configs/sam2.1_vos/sam2.1_hiera-t_vos_mose-valid.py sam2.1_hiera_tiny.pt
_base_ = ['../sam2.1/sam2.1_hiera-t.py', '../_base_/datasets/mose_val.py']
