"""Distributed training on CPUs: ``torchrun`` x 2 + ``tools/train.py --launcher pytorch``.

Without a GPU, ``tools/train.py`` starts a gloo process group itself and wraps
the model in ``MMDistributedDataParallel`` without ``device_ids``
(:func:`mmsam2.engine.train_setup.init_cpu_distributed`). Two processes (one
torch thread each) train the tiny CPU config for 2 iterations on different
clips; a hook saves every rank's weights at the end, which must be equal
(gradients were averaged) and differ from the start.
"""

import os.path as osp
import socket
import sys

import pytest
import torch
from training_helpers import ROOT, hooked_tiny_run, logged_losses, run_command

from mmsam2.engine.train_setup import init_cpu_distributed

SAVE_HOOK = """
import os.path as osp

import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook

from mmsam2.registry import HOOKS


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):
    def before_train(self, runner):
        self._save(runner, 'initial')

    def after_train(self, runner):
        self._save(runner, 'final')

    def _save(self, runner, when):
        model = getattr(runner.model, 'module', runner.model)
        state = dict(weights=model.state_dict(), world_size=get_world_size(),
                     wrapper=type(runner.model).__name__)
        torch.save(state, osp.join(runner.work_dir, f'{when}_rank{get_rank()}.pth'))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the CPU (gloo) path')
def test_two_cpu_processes_train_in_sync(tmp_path) -> None:
    config_file, work_dir = hooked_tiny_run(
        str(tmp_path), 5, 2, 'save_hook', SAVE_HOOK, dict(type='SaveRankWeightsHook')
    )

    command = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2']
    command += ['--master_addr=127.0.0.1', f'--master_port={_free_port()}']
    command += [osp.join(ROOT, 'tools', 'train.py'), config_file, '--work-dir', work_dir]
    code, output = run_command(
        command + ['--launcher', 'pytorch'],
        python_path=[str(tmp_path)],
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='',
    )
    assert code == 0, output[-3000:]
    assert sorted(logged_losses(work_dir)) == [1, 2]

    states = {
        (when, rank): torch.load(osp.join(work_dir, f'{when}_rank{rank}.pth'), weights_only=False)
        for when in ('initial', 'final')
        for rank in (0, 1)
    }
    assert all(s['world_size'] == 2 for s in states.values())
    assert states['final', 0]['wrapper'] == 'MMDistributedDataParallel'
    initial, final = states['initial', 0]['weights'], states['final', 0]['weights']
    for key, value in final.items():  # the ranks saw different clips but share gradients
        assert torch.equal(value, states['final', 1]['weights'][key]), key
        assert torch.equal(initial[key], states['initial', 1]['weights'][key]), key
    assert any(not torch.equal(initial[key], final[key]) for key in final)


def test_init_cpu_distributed_leaves_other_launchers_alone() -> None:
    from mmengine.config import Config

    cfg = Config(dict(model_wrapper_cfg=dict(type='MMDistributedDataParallel')))
    assert not init_cpu_distributed(cfg, 'none')
    assert 'device_ids' not in cfg.model_wrapper_cfg
