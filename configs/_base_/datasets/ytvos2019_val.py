# Semi-supervised VOS on ytvos2019-valid, whose ground truth is scored by the benchmark's server:
# the run writes <work_dir>/ytvos2019-valid_submission.zip to upload. Layout: docs/datasets.md.
_base_ = ['./vos_test_loader.py']

data_root = 'data/YouTube-VOS'

test_dataloader = dict(
    dataset=dict(type='YouTubeVOSDataset', data_root=data_root, split='valid', year=2019)
)
test_evaluator = dict(type='VOSSubmission', benchmark='ytvos2019-valid')
