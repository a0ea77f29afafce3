"""Turn ``tools/train.py``'s command-line options into config settings (and start CPU DDP)."""

import datetime
import os.path as osp
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

from .amp import amp_torch_dtype, default_device


def configure_train_run(
    cfg: Config,
    config_path: str,
    work_dir: Optional[str] = None,
    amp: bool = False,
    amp_dtype: str = 'bfloat16',
    resume: Optional[str] = None,
    device: Optional[str] = None,
) -> Config:
    """Apply the training command-line options to a config (in place).

    Args:
        cfg (Config): The loaded config (``--cfg-options`` merged).
        config_path (str): Its path (names the default work dir).
        work_dir (str, optional): Output folder. Defaults to None (the
            config's ``work_dir``, else ``./work_dirs/<config name>``).
        amp (bool): Mixed precision: mmengine's ``AmpOptimWrapper`` on a GPU,
            :class:`~mmsam2.engine.optimizers.CPUAmpOptimWrapper` on a CPU.
            Defaults to False.
        amp_dtype (str): 'bfloat16' (Meta's recipe; no loss scaling) or
            'float16' (GPU only; dynamic loss scaling). Defaults to 'bfloat16'.
        resume (str, optional): 'auto' (latest checkpoint of the work dir) or
            a checkpoint path. Defaults to None (no resume; ``load_from``
            of the config, if any, initialises the weights).
        device (str, optional): 'cuda' or 'cpu', where training runs.
            Defaults to None ('cuda' if a GPU is available).

    Returns:
        Config: ``cfg``.
    """
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    if amp:
        if cfg.optim_wrapper.get('type', 'OptimWrapper') != 'OptimWrapper':
            raise ValueError(f'--amp needs an OptimWrapper, got {cfg.optim_wrapper.type}')
        device = device or default_device()
        amp_torch_dtype(amp_dtype, device)
        cfg.optim_wrapper.dtype = amp_dtype
        if device == 'cpu':
            # mmengine's AmpOptimWrapper needs a GPU; bfloat16 needs no loss scaling
            cfg.optim_wrapper.type = 'CPUAmpOptimWrapper'
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            # bfloat16 has float32's range: a constant scale of 1 (inf/nan steps still skipped)
            cfg.optim_wrapper.loss_scale = 'dynamic' if amp_dtype == 'float16' else 1.0
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        cfg.resume, cfg.load_from = True, resume
    return cfg


def init_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Start distributed training on CPUs (gloo) where mmengine's launcher needs a GPU.

    mmengine's ``pytorch`` launcher calls ``torch.cuda.set_device``, which
    fails without CUDA, and wraps the model with ``device_ids=[LOCAL_RANK]``,
    which ``DistributedDataParallel`` refuses for a CPU model. Without a GPU,
    this starts the process group itself with the gloo backend (the runner
    then leaves it as it is) and sets ``model_wrapper_cfg.device_ids=None``.
    With a GPU, or another launcher, it does nothing.

    Args:
        cfg (Config): The config (changed in place).
        launcher (str): ``tools/train.py``'s ``--launcher``.

    Returns:
        bool: Whether the gloo process group was set up here.
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return False
    dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
    dist_cfg['backend'] = 'gloo'  # nccl needs GPUs
    if 'timeout' in dist_cfg:
        dist_cfg['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(**dist_cfg)
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False),
    )
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True
