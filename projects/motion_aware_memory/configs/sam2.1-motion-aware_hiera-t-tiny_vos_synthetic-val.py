# Motion-aware memory (SAMURAI-like) on the tiny CPU model, synthetic validation videos.
# From the repo root: PYTHONPATH=. python tools/test.py <this config> CKPT
_base_ = [
    '../../../configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_vos_synthetic-val.py',
    './_base_/motion_aware_memory.py',
]

model = dict(memory_policy={{_base_.memory_policy}})
