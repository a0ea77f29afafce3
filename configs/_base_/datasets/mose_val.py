# Semi-supervised VOS on mose-valid, whose ground truth is scored by the benchmark's server:
# the run writes <work_dir>/mose-valid_submission.zip to upload. Layout: docs/datasets.md.
_base_ = ['./vos_test_loader.py']

data_root = 'data/MOSE'

test_dataloader = dict(dataset=dict(type='MOSEDataset', data_root=data_root, split='valid'))
test_evaluator = dict(type='VOSSubmission', benchmark='mose-valid')
