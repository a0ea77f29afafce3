# Motion-aware memory (SAMURAI-like) with SAM 2.1 Hiera-T, semi-supervised VOS on sa-v-val.
# From the repo root: PYTHONPATH=. python tools/test.py <this config> sam2.1_hiera_tiny.pt
_base_ = [
    '../../../configs/sam2.1_vos/sam2.1_hiera-t_vos_sa-v-val.py',
    './_base_/motion_aware_memory.py',
]

model = dict(memory_policy={{_base_.memory_policy}})
