"""``tools/train.py --amp`` on a CPU: bfloat16 autocast, float32 weights, a working update.

One run (a separate process, one torch thread) of the tiny CPU config on a
synthetic DAVIS-layout set, 2 iterations. A hook (loaded with
``custom_imports``) saves the weights before the first iteration and records,
inside the model's forward pass, the autocast state and the dtype of every
``nn.Linear`` output.
"""

import json
import math
import os.path as osp
import sys

import pytest
import torch
from training_helpers import ROOT, hooked_tiny_run, logged_losses, run_command

RECORD_HOOK = """
import json
import os.path as osp

import torch
from mmengine.hooks import Hook

from mmsam2.registry import HOOKS


@HOOKS.register_module()
class RecordPrecisionHook(Hook):
    def before_train(self, runner):
        model = getattr(runner.model, 'module', runner.model)
        torch.save(model.state_dict(), osp.join(runner.work_dir, 'initial.pth'))
        self.linear_dtypes, self.autocast = set(), set()
        for module in model.modules():
            if isinstance(module, torch.nn.Linear):
                module.register_forward_hook(self._record)

    def _record(self, module, args, output):
        self.linear_dtypes.add(str(output.dtype))
        enabled = torch.is_autocast_enabled('cpu')
        self.autocast.add(str(torch.get_autocast_dtype('cpu')) if enabled else 'off')

    def after_train(self, runner):
        record = dict(linear=sorted(self.linear_dtypes), autocast=sorted(self.autocast),
                      wrapper=type(runner.optim_wrapper).__name__)
        with open(osp.join(runner.work_dir, 'precision.json'), 'w') as f:
            json.dump(record, f)
"""


def test_amp_trains_in_bfloat16_on_cpu(tmp_path) -> None:
    config_file, work_dir = hooked_tiny_run(
        str(tmp_path), 3, 2, 'record_hook', RECORD_HOOK, dict(type='RecordPrecisionHook')
    )

    command = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config_file]
    code, output = run_command(
        command + ['--work-dir', work_dir, '--amp'],
        python_path=[str(tmp_path)],
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='',
    )
    assert code == 0, output[-3000:]

    with open(osp.join(work_dir, 'precision.json')) as f:
        precision = json.load(f)
    assert precision['wrapper'] == 'CPUAmpOptimWrapper'
    assert precision['autocast'] == ['torch.bfloat16']  # every Linear ran under autocast
    assert precision['linear'] == ['torch.bfloat16']
    losses = logged_losses(work_dir)
    assert sorted(losses) == [1, 2] and all(math.isfinite(v) for v in losses.values())

    initial = torch.load(osp.join(work_dir, 'initial.pth'), map_location='cpu')
    checkpoint = torch.load(
        osp.join(work_dir, 'iter_2.pth'), map_location='cpu', weights_only=False
    )
    final = checkpoint['state_dict']
    assert all(
        value.dtype == torch.float32 for value in final.values() if value.is_floating_point()
    )
    changed = [key for key in initial if not torch.equal(initial[key], final[key])]
    trainable = [key for key, value in initial.items() if value.is_floating_point()]
    # some parameters get no gradient in 2 iterations (e.g. those of an empty memory)
    assert len(changed) > 0.8 * len(trainable), f'{len(changed)} of {len(trainable)} changed'
    assert 'backbone.patch_embed.proj.weight' in changed
    assert 'loss_scaler' not in checkpoint['optimizer']  # no loss scaling in bfloat16


def test_cpu_amp_wrapper() -> None:
    from mmsam2.engine.optimizers import CPUAmpOptimWrapper

    model = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match='bfloat16 only'):
        CPUAmpOptimWrapper(dtype='float16', optimizer=torch.optim.SGD(model.parameters(), 0.1))
    wrapper = CPUAmpOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), 0.1))
    with wrapper.optim_context(model):
        assert model(torch.ones(1, 2)).dtype == torch.bfloat16
    assert model.weight.dtype == torch.float32
    state = dict(wrapper.state_dict(), loss_scaler={'scale': 1.0})  # a GPU AMP checkpoint
    state['param_groups'][0]['lr'] = 0.5
    wrapper.load_state_dict(state)  # the loss scaler is ignored, the optimizer state loaded
    assert wrapper.get_lr()['lr'] == [0.5]
    assert 'loss_scaler' not in wrapper.state_dict()
