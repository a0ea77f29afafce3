"""Checkpoint files: opened so that nothing in them can run code.

Every file mmsam2 opens (``init_model``, the predictors' ``from_config``,
``tools/train.py``, ``tools/test.py``, the detection tracker, the converter,
'Pretrained' initialisation in mmsam2 configs) goes through
:func:`load_checkpoint_file`, which calls ``torch.load(weights_only=True)``
with an exact allow-list of the non-tensor types that mmengine and mmsam2
write into checkpoints (:data:`CHECKPOINT_SAFE_GLOBALS`). A file that needs
anything else is refused with an :class:`UntrustedCheckpointError` naming the
file and the refused global; a user who trusts the file opts in explicitly
(``trust_checkpoint=True`` / ``--trust-checkpoint``). Nothing is registered
globally: importing mmsam2 leaves mmengine's and torch's loaders unchanged.

Meta's SAM 2 ``.pt`` files load directly: their keys are renamed by the model
when it loads a state dict (``SAM2._load_from_state_dict`` calls
:func:`convert_meta_sam2_state_dict`, the one place that knows Meta's layout).
"""

import collections
import os
import os.path as osp
import pickle
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlparse

import numpy as np
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint_to_model

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


class CheckpointError(ValueError):
    """A checkpoint file cannot be read (missing, truncated, not a checkpoint)."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """A checkpoint path that does not exist."""


class UntrustedCheckpointError(CheckpointError):
    """A checkpoint asks to import a global outside the allow-list.

    Attributes:
        filename (str): The file.
        refused (str): The refused global (``module.name``), or the
            unpickler's reason when it names none.
    """

    def __init__(self, filename: str, refused: str) -> None:
        self.filename = filename
        self.refused = refused
        super().__init__(
            f'refused to load {filename}: unpickling it would call {refused}, which is not on '
            'the allow-list of what mmengine and mmsam2 write into checkpoints (tensors, plain '
            'containers, numpy arrays, mmengine log buffers); a global off that list can run any '
            'code. If you trust this file and where it came from, '
            'opt in explicitly: trust_checkpoint=True (init_model, from_config, '
            'load_model_weights), --trust-checkpoint (tools/train.py, tools/test.py, '
            'tools/model_converters/sam2_to_mmsam2.py) or trust_checkpoint = True in the config; '
            'then save its state dict again with torch.save to get a file that loads safely.'
        )


def _numpy_globals() -> List[Any]:
    """Numpy arrays, scalars and dtypes of the kinds mmengine's log buffers hold."""
    core = getattr(np, '_core', None) or np.core
    dtypes = ('float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool')
    return [
        np.ndarray,
        np.dtype,
        core.multiarray._reconstruct,
        core.multiarray.scalar,
        *(type(np.dtype(name)) for name in dtypes),
    ]


#: The statistics a pickled :class:`HistoryBuffer` names through ``getattr``.
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_statistic(owner: Any, name: str) -> Any:
    """``getattr`` as mmengine's log buffers need it, and no further.

    A pickled :class:`HistoryBuffer` names its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. A general ``getattr`` would let a
    file reach any attribute (e.g. a module's ``system``), so this stand-in
    returns only those methods and refuses everything else.
    """
    if owner is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: GLOBAL getattr({getattr(owner, "__name__", type(owner).__name__)}'
        f'.{name}) is not a HistoryBuffer statistic'
    )


#: The exact non-tensor globals a checkpoint may reference (beyond torch's own
#: tensor-rebuilding globals): what mmengine's runner and mmsam2 write.
CHECKPOINT_SAFE_GLOBALS: List[Any] = [
    collections.OrderedDict,
    HistoryBuffer,
    (_history_buffer_statistic, 'builtins.getattr'),
    *_numpy_globals(),
]

_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_PROTO = 0x80
_REFUSED_GLOBAL = re.compile(r'GLOBAL ([\w.]+(?:\([\w.]*\))?)')
_WEIGHTS_ONLY_FAILED = 'Weights only load failed'


def _download(url: str) -> str:
    """Download a checkpoint once into torch's hub cache; returns the local path."""
    folder = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(folder, exist_ok=True)
    cached = osp.join(folder, osp.basename(urlparse(url).path))
    if not osp.isfile(cached):
        torch.hub.download_url_to_file(url, cached, progress=True)
    return cached


def local_checkpoint_path(filename: str) -> str:
    """The local file of a checkpoint path or http(s) URL (downloaded once).

    Args:
        filename (str): A path (``~`` expanded) or an ``http(s)://`` URL.

    Returns:
        str: An existing local file.

    Raises:
        CheckpointError: The file does not exist, or the scheme is unknown.
    """
    if filename.startswith(('http://', 'https://')):
        return _download(filename)
    if re.match(r'^[a-z][a-z0-9+.-]*://', filename):
        raise CheckpointError(
            f'cannot load {filename}: only local files and http(s) URLs are supported; '
            'download the file and give its path'
        )
    path = osp.expanduser(filename)
    if not osp.isfile(path):
        raise CheckpointNotFoundError(f'checkpoint {filename} does not exist')
    return path


