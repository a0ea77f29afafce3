"""The shared data bases: each benchmark and clip dataset file only adds what differs."""

import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATASETS = osp.join(ROOT, 'configs', '_base_', 'datasets')
# benchmark file: (dataset type, evaluator type, benchmark name)
VOS_TESTS = {
    'davis2016_val.py': ('DAVISDataset', 'VOSMetric', 'davis2016-val'),
    'davis2017_val.py': ('DAVISDataset', 'VOSMetric', 'davis2017-val'),
    'lvos_val.py': ('LVOSDataset', 'VOSSubmission', 'lvos-valid'),
    'mose_val.py': ('MOSEDataset', 'VOSSubmission', 'mose-valid'),
    'sav_val.py': ('SAVDataset', 'SAVMetric', 'sav-val'),
    'ytvos2018_val.py': ('YouTubeVOSDataset', 'VOSSubmission', 'ytvos2018-valid'),
    'ytvos2019_val.py': ('YouTubeVOSDataset', 'VOSSubmission', 'ytvos2019-valid'),
    'synthetic_vos_test.py': ('DAVISDataset', 'VOSMetric', 'synthetic-davis-val'),
}
CLIP_TRAINS = ('mose_clip_train.py', 'sav_clip_train.py', 'vos_clip_synthetic.py')


def _load(name: str) -> dict:
    return Config.fromfile(osp.join(DATASETS, name)).to_dict()


@pytest.mark.parametrize('name', sorted(VOS_TESTS))
def test_vos_test_base_is_the_shared_loader_plus_its_dataset(name: str) -> None:
    cfg = _load(name)
    dataset_type, evaluator_type, benchmark = VOS_TESTS[name]
    shared = _load('vos_test_loader.py')
    loader = cfg['test_dataloader']
    assert {k: v for k, v in loader.items() if k != 'dataset'} == {
        k: v for k, v in shared['test_dataloader'].items() if k != 'dataset'
    }
    assert loader['dataset']['pipeline'] == [dict(type='PackVOSInputs')]
    assert loader['dataset']['type'] == dataset_type
    assert loader['dataset']['data_root'] == cfg['data_root']
    assert cfg['test_evaluator'] == dict(type=evaluator_type, benchmark=benchmark)
    assert cfg['test_cfg'] == dict(type='TestLoop')
    # Nothing but the loop's own keys: no helper variable of the bases leaks.
    keys = {'data_root', 'test_dataloader', 'test_evaluator', 'test_cfg'}
    if name == 'synthetic_vos_test.py':
        keys |= {'val_dataloader', 'val_evaluator', 'val_cfg'}
    assert set(cfg) == keys


def test_synthetic_validation_runs_the_whole_test_loader() -> None:
    cfg = _load('synthetic_vos_test.py')
    assert cfg['val_dataloader'] == cfg['test_dataloader']
    assert cfg['val_evaluator'] == cfg['test_evaluator']
    assert cfg['val_dataloader']['batch_size'] == 1


@pytest.mark.parametrize('name', CLIP_TRAINS)
def test_clip_train_base_is_the_shared_loader_plus_its_videos(name: str) -> None:
    cfg = _load(name)
    shared = _load('vos_clip_train_loader.py')['train_dataloader']
    loader = cfg['train_dataloader']
    for key in ('batch_size', 'persistent_workers', 'sampler', 'collate_fn'):
        assert loader[key] == shared[key], key
    clips = loader['dataset']
    assert clips['type'] == 'VOSClipDataset' and clips['max_num_objects'] == 3
    assert clips['dataset']['data_root'] == cfg['data_root']
    assert clips['pipeline'] == cfg['train_pipeline']
    assert set(cfg) == {'data_root', 'train_pipeline', 'train_dataloader'}


def test_synthetic_clips_are_meta_augmentation_at_128_px() -> None:
    meta = _load('sam2_clip_pipeline.py')['train_pipeline']
    synthetic = _load('vos_clip_synthetic.py')
    pipeline = synthetic['train_pipeline']
    assert [t['type'] for t in pipeline] == [t['type'] for t in meta]
    for ours, theirs in zip(pipeline, meta):
        expected = dict(theirs, size=128) if theirs['type'] == 'ClipResize' else theirs
        assert ours == expected
    assert synthetic['train_dataloader']['num_workers'] == 1
    assert synthetic['train_dataloader']['dataset']['num_frames'] == 4


def test_davis_ytvos_clips_share_the_loader_clip_settings() -> None:
    cfg = _load('davis_ytvos_clip_train.py')
    shared = _load('vos_clip_train_loader.py')['train_dataloader']['dataset']
    datasets = cfg['train_dataloader']['dataset']['datasets']
    assert datasets == [cfg['davis_clips'], cfg['ytvos_clips']]
    for clips in datasets:
        assert {k: v for k, v in clips.items() if k != 'dataset'} == shared
    assert [d['dataset']['type'] for d in datasets] == ['DAVISDataset', 'YouTubeVOSDataset']
    assert cfg['train_dataloader']['sampler']['type'] == 'MixedRatioSampler'
    assert set(cfg) == {'train_pipeline', 'davis_clips', 'ytvos_clips', 'train_dataloader'}
