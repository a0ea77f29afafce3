"""The contract between a backbone and the rest of SAM 2: declared output maps.

A backbone plugs into :class:`~mmsam2.models.segmentors.SAM2` when it
declares, as attributes, what its ``forward`` returns:

* ``out_channels`` (List[int]): channels of each returned map;
* ``out_strides`` (List[int]): the input side divided by each map's side.

Both list the maps high resolution first, in the order ``forward`` returns
them. The neck takes its ``in_channels`` from ``out_channels``; the model
checks with :func:`check_pyramid_fits_model` that the strides suit the neck
and the SAM heads. Backbones that do not declare them (e.g. mmdet's) are
wrapped by :class:`~mmsam2.models.backbones.PyramidBackbone`, which checks the
maps it returns against the declaration with :func:`check_feature_maps`.
"""

from typing import Any, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn


class BackboneOutputError(ValueError):
    """A backbone's declared or actual outputs do not fit the model."""


def declared_outputs(backbone: nn.Module) -> Tuple[List[int], List[int]]:
    """Read and sanity-check the output maps a backbone declares.

    Args:
        backbone (nn.Module): The backbone.

    Returns:
        Tuple[List[int], List[int]]: ``out_channels`` and ``out_strides``,
        high resolution first.

    Raises:
        BackboneOutputError: If either attribute is missing or empty, their
            lengths differ, or the strides are not positive and increasing.
    """
    name = type(backbone).__name__
    channels = list(getattr(backbone, 'out_channels', None) or [])
    strides = list(getattr(backbone, 'out_strides', None) or [])
    if not channels or not strides:
        raise BackboneOutputError(
            f'{name} declares no outputs: a SAM 2 backbone needs non-empty `out_channels` '
            'and `out_strides` attributes (one entry per returned map, high resolution '
            "first). Wrap it as dict(type='PyramidBackbone', backbone=..., "
            'out_channels=[...], out_strides=[...]); see docs/backbones.md.'
        )
    if len(channels) != len(strides):
        raise BackboneOutputError(
            f'{name} declares {len(channels)} out_channels {channels} but '
            f'{len(strides)} out_strides {strides}'
        )
    if any(s <= 0 for s in strides) or any(a >= b for a, b in zip(strides, strides[1:])):
        raise BackboneOutputError(
            f'{name} declares out_strides {strides}: they must be positive and increasing '
            '(high resolution first)'
        )
    return channels, strides


def check_feature_maps(
    feats: Sequence[torch.Tensor],
    input_hw: Tuple[int, int],
    channels: Sequence[int],
    strides: Sequence[int],
    name: str = 'backbone',
) -> None:
    """Check maps returned by a backbone against its declaration.

    A map of stride ``s`` may be rounded either way: its side must lie within
    one pixel of ``input_side / s``.

    Args:
        feats (Sequence[torch.Tensor]): Maps (B, C_i, H_i, W_i).
        input_hw (Tuple[int, int]): Input size (H, W).
        channels (Sequence[int]): Declared channels C_i.
        strides (Sequence[int]): Declared strides.
        name (str): Name of the backbone in messages. Defaults to 'backbone'.

    Raises:
        BackboneOutputError: On a wrong number of maps, channels or sizes;
            the message lists what the backbone actually returned.
    """
    h, w = input_hw
    actual_channels = [f.shape[1] if f.dim() == 4 else None for f in feats]
    actual_strides = [round(h / f.shape[-2], 2) if f.dim() == 4 else None for f in feats]
    fits = len(feats) == len(channels) and actual_channels == list(channels)
    if not fits or not all(_has_stride(f, s, h, w) for f, s in zip(feats, strides)):
        raise BackboneOutputError(
            f'{name} declares out_channels {list(channels)} and out_strides {list(strides)} '
            f'but returned {len(feats)} maps with channels {actual_channels} and strides '
            f'{actual_strides} for a {h} x {w} input (maps must be (B, C, H, W), high '
            "resolution first); fix the declaration or the backbone's out_indices"
        )


def _has_stride(feat: torch.Tensor, stride: int, h: int, w: int) -> bool:
    """Whether a (B, C, H', W') map is an (H, W) input downsampled by ``stride``."""
    return abs(feat.shape[-2] - h / stride) < 1 and abs(feat.shape[-1] - w / stride) < 1


