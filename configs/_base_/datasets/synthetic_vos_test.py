# Semi-supervised VOS test on the validation videos of the synthetic benchmark (DAVIS
# layout). Make the data once with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos --format davis
_base_ = ['./vos_test_loader.py']

data_root = 'data/synthetic_vos'

# The shared test loader is completed in place rather than merged afterwards, so that the
# validation loop below gets all of it.
test_dataloader = _base_.test_dataloader
test_dataloader.dataset.update(
    type='DAVISDataset', data_root=data_root, split='val', categories_file='categories.json'
)
test_evaluator = dict(type='VOSMetric', benchmark='synthetic-davis-val')
val_dataloader = test_dataloader
val_evaluator = test_evaluator
val_cfg = dict(type='ValLoop')
