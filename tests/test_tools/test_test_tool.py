"""tools/test.py end to end on a generated synthetic vos_run (DAVIS layout)."""

import json
import os.path as osp

import av
import numpy as np
import pytest
from training_helpers import run_test_tool, synthetic_vos_checkpoint

from mmsam2.datasets.mask_io import read_palette_mask

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'sam2.1_vos', 'sam2.1_hiera-t_vos_synthetic-val.py')


@pytest.fixture(scope='module')
def vos_run(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp('vos')
    data, ckpt = synthetic_vos_checkpoint(tmp, CONFIG, num_videos=3, num_frames=6, seed=3)
    work = str(tmp / 'work')
    log = run_test_tool(
        CONFIG,
        ckpt,
        work,
        '--show-dir',
        'vis',
        '--out',
        str(tmp / 'results.pkl'),
        '--cfg-options',
        'model.image_size=64',
        f'test_dataloader.dataset.data_root={data}',
    )
    return dict(data=data, work=work, tmp=tmp, log=log)


def test_metrics_and_result_files(vos_run) -> None:
    assert 'vos/J&F-Mean' in vos_run['log']
    with open(osp.join(vos_run['work'], 'vos_results_synthetic-davis-val.json')) as f:
        result = json.load(f)
    assert result['num_videos'] == 1 and 0.0 <= result['JF'] <= 100.0
    assert result['params'] > 1 and result['fps'] > 0
    assert osp.isfile(osp.join(vos_run['work'], 'global_results-val.csv'))
    assert osp.isfile(vos_run['tmp'] / 'results.pkl')


def test_predictions_are_palette_pngs_at_video_size(vos_run) -> None:
    pred_dir = osp.join(vos_run['work'], 'predictions', 'video_002')
    names = sorted(p for p in __import__('os').listdir(pred_dir))
    assert len(names) == 6
    ids, palette = read_palette_mask(osp.join(pred_dir, names[0]))
    assert ids.shape == (48, 64) and palette is not None
    gt, _ = read_palette_mask(
        osp.join(vos_run['data'], 'Annotations', '480p', 'video_002', names[0])
    )
    # frame 0 is prompted with the ground truth: its prediction reproduces most of it
    fg = gt > 0
    assert (ids[fg] == gt[fg]).mean() > 0.5


def test_overlay_video_written(vos_run) -> None:
    path = osp.join(vos_run['work'], 'vis', 'video_002.mp4')
    with av.open(path) as container:
        frames = [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]
    assert len(frames) == 6 and frames[0].shape == (48, 64, 3)
    assert np.abs(frames[0].astype(int)).sum() > 0