def _neck_setting(neck: Union[dict, nn.Module], key: str, default: Any) -> Any:
    """A setting of a neck config or module (``default`` when absent or None)."""
    value = neck.get(key) if isinstance(neck, dict) else getattr(neck, key, None)
    return default if value is None else value


def check_pyramid_fits_model(
    channels: Sequence[int],
    strides: Sequence[int],
    neck: Union[dict, nn.Module],
    num_feature_levels: int,
    image_size: int,
    backbone_stride: Optional[int] = None,
) -> int:
    """Check that a backbone's declared maps suit the neck and the SAM heads.

    The neck keeps all levels but its ``scalp`` coarsest ones; SAM 2 uses the
    last ``num_feature_levels`` of those, the coarsest of which (the map memory
    attention runs on) has the backbone stride. High-resolution features must
    be 4x and 2x finer than it (the mask decoder upsamples twice by 2), and
    the neck's top-down path upsamples by 2 between the levels it fuses.

    Args:
        channels (Sequence[int]): Declared ``out_channels``.
        strides (Sequence[int]): Declared ``out_strides``.
        neck (dict | nn.Module): Neck config or module; its ``in_channels``,
            ``scalp`` and ``fpn_top_down_levels`` are read when present.
        num_feature_levels (int): Levels the SAM heads use (1 or 3).
        image_size (int): Input side.
        backbone_stride (int, optional): Expected stride of the memory map;
            None takes it from the declaration. Defaults to None.

    Returns:
        int: The backbone stride (stride of the map memory attention uses).

    Raises:
        BackboneOutputError: If the declaration does not fit; the message says
            which setting to change.
    """
    declared = f'the backbone declares out_channels {list(channels)}, out_strides {list(strides)}'
    in_channels = list(_neck_setting(neck, 'in_channels', channels))
    if in_channels != list(channels):
        raise BackboneOutputError(
            f"neck in_channels {in_channels} differ: {declared}; leave the neck's in_channels unset"
        )
    scalp = _neck_setting(neck, 'scalp', 0)
    kept = len(strides) - scalp
    if kept < num_feature_levels:
        raise BackboneOutputError(
            f"{declared}; after the neck's scalp of {scalp} the model needs {num_feature_levels} "
            'levels (3 with use_high_res_features_in_sam): return more levels from the backbone'
        )
    used = list(strides[:kept][-num_feature_levels:])
    stride = used[-1]
    if backbone_stride is not None and backbone_stride != stride:
        raise BackboneOutputError(
            f'backbone_stride={backbone_stride} but memory attention runs on the stride-{stride} '
            f'map ({declared}, neck scalp {scalp}); set backbone_stride={stride} or leave it None'
        )
    if len(used) == 3 and used != [stride // 4, stride // 2, stride]:
        raise BackboneOutputError(
            f'high-resolution SAM features need strides {[stride // 4, stride // 2, stride]}, '
            f'{declared}'
        )
    _check_top_down(strides, _neck_setting(neck, 'fpn_top_down_levels', range(len(strides))))
    bad = [s for s in strides if image_size % s]
    if bad:
        raise BackboneOutputError(
            f'image_size {image_size} must be a multiple of every backbone stride; not of {bad} '
            f'({declared})'
        )
    return stride


def _check_top_down(strides: Sequence[int], top_down_levels: Sequence[int]) -> None:
    """Levels fused top-down must exist and be exactly 2x finer than the next one."""
    for level in top_down_levels:
        if level >= len(strides):
            raise BackboneOutputError(
                f'the neck fuses level {level} top-down (fpn_top_down_levels '
                f'{list(top_down_levels)}) but the backbone declares {len(strides)} maps '
                f'(out_strides {list(strides)})'
            )
        if level + 1 < len(strides) and strides[level + 1] != 2 * strides[level]:
            raise BackboneOutputError(
                f'the neck fuses level {level} (stride {strides[level]}) with the 2x upsampled '
                f'level {level + 1} (stride {strides[level + 1]}); strides of fused levels '
                'must double'
            )
