# Semi-supervised VOS test data (davis2017-val). See docs/datasets.md for the layout on disk.
_base_ = ['./vos_test_loader.py']

data_root = 'data/DAVIS'

test_dataloader = dict(
    dataset=dict(type='DAVISDataset', data_root=data_root, split='val', year='2017')
)
test_evaluator = dict(type='VOSMetric', benchmark='davis2017-val')
