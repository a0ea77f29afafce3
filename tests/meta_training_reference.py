"""Meta's SAM 2 training code (``training/`` of the ``sam2==1.1.0`` sdist) for parity tests.

The wheel and the installed package leave out ``training/``; the sdist has it.
:func:`sam2_sdist_dir` finds it in a cache folder (``$MMSAM2_CACHE`` or
``~/.cache/mmsam2``, or ``$MMSAM2_SAM2_SDIST`` pointing at an extracted copy),
else downloads it once with ``pip download`` and extracts it there; tests skip
with the reason when that fails. Only the loss and the training model are
imported, with stand-ins for the modules they import for other purposes
(``training.trainer``: a constant; ``training.utils.data_utils``: a type
hint needing ``tensordict``).
"""

import glob
import importlib
import os
import os.path as osp
import shutil
import subprocess
import sys
import tarfile
import tempfile
import types
from typing import Sequence

import pytest
import torch.nn as nn
from meta_reference import import_meta_sam2

SAM2_VERSION = '1.1.0'


def _cache_dir() -> str:
    root = os.environ.get('MMSAM2_CACHE', osp.join(osp.expanduser('~'), '.cache', 'mmsam2'))
    return osp.join(root, f'sam2-{SAM2_VERSION}')


def _download_sdist(target: str) -> None:
    """``pip download`` the sdist and extract it to ``target``."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                '-m',
                'pip',
                'download',
                '--no-deps',
                '--no-binary',
                ':all:',
                '--no-build-isolation',
                '--quiet',
                '-d',
                tmp,
                f'sam2=={SAM2_VERSION}',
            ],
            check=True,
            timeout=300,
            capture_output=True,
        )
        archives = glob.glob(osp.join(tmp, 'sam2-*.tar.gz'))
        if not archives:
            raise FileNotFoundError('pip download gave no sam2 sdist')
        safe = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
        with tarfile.open(archives[0]) as tar:
            tar.extractall(tmp, **safe)
        os.makedirs(osp.dirname(target), exist_ok=True)
        shutil.move(osp.join(tmp, f'sam2-{SAM2_VERSION}'), target)


def sam2_sdist_dir() -> str:
    """Folder of the extracted sdist (with ``training/``), or skip the test."""
    given = os.environ.get('MMSAM2_SAM2_SDIST')
    target = given or _cache_dir()
    if not osp.isdir(osp.join(target, 'training')):
        if given:
            pytest.skip(f'MMSAM2_SAM2_SDIST={given} has no training/ folder')
        try:
            _download_sdist(target)
        except (OSError, subprocess.SubprocessError, tarfile.TarError) as err:
            pytest.skip(f"cannot get Meta's sam2=={SAM2_VERSION} sdist for training/: {err}")
    return target


def import_meta_training_package() -> None:
    """Make ``training`` importable, with stand-ins for what the tests do not need."""
    import_meta_sam2()
    root = sam2_sdist_dir()
    if root not in sys.path:
        sys.path.insert(0, root)
    trainer = types.ModuleType('training.trainer')
    trainer.CORE_LOSS_KEY = 'core_loss'
    data_utils = types.ModuleType('training.utils.data_utils')
    data_utils.BatchedVideoDatapoint = object
    sys.modules.setdefault('training.trainer', trainer)
    sys.modules.setdefault('training.utils.data_utils', data_utils)


def import_meta_loss_fns() -> types.ModuleType:
    """Meta's ``training/loss_fns.py``."""
    import_meta_training_package()
    return importlib.import_module('training.loss_fns')


def build_meta_train_model(
    arch_config: str, image_size: int, overrides: Sequence[str] = ()
) -> nn.Module:
    """Meta's ``SAM2Train`` with random weights, fp32 CPU, in train mode.

    Args:
        arch_config (str): Meta config name, e.g. 'configs/sam2.1/sam2.1_hiera_t.yaml'.
        image_size (int): Input side.
        overrides (Sequence[str]): More Hydra overrides (``++model.<option>=...``).

    Returns:
        nn.Module: The model.
    """
    import_meta_training_package()
    from sam2.build_sam import build_sam2

    extra = [
        '++model._target_=training.model.sam2.SAM2Train',
        f'++model.image_size={image_size}',
        *overrides,
    ]
    model = build_sam2(
        arch_config, ckpt_path=None, device='cpu', mode='train', hydra_overrides_extra=extra
    )
    return model.float().train()
