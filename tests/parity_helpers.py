"""Shared pieces of the parity tests against Meta's sam2: model pairs and worst-case reports."""

import os.path as osp
from typing import Dict, Iterator, Tuple

import torch
import torch.nn as nn
from meta_reference import build_meta_model

from mmsam2.apis import init_model

CONFIG_DIR = osp.join(osp.dirname(osp.abspath(__file__)), '..', 'configs')
#: Meta's architecture names -> the suffix of mmsam2's config names.
ARCHS = {'tiny': 't', 'small': 's', 'base_plus': 'b+', 'large': 'l'}


def sam2_config(version: str = 'sam2.1', arch: str = 'tiny') -> str:
    """Path of mmsam2's config of a SAM 2 model.

    Args:
        version (str): 'sam2' or 'sam2.1'. Defaults to 'sam2.1'.
        arch (str): A key of :data:`ARCHS`. Defaults to 'tiny'.

    Returns:
        str: ``configs/<version>/<version>_hiera-<t|s|b+|l>.py``.
    """
    return osp.join(CONFIG_DIR, version, f'{version}_hiera-{ARCHS[arch]}.py')


def meta_and_ours(
    image_size: int, version: str = 'sam2.1', arch: str = 'tiny'
) -> Tuple[nn.Module, nn.Module]:
    """Meta's model and mmsam2's with the same random weights (seed 0).

    Args:
        image_size (int): Input resolution of both.
        version (str): 'sam2' or 'sam2.1'. Defaults to 'sam2.1'.
        arch (str): A key of :data:`ARCHS`. Defaults to 'tiny'.

    Returns:
        Tuple[nn.Module, nn.Module]: Meta's ``SAM2Base`` and mmsam2's
        ``SAM2``, Meta's weights loaded into ours.
    """
    torch.manual_seed(0)
    meta = build_meta_model(version, arch, image_size)
    ours = init_model(sam2_config(version, arch), cfg_options={'model.image_size': image_size})
    ours.load_state_dict(meta.state_dict())
    return meta, ours


def report_worst(
    label: str, value_format: str = 'max abs diff {:.3e}'
) -> Iterator[Dict[str, float]]:
    """Body of a module-scoped ``worst`` fixture: a dict printed after the module.

    Use as ``yield from report_worst(label)`` inside the fixture.

    Args:
        label (str): What is compared, the start of each printed line.
        value_format (str): ``str.format`` template of a value.
            Defaults to 'max abs diff {:.3e}'.

    Yields:
        Dict[str, float]: Case name -> worst difference, filled by the tests.
    """
    record: Dict[str, float] = {}
    yield record
    for name, value in record.items():
        print(f'{label} {name}: {value_format.format(value)}')