def _check_format(path: str) -> None:
    """Refuse files that are neither a torch zip archive nor a legacy pickle."""
    with open(path, 'rb') as file:
        head = file.read(4)
    if not head:
        raise CheckpointError(f'{path} is empty, not a PyTorch checkpoint')
    if head != _ZIP_MAGIC and head[0] != _PICKLE_PROTO:
        raise CheckpointError(
            f'{path} is not a PyTorch checkpoint (it starts with {head!r}; a checkpoint '
            "starts with the zip archive's 'PK' or a pickle header)"
        )


def load_checkpoint_file(filename: str, map_location: Any = 'cpu', trust: bool = False) -> Any:
    """Open a checkpoint without letting it run code.

    Args:
        filename (str): Local path or ``http(s)://`` URL.
        map_location (Any): As for :func:`torch.load`. Defaults to 'cpu'.
        trust (bool): Load with ``weights_only=False`` (arbitrary pickles,
            which can run code). Only for files the user trusts and asked
            for explicitly. Defaults to False.

    Returns:
        Any: What the file holds (usually a dict).

    Raises:
        UntrustedCheckpointError: The file references a global outside
            :data:`CHECKPOINT_SAFE_GLOBALS` and ``trust`` is False.
        CheckpointError: The file is missing, empty, truncated or not a
            PyTorch checkpoint.
    """
    path = local_checkpoint_path(filename)
    _check_format(path)
    try:
        if trust:
            return torch.load(path, map_location=map_location, weights_only=False)
        with torch.serialization.safe_globals(CHECKPOINT_SAFE_GLOBALS):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        message = str(err)
        refused = _REFUSED_GLOBAL.search(message)
        if trust or _WEIGHTS_ONLY_FAILED not in message or not refused:
            raise CheckpointError(
                f'{filename} is not a readable checkpoint: {message.splitlines()[0]}'
            ) from err
        raise UntrustedCheckpointError(filename, refused.group(1)) from None
    except Exception as err:  # whatever a damaged file makes torch raise
        raise CheckpointError(
            f'{filename} is not a readable checkpoint (truncated download or copy, or not a '
            f'PyTorch file): {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ""}'
        ) from err


def checkpoint_with_state_dict(checkpoint: Any, filename: str = 'checkpoint') -> Dict[str, Any]:
    """A loaded checkpoint as mmengine expects it: weights under ``state_dict``.

    mmengine's and mmsam2's files keep their weights under ``state_dict``,
    Meta's under ``model``; a bare state dict is wrapped.

    Args:
        checkpoint (Any): What :func:`load_checkpoint_file` returned.
        filename (str): For the error message. Defaults to 'checkpoint'.

    Returns:
        Dict[str, Any]: The checkpoint with a ``state_dict`` entry.

    Raises:
        CheckpointError: It holds entries but no tensors to load.
    """
    if not isinstance(checkpoint, Mapping):
        raise CheckpointError(f'{filename} holds a {type(checkpoint).__name__}, not weights')
    if isinstance(checkpoint.get('state_dict'), Mapping):
        state_dict = checkpoint['state_dict']
    else:
        state_dict = unwrap_state_dict(checkpoint)
    if state_dict and not any(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise CheckpointError(f'{filename} holds no weights (no tensors in it)')
    if state_dict is checkpoint.get('state_dict'):
        return dict(checkpoint)
    if state_dict is checkpoint:
        return {'state_dict': dict(checkpoint)}
    rest = {k: v for k, v in checkpoint.items() if v is not state_dict}
    return dict(rest, state_dict=state_dict)


def load_model_weights(
    model: nn.Module,
    filename: str,
    strict: bool = True,
    trust: bool = False,
    map_location: Any = 'cpu',
    revise_keys: Optional[List[Tuple[str, str]]] = None,
) -> Dict[str, Any]:
    """Load a checkpoint file's weights into a model, safely.

    Args:
        model (nn.Module): The model (not a distributed wrapper).
        filename (str): mmsam2 / mmengine checkpoint, Meta ``.pt``, or a
            bare state dict; local path or ``http(s)://`` URL.
        strict (bool): Keys must match exactly. Defaults to True.
        trust (bool): See :func:`load_checkpoint_file`. Defaults to False.
        map_location (Any): As for :func:`torch.load`. Defaults to 'cpu'.
        revise_keys (list, optional): ``(pattern, replacement)`` regexes
            applied to the keys; defaults to stripping a ``module.`` prefix.

    Returns:
        Dict[str, Any]: The checkpoint (weights under ``state_dict``).
    """
    checkpoint = checkpoint_with_state_dict(
        load_checkpoint_file(filename, map_location, trust), filename
    )
    revise_keys = revise_keys if revise_keys is not None else [(r'^module\.', '')]
    return _load_checkpoint_to_model(model, checkpoint, strict, revise_keys=revise_keys)


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
