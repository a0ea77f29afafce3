# A ~1M-parameter SAM 2.1 trained from scratch on the synthetic benchmark (128 px,
# 4-frame clips) on a CPU: Meta's training procedure at toy scale. 2000 iterations take
# about 10 minutes on 2 idle CPU cores (0.22-0.30 s per iteration) and raise the mean IoU
# of mask-prompted tracking on held-out videos from 0.11 to 0.49 (docs/training.md).
# Make the data with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos --format davis \
#       --num-videos 48 --num-val-videos 8
# then run
#   python tools/train.py configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py
_base_ = [
    '../_base_/models/sam2.1_hiera-tiny-cpu.py',
    '../_base_/datasets/vos_clip_synthetic.py',
    '../_base_/schedules/sam2_scratch.py',
]

# Fewer correction clicks than Meta's 7 keep an iteration cheap.
model = dict(num_correction_pt_per_frame=3)
