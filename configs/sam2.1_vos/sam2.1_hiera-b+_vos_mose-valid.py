# SAM 2.1 Hiera-B+ semi-supervised VOS on mose-valid; writes the server submission zip.
#   python tools/test.py configs/sam2.1_vos/sam2.1_hiera-b+_vos_mose-valid.py sam2.1_hiera_base_plus.pt
_base_ = ['../sam2.1/sam2.1_hiera-b+.py', '../_base_/datasets/mose_val.py']
