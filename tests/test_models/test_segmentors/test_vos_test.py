"""SAM2's VOS test step on SA-V (per-object PNGs) and YouTube-VOS (late objects, zip)."""

import os
import os.path as osp
import zipfile

import numpy as np
import pytest
import torch

from mmsam2.apis import init_model
from mmsam2.datasets import SAVDataset, YouTubeVOSDataset
from mmsam2.datasets.mask_io import read_binary_mask, read_palette_mask
from mmsam2.datasets.synthetic import data_root_of, generate_synthetic_vos
from mmsam2.datasets.transforms import PackVOSInputs
from mmsam2.evaluation import SAVMetric, VOSSubmission
from mmsam2.models.segmentors.vos_test import resolve_test_cfg

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_model(CONFIG, cfg_options={'model.image_size': 64})


def _predict(model, dataset, out_dir: str, fmt: str) -> list:
    model.test_cfg = resolve_test_cfg(dict(output_dir=out_dir, output_format=fmt))
    pack = PackVOSInputs()
    videos = [pack(dataset[i])['inputs'] for i in range(len(dataset))]
    return model(videos, mode='predict')


def test_sav_per_object_predictions_and_metric(model, tmp_path) -> None:
    out = str(tmp_path / 'syn')
    generate_synthetic_vos(out, 'sav', num_videos=2, num_frames=16, size=(48, 64), seed=1)
    dataset = SAVDataset(data_root=data_root_of(out, 'sav', 'val'), split='val')
    samples = _predict(model, dataset, str(tmp_path / 'pred'), 'sav')
    sample = samples[0]
    video = dataset[0]
    for obj_id in video['object_ids']:
        obj_dir = osp.join(sample['pred_masks'], f'{obj_id:03d}')
        names = sorted(os.listdir(obj_dir))
        assert [n[:-4] for n in names] == video['annotated_frames']
        assert read_binary_mask(osp.join(obj_dir, names[0])).shape == (48, 64)
    metric = SAVMetric()
    metric.process(None, samples)
    result = metric.compute_metrics(metric.results)
    assert 0.0 <= result['J&F-Mean'] <= 100.0


def test_youtube_vos_late_objects_and_submission(model, tmp_path) -> None:
    out = str(tmp_path / 'syn')
    generate_synthetic_vos(
        out, 'youtube_vos', num_videos=6, num_frames=16, size=(48, 64), seed=0, num_val_videos=3
    )
    dataset = YouTubeVOSDataset(data_root=out, split='valid')
    late = [
        (i, obj, first)
        for i in range(len(dataset))
        for obj, first in dataset[i]['first_frame_of_object'].items()
        if first > 0
    ]
    assert late, 'the synthetic videos should contain an object entering later'
    samples = _predict(model, dataset, str(tmp_path / 'pred'), 'davis')
    idx, obj, first = late[0]
    item = dataset[idx]
    for name in item['frame_names'][:first]:
        ids, _ = read_palette_mask(osp.join(samples[idx]['pred_masks'], f'{name}.png'))
        assert not np.any(ids == obj), f'object {obj} predicted before it appears'
    metric = VOSSubmission(zip_path=str(tmp_path / 'sub.zip'))
    metric.process(None, samples)
    counts = metric.compute_metrics(metric.results)
    with zipfile.ZipFile(tmp_path / 'sub.zip') as archive:
        names = archive.namelist()
    expected = sum(len(dataset[i]['annotated_frames']) for i in range(len(dataset)))
    assert counts['num_frames'] == expected == len(names)
    assert all(n.startswith('Annotations/video_') and n.endswith('.png') for n in names)


def test_predict_rejects_raw_tensors(model) -> None:
    model.test_cfg = resolve_test_cfg(dict(output_dir='/tmp/unused'))
    with pytest.raises(TypeError, match='PackVOSInputs'):
        model([torch.zeros(3, 64, 64)], mode='predict')


def test_test_cfg_validation() -> None:
    with pytest.raises(ValueError, match='unknown test_cfg keys'):
        resolve_test_cfg(dict(outdir='x'))
    with pytest.raises(ValueError, match='output_format'):
        resolve_test_cfg(dict(output_format='png'))
    assert resolve_test_cfg(dict(output_format='sav'))['non_overlap_masks'] is False
