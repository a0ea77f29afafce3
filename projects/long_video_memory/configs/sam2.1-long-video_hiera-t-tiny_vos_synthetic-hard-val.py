# Long-video memory (SAM2Long-like) on the tiny CPU model, hard synthetic validation videos.
# From the repo root: PYTHONPATH=. python tools/test.py <this config> CKPT
_base_ = [
    '../../../configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_vos_synthetic-hard-val.py',
    './_base_/long_video_memory.py',
]

model = dict(memory_policy={{_base_.memory_policy}})
