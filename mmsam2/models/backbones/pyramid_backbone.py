"""Any feature-pyramid backbone (e.g. mmdet's ResNet or Swin) as a SAM 2 backbone."""

from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmsam2.registry import MODELS

from .declared_outputs import BackboneOutputError, check_feature_maps, declared_outputs


@MODELS.register_module()
class PyramidBackbone(BaseModule):
    """Wrap a backbone and declare the maps it returns.

    SAM 2 reads ``out_channels`` and ``out_strides`` from its backbone (see
    :mod:`~mmsam2.models.backbones.declared_outputs`); backbones from other
    toolboxes do not have them. This wrapper builds any backbone config from
    the registry (``type='mmdet.ResNet'`` reaches mmdet, imported only then),
    declares its outputs, and checks on every forward that the returned maps
    have the declared channels and strides, with an error that lists the
    actual ones otherwise. Around a backbone that declares its outputs itself,
    the declaration may be left out: it is then taken from the backbone and
    only checked.

    Args:
        backbone (dict | nn.Module): Config of the wrapped backbone, or the
            module. Its ``forward`` must return a list or tuple of
            (B, C, H, W) maps, high resolution first.
        out_channels (Sequence[int], optional): Channels of the returned
            maps. Defaults to None (the wrapped backbone's ``out_channels``).
        out_strides (Sequence[int], optional): Strides of the returned maps
            (input side over map side), increasing. Defaults to None (the
            wrapped backbone's ``out_strides``).
        init_cfg (dict | List[dict], optional): Initialization config.
            Defaults to None (the wrapped backbone initialises itself).

    Example:
        >>> backbone = dict(
        ...     type='PyramidBackbone',
        ...     backbone=dict(type='mmdet.ResNet', depth=50, out_indices=(0, 1, 2, 3)),
        ...     out_channels=[256, 512, 1024, 2048],
        ...     out_strides=[4, 8, 16, 32])
    """

    def __init__(
        self,
        backbone: Union[dict, nn.Module],
        out_channels: Optional[Sequence[int]] = None,
        out_strides: Optional[Sequence[int]] = None,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.backbone = backbone if isinstance(backbone, nn.Module) else MODELS.build(backbone)
        if out_channels is None and out_strides is None:
            out_channels, out_strides = declared_outputs(self.backbone)
        self.out_channels = [int(c) for c in out_channels or []]
        self.out_strides = [int(s) for s in out_strides or []]
        if len(self.out_channels) != len(self.out_strides) or not self.out_channels:
            raise BackboneOutputError(
                f'PyramidBackbone needs one out_channels and one out_strides entry per map; '
                f'got out_channels {self.out_channels} and out_strides {self.out_strides}'
            )

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Run the wrapped backbone and check its maps.

        Args:
            x (torch.Tensor): Images of shape (B, 3, H, W).

        Returns:
            List[torch.Tensor]: Maps of shapes (B, out_channels[i],
            H / out_strides[i], W / out_strides[i]), high resolution first.

        Raises:
            BackboneOutputError: If the maps differ from the declaration.
        """
        feats = self.backbone(x)
        if isinstance(feats, torch.Tensor):
            feats = [feats]
        feats = list(feats)
        name = f'PyramidBackbone({type(self.backbone).__name__})'
        check_feature_maps(feats, x.shape[-2:], self.out_channels, self.out_strides, name)
        return feats
