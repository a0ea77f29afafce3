"""tools/test.py --amp: the VOS test runs under bfloat16 autocast on a CPU."""

import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from training_helpers import run_test_tool, synthetic_vos_checkpoint

from mmsam2.engine.cli import build_runner
from mmsam2.engine.test_setup import configure_test_run

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'sam2.1_vos', 'sam2.1_hiera-t_vos_synthetic-val.py')


@pytest.fixture(scope='module')
def vos_data(tmp_path_factory) -> dict:
    """One synthetic DAVIS-layout validation video and a random 64-px checkpoint."""
    tmp = tmp_path_factory.mktemp('vos_amp')
    data, checkpoint = synthetic_vos_checkpoint(tmp, CONFIG, num_videos=2, num_frames=5, seed=5)
    return dict(data=data, checkpoint=checkpoint, tmp=tmp)


def _options(data: str) -> list:
    return ['--cfg-options', 'model.image_size=64', f'test_dataloader.dataset.data_root={data}']


def test_amp_flag_turns_on_the_test_loop_autocast(vos_data) -> None:
    work = str(vos_data['tmp'] / 'work_cli')
    log = run_test_tool(CONFIG, vos_data['checkpoint'], work, '--amp', *_options(vos_data['data']))
    assert 'vos/J&F-Mean' in log
    (dumped,) = glob.glob(osp.join(work, '*', 'vis_data', 'config.py')) or glob.glob(
        osp.join(work, '*.py')
    )
    assert Config.fromfile(dumped).test_cfg == dict(type='TestLoop', fp16=True)


def test_model_runs_in_bfloat16(vos_data, monkeypatch) -> None:
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(
        {'model.image_size': 64, 'test_dataloader.dataset.data_root': vos_data['data']}
    )
    cfg.work_dir = str(vos_data['tmp'] / 'work_inproc')
    cfg.load_from = vos_data['checkpoint']
    configure_test_run(cfg, config_path=CONFIG, amp_dtype='bfloat16', device='cpu')
    runner = build_runner(cfg)
    dtypes = set()
    attention = torch.nn.functional.scaled_dot_product_attention

    def recording_attention(query: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        dtypes.add(query.dtype)
        return attention(query, *args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, 'scaled_dot_product_attention', recording_attention)
    metrics = runner.test()
    assert dtypes == {torch.bfloat16}
    assert 0.0 <= metrics['vos/J&F-Mean'] <= 100.0


def test_amp_settings_are_checked() -> None:
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = 'unused'
    with pytest.raises(ValueError, match='on a CPU runs in bfloat16'):
        configure_test_run(cfg, config_path=CONFIG, amp_dtype='float16', device='cpu')
    cfg.test_cfg = dict(type='ValLoop')
    with pytest.raises(ValueError, match="needs mmengine's TestLoop"):
        configure_test_run(cfg, config_path=CONFIG, amp_dtype='bfloat16', device='cpu')
