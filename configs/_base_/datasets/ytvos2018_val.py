# Semi-supervised VOS on ytvos2018-valid (server-scored: writes the submission zip).
_base_ = ['./ytvos2019_val.py']

data_root = 'data/YouTube-VOS-2018'
test_dataloader = dict(dataset=dict(data_root=data_root, year=2018))
test_evaluator = dict(benchmark='ytvos2018-valid')
