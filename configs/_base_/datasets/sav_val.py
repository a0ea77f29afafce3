# Semi-supervised VOS test data (sav-val). See docs/datasets.md for the layout on disk.
_base_ = ['./vos_test_loader.py']

data_root = 'data/SA-V'

test_dataloader = dict(dataset=dict(type='SAVDataset', data_root=data_root, split='val'))
test_evaluator = dict(type='SAVMetric', benchmark='sav-val')
