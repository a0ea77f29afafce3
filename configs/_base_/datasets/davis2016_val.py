# Semi-supervised VOS test data (davis2016-val: single object per video).
_base_ = ['./davis2017_val.py']

test_dataloader = dict(dataset=dict(year='2016'))
test_evaluator = dict(benchmark='davis2016-val')
