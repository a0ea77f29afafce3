"""Multi-scale maps from a single-scale backbone (ViTDet's simple feature pyramid).

Reference: Li et al., "Exploring Plain Vision Transformer Backbones for Object
Detection" (https://arxiv.org/abs/2203.16527).
"""

import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmsam2.registry import MODELS

from ..layers import LayerNorm2d
from .declared_outputs import BackboneOutputError, declared_outputs


def scale_block(channels: int, scale_factor: float) -> Tuple[nn.Module, int]:
    """Resampling branch of one pyramid level.

    A factor 2^k > 1 stacks k stride-2 transposed convs, each halving the
    channels (with a LayerNorm2d and GELU between them); 1 is the identity;
    2^-k stacks k 2x2 max-poolings.

    Args:
        channels (int): Input channels.
        scale_factor (float): Resolution change, a power of 2.

    Returns:
        Tuple[nn.Module, int]: The branch and its output channels.
    """
    steps = math.log2(scale_factor) if scale_factor > 0 else 0.5
    if steps != int(steps):
        raise ValueError(f'scale factors must be powers of 2, got {scale_factor}')
    steps = int(steps)
    if steps <= 0:
        return nn.Sequential(*[nn.MaxPool2d(2) for _ in range(-steps)]), channels
    if channels % 2**steps:
        raise ValueError(f'{channels} channels cannot be halved {steps} times')
    layers: List[nn.Module] = []
    for i in range(steps):
        if i:
            layers += [LayerNorm2d(channels), nn.GELU()]
        layers.append(nn.ConvTranspose2d(channels, channels // 2, kernel_size=2, stride=2))
        channels //= 2
    return nn.Sequential(*layers), channels


@MODELS.register_module()
class SimpleFeaturePyramid(BaseModule):
    """Wrap a single-scale backbone and resample its last map to several strides.

    The wrapped backbone must declare ``out_channels`` / ``out_strides`` (e.g.
    :class:`PlainViT`, stride 16). Each scale factor gives one level:
    transposed convs upsample (halving the channels per step), max-pooling
    downsamples. The default factors turn a stride-16 map of C channels into
    strides 4 / 8 / 16 / 32 with C/4, C/2, C and C channels; SAM 2's neck then
    projects every level with its lateral convs.

    Args:
        backbone (dict | nn.Module): Config (or module) of the single-scale
            backbone; its last returned map is used.
        scale_factors (Sequence[float]): Resolution change of each level, high
            resolution first. Defaults to (4.0, 2.0, 1.0, 0.5).
        init_cfg (dict | List[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(
        self,
        backbone: Union[dict, nn.Module],
        scale_factors: Sequence[float] = (4.0, 2.0, 1.0, 0.5),
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.backbone = backbone if isinstance(backbone, nn.Module) else MODELS.build(backbone)
        channels, strides = declared_outputs(self.backbone)
        in_channels, in_stride = channels[-1], strides[-1]
        self.scale_factors = [float(f) for f in scale_factors]
        if sorted(self.scale_factors, reverse=True) != self.scale_factors:
            raise ValueError(f'scale_factors must decrease, got {self.scale_factors}')
        self.levels = nn.ModuleList()
        self.out_channels: List[int] = []
        self.out_strides: List[int] = []
        for factor in self.scale_factors:
            branch, out_channels = scale_block(in_channels, factor)
            stride = in_stride / factor
            if stride != int(stride):
                raise BackboneOutputError(
                    f'scale factor {factor} of a stride-{in_stride} map gives stride {stride}'
                )
            self.levels.append(branch)
            self.out_channels.append(out_channels)
            self.out_strides.append(int(stride))

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Encode images into a pyramid.

        Args:
            x (torch.Tensor): Images of shape (B, 3, H, W).

        Returns:
            List[torch.Tensor]: Maps of shapes (B, out_channels[i],
            H / out_strides[i], W / out_strides[i]), high resolution first.
        """
        top = self.backbone(x)[-1]
        return [level(top) for level in self.levels]
