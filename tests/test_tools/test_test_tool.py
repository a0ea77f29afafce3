"""tools/test.py end to end on a generated synthetic vos_run (DAVIS layout)."""

import json
import os
import os.path as osp
import subprocess
import sys

import av
import numpy as np
import pytest
from training_helpers import command_env, run_test_tool, synthetic_vos_checkpoint

from mmsam2.datasets.mask_io import read_palette_mask
from mmsam2.engine.hooks.test_outputs_hook import OUTPUT_MARKER

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'sam2.1_vos', 'sam2.1_hiera-t_vos_synthetic-val.py')


@pytest.fixture(scope='module')
def vos_run(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp('vos')
    data, ckpt = synthetic_vos_checkpoint(tmp, CONFIG, num_videos=3, num_frames=6, seed=3)
    work = str(tmp / 'work')
    # what an earlier run into the same work dir left (another video, another benchmark)
    stale = [
        osp.join(work, 'predictions', 'video_009', '00000.png'),
        osp.join(work, 'vis', 'video_009.mp4'),
        osp.join(work, 'per-sequence_results-test-dev.csv'),
        osp.join(work, 'vos_results_other-benchmark.json'),
    ]
    marks = [osp.join(work, folder, OUTPUT_MARKER) for folder in ('predictions', 'vis')]
    for path in stale + marks:  # the earlier run marked its output folders as its own
        os.makedirs(osp.dirname(path), exist_ok=True)
        open(path, 'w').close()
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
    return dict(data=data, work=work, tmp=tmp, log=log, stale=stale, ckpt=ckpt)


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


def test_outputs_of_an_earlier_run_are_removed(vos_run) -> None:
    assert not any(osp.exists(path) for path in vos_run['stale'])
    assert 'removed 4 output(s) of an earlier run' in vos_run['log']
    names = sorted(os.listdir(osp.join(vos_run['work'], 'predictions')))
    assert names == [OUTPUT_MARKER, 'video_002']
    assert not osp.exists(osp.join(vos_run['work'], 'vos_results_other-benchmark.json'))


def test_unwritable_out_fails_before_the_model_is_built(vos_run) -> None:
    blocker = vos_run['tmp'] / 'not_a_folder'
    blocker.write_text('')
    command = [sys.executable, osp.join(ROOT, 'tools', 'test.py'), CONFIG, vos_run['ckpt']]
    command += ['--work-dir', str(vos_run['tmp'] / 'work_out'), '--out', f'{blocker}/r.pkl']
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=command_env(), timeout=300
    )
    assert done.returncode != 0
    assert f'--out {blocker}/r.pkl cannot be written' in done.stderr
    assert not osp.exists(vos_run['tmp'] / 'work_out')  # nothing ran: no log folder either
