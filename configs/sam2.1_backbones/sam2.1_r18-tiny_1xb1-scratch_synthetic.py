# The tiny CPU SAM 2.1 with a ResNet-18 (quarter width, GroupNorm) backbone,
# trained from scratch on the synthetic benchmark (128 px, 4-frame clips) exactly like
# configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py, so the two compare
# (docs/backbones.md has the table). Make the data with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos --format davis \
#       --num-videos 48 --num-val-videos 8
# then run
#   python tools/train.py configs/sam2.1_backbones/sam2.1_r18-tiny_1xb1-scratch_synthetic.py
_base_ = [
    '../_base_/models/sam2.1_r18-tiny-cpu.py',
    '../_base_/datasets/vos_clip_synthetic.py',
    '../_base_/schedules/sam2_scratch.py',
]

# Fewer correction clicks than Meta's 7 keep an iteration cheap.
model = dict(num_correction_pt_per_frame=3)
