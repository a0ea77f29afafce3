# The tiny CPU SAM 2.1 with a Swin Transformer (widths 24-192, 1/1/2/1 blocks) backbone,
# trained from scratch on the synthetic benchmark (128 px, 4-frame clips) exactly like
# configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py, so the two compare
# (docs/backbones.md has the table). Make the data with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos --format davis \
#       --num-videos 48 --num-val-videos 8
# then run
#   python tools/train.py configs/sam2.1_backbones/sam2.1_swin-t-tiny_1xb1-scratch_synthetic.py
_base_ = [
    '../_base_/models/sam2.1_swin-tiny-cpu.py',
    '../_base_/datasets/vos_clip_synthetic.py',
    '../_base_/schedules/sam2_scratch.py',
]

# Fewer correction clicks than Meta's 7 keep an iteration cheap.
model = dict(num_correction_pt_per_frame=3)
