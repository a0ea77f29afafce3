"""Turn ``tools/train.py``'s command-line options into config settings."""

import os.path as osp
from typing import Optional

from mmengine.config import Config

AMP_DTYPES = ('bfloat16', 'float16')


def configure_train_run(
    cfg: Config,
    config_path: str,
    work_dir: Optional[str] = None,
    amp: bool = False,
    amp_dtype: str = 'bfloat16',
    resume: Optional[str] = None,
) -> Config:
    """Apply the training command-line options to a config (in place).

    Args:
        cfg (Config): The loaded config (``--cfg-options`` merged).
        config_path (str): Its path (names the default work dir).
        work_dir (str, optional): Output folder. Defaults to None (the
            config's ``work_dir``, else ``./work_dirs/<config name>``).
        amp (bool): Mixed precision with mmengine's ``AmpOptimWrapper``.
            Defaults to False.
        amp_dtype (str): 'bfloat16' (Meta's recipe; no loss scaling) or
            'float16' (dynamic loss scaling). Defaults to 'bfloat16'.
        resume (str, optional): 'auto' (latest checkpoint of the work dir) or
            a checkpoint path. Defaults to None (no resume; ``load_from``
            of the config, if any, initialises the weights).

    Returns:
        Config: ``cfg``.
    """
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    if amp:
        if amp_dtype not in AMP_DTYPES:
            raise ValueError(f'amp_dtype must be one of {AMP_DTYPES}, got {amp_dtype!r}')
        if cfg.optim_wrapper.get('type', 'OptimWrapper') != 'OptimWrapper':
            raise ValueError(f'--amp needs an OptimWrapper, got {cfg.optim_wrapper.type}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = amp_dtype
        # bfloat16 has float32's range: a constant scale of 1 (inf/nan steps still skipped).
        cfg.optim_wrapper.loss_scale = 'dynamic' if amp_dtype == 'float16' else 1.0
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        cfg.resume, cfg.load_from = True, resume
    return cfg
