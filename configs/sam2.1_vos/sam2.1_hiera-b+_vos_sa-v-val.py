# SAM 2.1 Hiera-B+ semi-supervised VOS on sa-v-val (first-frame masks as prompts).
#   python tools/test.py configs/sam2.1_vos/sam2.1_hiera-b+_vos_sa-v-val.py sam2.1_hiera_base_plus.pt
_base_ = ['../sam2.1/sam2.1_hiera-b+.py', '../_base_/datasets/sav_val.py']

# SA-V is scored per object: one binary PNG per object and frame, objects may overlap.
model = dict(test_cfg=dict(output_format='sav'))
