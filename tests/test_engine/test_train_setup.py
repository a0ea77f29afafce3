"""configure_train_run: what tools/train.py's options do to a config."""

import pytest
from mmengine.config import Config

from mmsam2.engine.train_setup import configure_train_run


def _cfg() -> Config:
    return Config(
        dict(
            optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-4)),
            load_from='checkpoints/sam2.1_hiera_tiny.pt',
            resume=False,
        )
    )


def test_work_dir() -> None:
    cfg = configure_train_run(_cfg(), 'configs/x/my_config.py')
    assert cfg.work_dir == './work_dirs/my_config'
    assert configure_train_run(_cfg(), 'a.py', work_dir='out').work_dir == 'out'


@pytest.mark.parametrize('dtype,scale', [('bfloat16', 1.0), ('float16', 'dynamic')])
def test_amp_on_gpu(dtype: str, scale) -> None:
    cfg = configure_train_run(_cfg(), 'a.py', amp=True, amp_dtype=dtype, device='cuda')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == dtype and cfg.optim_wrapper.loss_scale == scale
    with pytest.raises(ValueError, match='amp dtype must be one of'):
        configure_train_run(_cfg(), 'a.py', amp=True, amp_dtype='int8')


def test_amp_on_cpu() -> None:
    cfg = configure_train_run(_cfg(), 'a.py', amp=True, device='cpu')
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16' and 'loss_scale' not in cfg.optim_wrapper
    with pytest.raises(ValueError, match='on a CPU runs in bfloat16'):
        configure_train_run(_cfg(), 'a.py', amp=True, amp_dtype='float16', device='cpu')


def test_resume() -> None:
    cfg = configure_train_run(_cfg(), 'a.py', resume='auto')
    assert cfg.resume is True and cfg.load_from is None
    cfg = configure_train_run(_cfg(), 'a.py', resume='work_dirs/a/iter_2000.pth')
    assert cfg.resume is True and cfg.load_from == 'work_dirs/a/iter_2000.pth'
    cfg = configure_train_run(_cfg(), 'a.py')
    assert cfg.resume is False and cfg.load_from == 'checkpoints/sam2.1_hiera_tiny.pt'
