"""Fuser of SAM 2's memory encoder: a stack of ConvNeXt blocks."""

import copy
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from mmsam2.registry import MODELS

from ..layers import DropPath, LayerNorm2d


@MODELS.register_module()
class CXBlock(nn.Module):
    """ConvNeXt block: depth-wise conv, LayerNorm, pointwise MLP, layer scale.

    The pointwise MLP runs as linear layers on channels-last tokens.

    Args:
        dim (int): Channels.
        kernel_size (int): Kernel size of the spatial conv. Defaults to 7.
        padding (int): Padding of the spatial conv. Defaults to 3.
        drop_path (float): Stochastic-depth rate of the residual branch.
            Defaults to 0.
        layer_scale_init_value (float): Initial per-channel scale ``gamma`` of
            the branch; no scale when <= 0. Defaults to 1e-6.
        use_dwconv (bool): Make the spatial conv depth-wise. Defaults to True.
    """

    def __init__(
        self,
        dim: int,
        kernel_size: int = 7,
        padding: int = 3,
        drop_path: float = 0.0,
        layer_scale_init_value: float = 1e-6,
        use_dwconv: bool = True,
    ) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(
            dim, dim, kernel_size, padding=padding, groups=dim if use_dwconv else 1
        )
        self.norm = LayerNorm2d(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = (
            nn.Parameter(torch.full((dim,), layer_scale_init_value))
            if layer_scale_init_value > 0
            else None
        )
        self.drop_path = DropPath(drop_path)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block.

        Args:
            x (Tensor): Features (B, dim, H, W).

        Returns:
            Tensor: Features (B, dim, H, W).
        """
        y = self.norm(self.dwconv(x)).permute(0, 2, 3, 1)
        y = self.pwconv2(self.act(self.pwconv1(y)))
        if self.gamma is not None:
            y = self.gamma * y
        return x + self.drop_path(y.permute(0, 3, 1, 2))


@MODELS.register_module()
class Fuser(nn.Module):
    """Optional 1x1 input projection followed by ``num_layers`` copies of a block.

    Args:
        layer (dict): Config of one block; ``type`` defaults to ``'CXBlock'``.
            The blocks are deep copies of one built block.
        num_layers (int): Number of blocks.
        dim (int, optional): Channels, needed only with ``input_projection``.
            Defaults to None.
        input_projection (bool): Apply a 1x1 conv first. Defaults to False.
    """

    def __init__(
        self,
        layer: dict,
        num_layers: int,
        dim: Optional[int] = None,
        input_projection: bool = False,
    ) -> None:
        super().__init__()
        if input_projection and dim is None:
            raise ValueError('input_projection=True needs dim')
        self.proj = nn.Conv2d(dim, dim, kernel_size=1) if input_projection else nn.Identity()
        block = MODELS.build({'type': 'CXBlock', **layer})
        self.layers = nn.ModuleList(copy.deepcopy(block) for _ in range(num_layers))

    def forward(self, x: Tensor) -> Tensor:
        """Fuse features.

        Args:
            x (Tensor): Features (B, C, H, W).

        Returns:
            Tensor: Features (B, C, H, W).
        """
        x = self.proj(x)
        for layer in self.layers:
            x = layer(x)
        return x
