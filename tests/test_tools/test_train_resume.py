"""A training run killed mid-epoch and resumed ends with the weights of an uninterrupted one.

Three ``tools/train.py`` runs (separate processes) of the tiny CPU config on a
synthetic DAVIS-layout set of 3 training videos, 4 iterations, a checkpoint
every 2:

* A: uninterrupted;
* B: the same run, killed (SIGKILL) right after iteration 3;
* C: ``--resume`` on B's work dir: it resumes from ``iter_2.pth`` (skipping the
  2 batches already used) and runs iterations 3 and 4, crossing the end of the
  first epoch.

Data augmentation runs in the main process (``num_workers=0``) and the model
draws dropout masks, prompt decisions and correction clicks, so only a resume
that restores the data order and every random generator at the right point
gives A's weights bit for bit.
"""

import glob
import json
import os
import os.path as osp
import signal
import subprocess
import sys
from typing import Dict, List

import pytest
import torch
from mmengine.config import Config
from training_helpers import CONFIG_DIR

from mmsam2.datasets import generate_synthetic_vos

ROOT = osp.join(CONFIG_DIR, '..')
TINY_CONFIG = osp.join(
    CONFIG_DIR, 'sam2.1_tiny-cpu', 'sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py'
)
KILL_HOOK = """
import os
import signal

from mmengine.hooks import Hook

from mmsam2.registry import HOOKS


@HOOKS.register_module()
class KillAfterIterHook(Hook):
    priority = 'LOWEST'

    def __init__(self, kill_after):
        self.kill_after = kill_after

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture(scope='module')
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    data_root = str(tmp_path_factory.mktemp('synthetic'))
    generate_synthetic_vos(
        data_root, 'davis', num_videos=4, num_val_videos=1, num_frames=5, size=(48, 64)
    )
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.update(image_size=64, num_correction_pt_per_frame=2)
    clips = cfg.train_dataloader.dataset
    clips.update(num_frames=3, max_num_objects=2)
    clips.dataset.data_root = data_root
    for transform in clips.pipeline:
        if transform.type == 'ClipResize':
            transform.size = 64
    cfg.train_dataloader.num_workers = 0  # augmentation in the main process: the hard case
    cfg.train_cfg.max_iters = 4
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2),
        dict(type='CosineAnnealingLR', by_epoch=False, begin=2, end=4, T_max=2, eta_min_ratio=0.1),
    ]
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1
    cfg.randomness = dict(seed=0)
    return cfg


def _train(config_file: str, work_dir: str, *options: str) -> subprocess.Popen:
    """Start ``tools/train.py`` in a new process."""
    command = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config_file]
    command += ['--work-dir', work_dir, *options]
    path = os.pathsep.join([ROOT, osp.dirname(config_file), os.environ.get('PYTHONPATH', '')])
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONPATH=path),
    )


def _finish(process: subprocess.Popen) -> tuple:
    output, _ = process.communicate(timeout=600)
    return process.returncode, output


def _losses(work_dir: str) -> Dict[int, float]:
    """Loss per iteration from the scalars the logger wrote (all runs in the work dir)."""
    losses = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                losses[record['step']] = record['loss']
    return losses


def _weights(path: str) -> Dict[str, torch.Tensor]:
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.mark.slow
def test_killed_run_resumes_exactly(config: Config, tmp_path) -> None:
    uninterrupted, killed = str(tmp_path / 'A'), str(tmp_path / 'B')
    config_file = str(tmp_path / 'tiny.py')
    config.dump(config_file)
    (tmp_path / 'kill_hook.py').write_text(KILL_HOOK)
    doomed = config.copy()
    doomed.custom_imports = dict(imports=['kill_hook'], allow_failed_imports=False)
    doomed.custom_hooks = config.custom_hooks + [dict(type='KillAfterIterHook', kill_after=3)]
    doomed_file = str(tmp_path / 'tiny_killed.py')
    doomed.dump(doomed_file)

    run_a, run_b = _train(config_file, uninterrupted), _train(doomed_file, killed)
    code, output = _finish(run_a)
    assert code == 0, output[-3000:]
    code, output = _finish(run_b)
    assert code == -signal.SIGKILL, output[-3000:]
    assert osp.exists(osp.join(killed, 'iter_2.pth'))
    assert not osp.exists(osp.join(killed, 'iter_4.pth'))

    code, output = _finish(_train(config_file, killed, '--resume'))
    assert code == 0, output[-3000:]
    assert 'resumed epoch: 0, iter: 2' in output

    expected = _weights(osp.join(uninterrupted, 'iter_4.pth'))
    got = _weights(osp.join(killed, 'iter_4.pth'))
    assert set(expected) == set(got)
    different: List[str] = [k for k in expected if not torch.equal(expected[k], got[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'
    losses_a, losses_c = _losses(uninterrupted), _losses(killed)
    assert [losses_a[i] for i in (3, 4)] == [losses_c[i] for i in (3, 4)]
