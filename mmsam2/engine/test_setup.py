"""Prepare a config for ``tools/test.py``: where predictions, overlays and results go."""

import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config

from .amp import amp_torch_dtype, default_device


def _evaluators(cfg: Config) -> list:
    evaluator = cfg.get('test_evaluator')
    if evaluator is None:
        return []
    return list(evaluator) if isinstance(evaluator, (list, tuple)) else [evaluator]


def configure_test_run(
    cfg: Config,
    config_path: str,
    out: Optional[str] = None,
    show_dir: Optional[str] = None,
    amp_dtype: Optional[str] = None,
    device: Optional[str] = None,
) -> Config:
    """Point predictions, overlays and metric files of a test run at its work dir.

    * ``model.test_cfg.output_dir`` defaults to ``<work_dir>/predictions``
      (benchmark-format PNGs, one folder per video);
    * ``--show-dir`` becomes ``model.test_cfg.show_dir`` (an overlay mp4 per
      video; relative paths are taken inside the work dir);
    * VOS metrics without ``out_dir`` write their CSV / JSON result files to
      the work dir and record the config name for the leaderboard;
    * ``--out`` adds mmengine's ``DumpResults`` for the per-video samples;
    * ``--amp`` turns on the test loop's autocast (``test_cfg.fp16``): bfloat16
      on a CPU; on a GPU the dtype given (set as the CUDA autocast dtype, which
      mmengine's loop reads).

    Args:
        cfg (Config): The loaded config (``work_dir`` set).
        config_path (str): Path of the config file (for the leaderboard).
        out (str, optional): Pickle file for the raw results. Defaults to None.
        show_dir (str, optional): Overlay folder. Defaults to None.
        amp_dtype (str, optional): 'bfloat16' or 'float16' (GPU only) to test
            under autocast. Defaults to None (full precision).
        device (str, optional): 'cuda' or 'cpu', where the test runs.
            Defaults to None ('cuda' if a GPU is available).

    Returns:
        Config: ``cfg``, modified in place.
    """
    test_cfg = dict(cfg.model.get('test_cfg') or {})
    test_cfg.setdefault('output_dir', osp.join(cfg.work_dir, 'predictions'))
    if show_dir:
        test_cfg['show_dir'] = show_dir if osp.isabs(show_dir) else osp.join(cfg.work_dir, show_dir)
    cfg.model.test_cfg = test_cfg
    evaluators = _evaluators(cfg)
    name = osp.splitext(osp.basename(config_path))[0]
    for metric in evaluators:
        if metric.get('type') == 'VOSSubmission':
            metric.setdefault('out_dir', cfg.work_dir)
        if metric.get('type') in ('VOSMetric', 'SAVMetric'):
            metric.setdefault('out_dir', cfg.work_dir)
            metric.setdefault('config', config_path)
            metric.setdefault('model_name', name)
    if out:
        if not out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl file, got {out}')
        evaluators.append(dict(type='DumpResults', out_file_path=out))
    if evaluators:
        cfg.test_evaluator = evaluators
    if amp_dtype is not None:
        _enable_test_autocast(cfg, amp_dtype, device or default_device())
    return cfg


def _enable_test_autocast(cfg: Config, amp_dtype: str, device: str) -> None:
    """Run mmengine's test loop under autocast in ``amp_dtype`` on ``device``."""
    dtype = amp_torch_dtype(amp_dtype, device)
    loop = dict(cfg.get('test_cfg') or dict(type='TestLoop'))
    if loop.get('type', 'TestLoop') != 'TestLoop':
        raise ValueError(f"--amp needs mmengine's TestLoop, got test_cfg.type={loop['type']!r}")
    loop['fp16'] = True  # mmengine's switch for autocast (bfloat16 on a CPU)
    cfg.test_cfg = loop
    if device != 'cpu':
        torch.set_autocast_dtype('cuda', dtype)
