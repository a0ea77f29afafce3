# Semi-supervised VOS on lvos-valid, whose ground truth is scored by the benchmark's server:
# the run writes <work_dir>/lvos-valid_submission.zip to upload. Layout: docs/datasets.md.
_base_ = ['./vos_test_loader.py']

data_root = 'data/LVOS'

test_dataloader = dict(dataset=dict(type='LVOSDataset', data_root=data_root, split='valid'))
test_evaluator = dict(type='VOSSubmission', benchmark='lvos-valid')
