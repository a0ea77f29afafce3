"""Checkpoint loading: torch >= 2.6 ``weights_only`` and Meta's SAM 2 files.

Importing this module (``import mmsam2`` does) replaces mmengine's loader for
local files with :func:`load_local_checkpoint`, which

* loads with ``weights_only=True`` and an allow-list of the types mmengine
  writes into its checkpoints (torch >= 2.6 refuses them by default and
  mmengine 0.10.7 does not pass ``weights_only``); a file that still needs
  arbitrary unpickling is loaded the old way with a warning;
* recognises Meta's SAM 2 ``.pt`` files (``{'model': state_dict}`` with
  ``image_encoder.trunk.*`` keys) and converts them to mmsam2's layout, so
  ``init_model``, ``load_from`` and ``--resume`` accept them directly.
"""

import collections
import os.path as osp
import pickle
import re
import warnings
from typing import Any, Dict, List, Mapping, Tuple

import numpy as np
import torch
from mmengine.runner.checkpoint import CheckpointLoader

# Meta key prefix -> mmsam2 key prefix (first match wins).
META_PREFIXES: List[Tuple[str, str]] = [
    ('image_encoder.trunk.', 'backbone.'),
    ('image_encoder.neck.', 'neck.'),
    ('sam_prompt_encoder.', 'prompt_encoder.'),
    ('sam_mask_decoder.', 'mask_decoder.'),
]
_META_FPN_CONV = re.compile(r'^neck\.convs\.(\d+)\.conv\.(.*)$')


def is_meta_sam2_state_dict(state_dict: Mapping[str, Any]) -> bool:
    """Whether a state dict uses Meta's SAM 2 key layout."""
    return any(k.startswith('image_encoder.trunk.') for k in state_dict)


def convert_meta_sam2_state_dict(
    state_dict: Mapping[str, torch.Tensor], num_fpn_levels: int = 4
) -> Dict[str, torch.Tensor]:
    """Rename the keys of a Meta SAM 2 state dict to mmsam2's layout.

    Args:
        state_dict (Mapping[str, torch.Tensor]): Meta's ``model`` entry.
        num_fpn_levels (int): Number of neck inputs; Meta orders the lateral
            convs low-res first, mmsam2 high-res first. Defaults to 4.

    Returns:
        Dict[str, torch.Tensor]: The same tensors under mmsam2 names.
    """
    out = collections.OrderedDict()
    for key, value in state_dict.items():
        new_key = key
        for old, new in META_PREFIXES:
            if key.startswith(old):
                new_key = new + key[len(old) :]
                break
        match = _META_FPN_CONV.match(new_key)
        if match:
            level = num_fpn_levels - 1 - int(match.group(1))
            new_key = f'neck.lateral_convs.{level}.{match.group(2)}'
        out[new_key] = value
    return out


def unwrap_state_dict(checkpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    """The state dict inside a checkpoint (mmengine's or Meta's) or the dict itself."""
    for key in ('state_dict', 'model'):
        inner = checkpoint.get(key)
        if (
            isinstance(inner, Mapping)
            and inner
            and all(isinstance(v, torch.Tensor) for v in inner.values())
        ):
            return inner
    return checkpoint


def _safe_globals() -> list:
    from mmengine.logging import HistoryBuffer

    allowed = [HistoryBuffer, np.ndarray, np.dtype, collections.OrderedDict]
    core = getattr(np, '_core', None) or np.core
    allowed += [core.multiarray._reconstruct, core.multiarray.scalar]
    allowed += [
        type(np.dtype(t))
        for t in ('float16', 'float32', 'float64', 'int32', 'int64', 'uint8', 'bool')
    ]
    return allowed


def torch_load(filename: str, map_location: Any = None) -> Any:
    """``torch.load`` with ``weights_only=True`` plus mmengine's types allowed.

    Args:
        filename (str): Local file.
        map_location (Any): As for :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded object.
    """
    try:
        with torch.serialization.safe_globals(_safe_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        warnings.warn(
            f'{filename} holds objects beyond tensors and plain containers '
            f'({str(err).splitlines()[0]}); loading it with weights_only=False. '
            'Only load checkpoints you trust.',
            stacklevel=2,
        )
        return torch.load(filename, map_location=map_location, weights_only=False)


def load_local_checkpoint(filename: str, map_location: Any = None) -> Any:
    """mmengine loader for local files; converts Meta's SAM 2 checkpoints.

    Args:
        filename (str): Local checkpoint path.
        map_location (Any): As for :func:`torch.load`. Defaults to None.

    Returns:
        Any: The checkpoint; a Meta file becomes ``{'state_dict': ...,
        'meta': {'converted_from': 'meta_sam2'}}``.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    checkpoint = torch_load(filename, map_location=map_location)
    if isinstance(checkpoint, Mapping):
        state_dict = unwrap_state_dict(checkpoint)
        if is_meta_sam2_state_dict(state_dict):
            return dict(
                state_dict=convert_meta_sam2_state_dict(state_dict),
                meta=dict(converted_from='meta_sam2'),
            )
    return checkpoint


CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the model it is loaded into."""


def _describe_variant(state_dict: Mapping[str, torch.Tensor]) -> str:
    """A short guess of which SAM 2 model a state dict belongs to."""
    parts = []
    embed = state_dict.get('backbone.patch_embed.proj.weight')
    if embed is not None:
        names = {96: 'tiny or small', 112: 'base_plus', 144: 'large'}
        parts.append(f'Hiera embed_dim={embed.shape[0]} ({names.get(embed.shape[0], "?")})')
    blocks = {int(k.split('.')[2]) for k in state_dict if k.startswith('backbone.blocks.')}
    if blocks:
        parts.append(f'{max(blocks) + 1} Hiera blocks')
    if any(k.startswith('backbone.') for k in state_dict):
        parts.append('SAM 2.1' if 'no_obj_embed_spatial' in state_dict else 'SAM 2.0')
    return ', '.join(parts) or 'unknown'


def check_state_dict_matches(
    expected: Mapping[str, torch.Tensor], state_dict: Mapping[str, torch.Tensor], limit: int = 10
) -> None:
    """Raise one clear error when keys or shapes differ.

    Args:
        expected (Mapping[str, torch.Tensor]): The model's state dict.
        state_dict (Mapping[str, torch.Tensor]): The checkpoint's.
        limit (int): Entries listed per category. Defaults to 10.
    """
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    shapes = [
        (k, tuple(state_dict[k].shape), tuple(v.shape))
        for k, v in expected.items()
        if k in state_dict and tuple(state_dict[k].shape) != tuple(v.shape)
    ]
    if not (missing or unexpected or shapes):
        return
    lines = [
        f'checkpoint ({_describe_variant(state_dict)}) does not fit the model '
        f'({_describe_variant(expected)}):'
    ]
    for title, items in (
        ('missing in checkpoint', missing),
        ('not in model', unexpected),
        ('shape mismatch (checkpoint vs model)', [f'{k}: {a} vs {b}' for k, a, b in shapes]),
    ):
        if items:
            more = f' (+{len(items) - limit} more)' if len(items) > limit else ''
            lines.append(f'  {len(items)} {title}{more}:')
            lines += [f'    {item}' for item in items[:limit]]
    lines.append(
        'Check that the config matches the checkpoint (size tiny/small/base_plus/'
        'large, SAM 2 vs 2.1), or load non-strictly on purpose with '
        'strict_checkpoint=False in the model config.'
    )
    raise CheckpointMismatchError('\n'.join(lines))
