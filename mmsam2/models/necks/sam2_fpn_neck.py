"""SAM 2's feature pyramid neck (lateral 1x1 convs, partial top-down fusion)."""

import re
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmsam2.registry import MODELS

_META_CONV_KEY = re.compile(r'convs\.(\d+)\.conv\.(.+)')
_ALIGNED_MODES = ('linear', 'bilinear', 'bicubic', 'trilinear')


def convert_meta_fpn_keys(
    state_dict: Dict[str, torch.Tensor],
    prefix_in: str = 'image_encoder.neck.',
    prefix_out: str = 'neck.',
) -> Dict[str, torch.Tensor]:
    """Rename the keys of Meta's ``FpnNeck`` to those of :class:`SAM2FPNNeck`.

    Meta orders its lateral convs low resolution first: ``convs.{j}.conv.*``
    becomes ``lateral_convs.{n - 1 - j}.*``, n being the number of convs found
    under ``prefix_in``. Other keys under ``prefix_in`` only get the new prefix;
    keys outside it are returned unchanged.

    Args:
        state_dict (Dict[str, torch.Tensor]): Checkpoint weights.
        prefix_in (str): Prefix of Meta's neck. Defaults to
            'image_encoder.neck.'.
        prefix_out (str): Prefix of the converted neck. Defaults to 'neck.'.

    Returns:
        Dict[str, torch.Tensor]: Weights with renamed keys, in the same order.
    """
    matches = {
        key: _META_CONV_KEY.fullmatch(key[len(prefix_in) :])
        for key in state_dict
        if key.startswith(prefix_in)
    }
    num_levels = 1 + max((int(m.group(1)) for m in matches.values() if m), default=-1)
    converted = {}
    for key, value in state_dict.items():
        if key not in matches:
            converted[key] = value
        elif matches[key] is None:
            converted[prefix_out + key[len(prefix_in) :]] = value
        else:
            level = num_levels - 1 - int(matches[key].group(1))
            converted[f'{prefix_out}lateral_convs.{level}.{matches[key].group(2)}'] = value
    return converted


@MODELS.register_module()
class SAM2FPNNeck(BaseModule):
    """Feature pyramid neck of SAM 2's image encoder.

    Every level gets a lateral convolution to ``d_model`` channels. Going from
    low to high resolution, a level listed in ``fpn_top_down_levels`` adds the
    upsampled (x2) output of the next lower-resolution level; the others keep
    their lateral features only. The ``scalp`` lowest-resolution levels are
    then dropped and each remaining level gets a position encoding.

    Args:
        in_channels (List[int]): Input channels per level, high resolution
            first.
        d_model (int): Output channels. Defaults to 256.
        position_encoding (dict, optional): Config of the position encoding
            module. Defaults to None, meaning
            ``dict(type='SinePositionEmbedding', num_pos_feats=256)``.
        kernel_size (int): Kernel size of the lateral convs. Defaults to 1.
        stride (int): Stride of the lateral convs. Defaults to 1.
        padding (int): Padding of the lateral convs. Defaults to 0.
        fpn_interp_model (str): ``F.interpolate`` mode of the top-down
            upsampling. Defaults to 'bilinear'.
        fuse_type (str): 'sum' or 'avg' of lateral and top-down features.
            Defaults to 'sum'.
        fpn_top_down_levels (Sequence[int], optional): Levels (high
            resolution first) that receive top-down features. Defaults to None
            (all levels).
        scalp (int): Number of lowest-resolution levels dropped from the
            outputs. Defaults to 0.
        init_cfg (dict | List[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(
        self,
        in_channels: List[int],
        d_model: int = 256,
        position_encoding: Optional[dict] = None,
        kernel_size: int = 1,
        stride: int = 1,
        padding: int = 0,
        fpn_interp_model: str = 'bilinear',
        fuse_type: str = 'sum',
        fpn_top_down_levels: Optional[Sequence[int]] = None,
        scalp: int = 0,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        num_levels = len(in_channels)
        if fuse_type not in ('sum', 'avg'):
            raise ValueError(f"fuse_type must be 'sum' or 'avg', got {fuse_type!r}")
        if not 0 <= scalp < num_levels:
            raise ValueError(f'scalp must be in [0, {num_levels - 1}], got {scalp}')
        if fpn_top_down_levels is None:
            fpn_top_down_levels = range(num_levels)
        self.fpn_top_down_levels = sorted(set(fpn_top_down_levels))
        if any(not 0 <= lvl < num_levels for lvl in self.fpn_top_down_levels):
            raise ValueError(
                f'fpn_top_down_levels {self.fpn_top_down_levels} must lie in [0, {num_levels - 1}]'
            )
        self.in_channels = list(in_channels)
        self.d_model = d_model
        self.fpn_interp_model = fpn_interp_model
        self.fuse_type = fuse_type
        self.scalp = scalp
        self.lateral_convs = nn.ModuleList(
            nn.Conv2d(c, d_model, kernel_size=kernel_size, stride=stride, padding=padding)
            for c in self.in_channels
        )
        if position_encoding is None:
            position_encoding = dict(type='SinePositionEmbedding', num_pos_feats=256)
        self.position_encoding = MODELS.build(position_encoding)

    def _check_inputs(self, feats: Sequence[torch.Tensor]) -> None:
        """Raise a ValueError unless ``feats`` match ``in_channels``."""
        if len(feats) != len(self.in_channels):
            raise ValueError(
                f'SAM2FPNNeck expects {len(self.in_channels)} feature maps, got {len(feats)}'
            )
        channels = [f.shape[1] for f in feats]
        if channels != self.in_channels:
            raise ValueError(
                f'SAM2FPNNeck expects input channels {self.in_channels} (high resolution '
                f'first), got {channels}'
            )

    def _top_down(self, lateral: torch.Tensor, coarser: torch.Tensor) -> torch.Tensor:
        """Fuse lateral features with the upsampled coarser output (in fp32)."""
        align_corners = False if self.fpn_interp_model in _ALIGNED_MODES else None
        upsampled = F.interpolate(
            coarser.float(),
            scale_factor=2.0,
            mode=self.fpn_interp_model,
            align_corners=align_corners,
            antialias=False,
        )
        fused = lateral + upsampled
        return fused / 2 if self.fuse_type == 'avg' else fused

    def forward(
        self, feats: Sequence[torch.Tensor]
    ) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Build the pyramid.

        Args:
            feats (Sequence[torch.Tensor]): Backbone maps, high resolution
                first, of shapes (B, in_channels[i], H_i, W_i) with
                H_i = 2 * H_{i+1}.

        Returns:
            Tuple[List[torch.Tensor], List[torch.Tensor]]: The features
            (B, d_model, H_i, W_i) and their position encodings
            (B, num_pos_feats, H_i, W_i), high resolution first, without the
            ``scalp`` lowest-resolution levels.
        """
        self._check_inputs(feats)
        outs: List[Optional[torch.Tensor]] = [None] * len(feats)
        prev = None
        for i in reversed(range(len(feats))):
            lateral = self.lateral_convs[i](feats[i])
            if prev is not None and i in self.fpn_top_down_levels:
                prev = self._top_down(lateral, prev)
            else:
                prev = lateral
            outs[i] = prev
        outs = outs[: len(outs) - self.scalp]
        pos = [self.position_encoding(out).to(out.dtype) for out in outs]
        return outs, pos
