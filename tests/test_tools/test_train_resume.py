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

import os.path as osp
import signal
import subprocess
import sys
from typing import Dict, List

import pytest
import torch
from mmengine.config import Config
from training_helpers import (
    ROOT,
    add_custom_hook,
    command_env,
    generate_tiny_davis,
    logged_losses,
    tiny_train_config,
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
    generate_tiny_davis(data_root, num_videos=4)
    # augmentation in the main process (num_workers=0): the hard case
    cfg = tiny_train_config(data_root, max_iters=4)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2),
        dict(type='CosineAnnealingLR', by_epoch=False, begin=2, end=4, T_max=2, eta_min_ratio=0.1),
    ]
    cfg.default_hooks.checkpoint.interval = 2
    return cfg


def _train(config_file: str, work_dir: str, *options: str) -> subprocess.Popen:
    """Start ``tools/train.py`` in a new process."""
    command = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config_file]
    command += ['--work-dir', work_dir, *options]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=command_env([osp.dirname(config_file)]),
    )


def _finish(process: subprocess.Popen) -> tuple:
    output, _ = process.communicate(timeout=600)
    return process.returncode, output


def _weights(path: str) -> Dict[str, torch.Tensor]:
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.mark.slow
def test_killed_run_resumes_exactly(config: Config, tmp_path) -> None:
    uninterrupted, killed = str(tmp_path / 'A'), str(tmp_path / 'B')
    config_file = str(tmp_path / 'tiny.py')
    config.dump(config_file)
    doomed = config.copy()
    kill = dict(type='KillAfterIterHook', kill_after=3)
    add_custom_hook(doomed, str(tmp_path), 'kill_hook', KILL_HOOK, kill)
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
    losses_a, losses_c = logged_losses(uninterrupted), logged_losses(killed)
    assert [losses_a[i] for i in (3, 4)] == [losses_c[i] for i in (3, 4)]
