# The tiny CPU model on the hard synthetic validation videos: look-alike distractors crossing
# the objects, occlusions, exits and re-entries, late objects, 48 frames. Make the data with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos_hard --format davis \
#       --num-videos 12 --num-val-videos 12 --num-frames 48 --num-distractors 2 --seed 7
# then: python tools/test.py configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_vos_synthetic-hard-val.py CKPT
_base_ = ['./sam2.1_hiera-t-tiny_vos_synthetic-val.py']

data_root = 'data/synthetic_vos_hard'
test_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = test_dataloader
test_evaluator = dict(benchmark='synthetic-hard-davis-val')
val_evaluator = test_evaluator
