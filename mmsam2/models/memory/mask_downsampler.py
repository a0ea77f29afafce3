"""Mask down-sampler of SAM 2's memory encoder."""

import math

import torch.nn as nn
from torch import Tensor

from mmsam2.registry import MODELS

from ..layers import LayerNorm2d


def _num_stages(stride: int, total_stride: int) -> int:
    """Number of ``stride`` steps whose product is ``total_stride``.

    Args:
        stride (int): Stride of one stage (>= 2).
        total_stride (int): Overall stride.

    Returns:
        int: Number of stages.
    """
    if stride < 2:
        raise ValueError(f'stride must be >= 2, got {stride}')
    num = round(math.log(total_stride, stride))
    if stride**num != total_stride:
        raise ValueError(f'total_stride ({total_stride}) is not a power of stride ({stride})')
    return num


@MODELS.register_module()
class MaskDownSampler(nn.Module):
    """Reduce a (B, 1, H, W) mask to (B, embed_dim, H / total_stride, W / total_stride).

    Each stage is a strided conv that multiplies the channels by ``stride ** 2``,
    a channel LayerNorm and an activation; a final 1x1 conv projects to
    ``embed_dim``. Modules live in ``self.encoder`` (``encoder.0``, ...), the
    layout of SAM 2 checkpoints.

    Args:
        embed_dim (int): Output channels. Defaults to 256.
        kernel_size (int): Kernel size of the strided convs. Defaults to 4.
        stride (int): Stride of each stage. Defaults to 4.
        padding (int): Padding of the strided convs. Defaults to 0.
        total_stride (int): Overall down-sampling factor, a power of
            ``stride``. Defaults to 16.
        activation (str): Name of a ``torch.nn`` activation class.
            Defaults to 'GELU'.
    """

    def __init__(
        self,
        embed_dim: int = 256,
        kernel_size: int = 4,
        stride: int = 4,
        padding: int = 0,
        total_stride: int = 16,
        activation: str = 'GELU',
    ) -> None:
        super().__init__()
        act_layer = getattr(nn, activation, None)
        if not (isinstance(act_layer, type) and issubclass(act_layer, nn.Module)):
            raise ValueError(f'{activation!r} is not a torch.nn activation class')
        self.encoder = nn.Sequential()
        in_chans = 1
        for _ in range(_num_stages(stride, total_stride)):
            out_chans = in_chans * stride**2
            self.encoder.append(
                nn.Conv2d(in_chans, out_chans, kernel_size, stride=stride, padding=padding)
            )
            self.encoder.append(LayerNorm2d(out_chans))
            self.encoder.append(act_layer())
            in_chans = out_chans
        self.encoder.append(nn.Conv2d(in_chans, embed_dim, kernel_size=1))

    def forward(self, x: Tensor) -> Tensor:
        """Down-sample masks.

        Args:
            x (Tensor): Masks (B, 1, H, W).

        Returns:
            Tensor: Features (B, embed_dim, H / total_stride, W / total_stride).
        """
        return self.encoder(x)
