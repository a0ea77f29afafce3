"""Prepare a config for ``tools/test.py``: where predictions, overlays and results go."""

import os
import os.path as osp
from typing import Any, List, Optional

import torch
from mmengine.config import Config

from .amp import amp_torch_dtype, default_device
from .hooks.test_outputs_hook import check_clearable


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
      the file is checked to be writable now, before the model is built;
    * a :class:`~mmsam2.engine.hooks.ClearTestOutputsHook` empties the
      prediction and overlay folders and removes the metrics' result files
      left by an earlier run before testing, so two runs into one work dir
      never mix (a folder to empty may not hold the work dir, the config,
      the checkpoint or the data);
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
        check_writable_file(out, '--out')
        evaluators.append(dict(type='DumpResults', out_file_path=out))
    if evaluators:
        cfg.test_evaluator = evaluators
    _add_clear_outputs_hook(cfg, config_path, evaluators)
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


def check_writable_file(path: str, what: str) -> None:
    """Raise now if ``path`` cannot be written (rather than after a whole test run).

    Creates the missing parent folders (as the writer would) and opens the
    file for appending; a file that did not exist is removed again.

    Args:
        path (str): The output file.
        what (str): The option naming it, for the message, e.g. '--out'.
    """
    if osp.isdir(path):
        raise ValueError(f'{what} {path} is a folder: give a file path')
    existed = osp.exists(path)
    try:
        parent = osp.dirname(osp.abspath(path))
        os.makedirs(parent, exist_ok=True)
        with open(path, 'ab'):
            pass
    except OSError as err:
        raise ValueError(f'{what} {path} cannot be written: {err}') from err
    if not existed:
        os.remove(path)


def _data_roots(node: Any) -> List[str]:
    """Every ``data_root`` in a (nested) dataloader config."""
    if isinstance(node, dict):
        roots = [node['data_root']] if isinstance(node.get('data_root'), str) else []
        return roots + [root for value in node.values() for root in _data_roots(value)]
    if isinstance(node, (list, tuple)):
        return [root for value in node for root in _data_roots(value)]
    return []


def _add_clear_outputs_hook(cfg: Config, config_path: str, evaluators: list) -> None:
    """Add the hook that clears an earlier run's outputs; check it can do so safely."""
    test_cfg = cfg.model.test_cfg
    folders = [test_cfg.get('output_dir'), test_cfg.get('show_dir')]
    folders = list(dict.fromkeys(f for f in folders if f))
    result_dirs = [
        metric['out_dir']
        for metric in evaluators
        if metric.get('type') in ('VOSMetric', 'SAVMetric', 'VOSSubmission')
        and metric.get('out_dir')
    ]
    protected = [cfg.work_dir, config_path, cfg.get('load_from')]
    protected += _data_roots(cfg.get('test_dataloader'))
    check_clearable(folders, [p for p in protected if isinstance(p, str)])
    hooks = [h for h in cfg.get('custom_hooks') or [] if h.get('type') != 'ClearTestOutputsHook']
    hooks.append(
        dict(
            type='ClearTestOutputsHook',
            folders=folders,
            result_dirs=list(dict.fromkeys(result_dirs)),
        )
    )
    cfg.custom_hooks = hooks
