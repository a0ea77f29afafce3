"""A plain (non-hierarchical) vision transformer, as in EfficientTAM's image encoder.

Reference: Dosovitskiy et al., "An Image is Worth 16x16 Words"
(https://arxiv.org/abs/2010.11929); Xiong et al., "Efficient Track Anything"
(https://arxiv.org/abs/2411.18933) uses ViT-Tiny / ViT-Small this way in SAM 2.

The backbone returns one stride-``patch_size`` map. Wrap it in
:class:`~mmsam2.models.backbones.SimpleFeaturePyramid` to obtain the strides
4 / 8 / 16 / 32 SAM 2's neck and heads use. Parameter names follow timm's /
DeiT's ViT, so their ImageNet checkpoints load through ``init_cfg`` (see
:func:`convert_timm_vit_state_dict`).
"""

import math
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch.nn.init import trunc_normal_

from mmsam2.registry import MODELS
from mmsam2.utils.checkpoint import load_checkpoint_file, unwrap_state_dict

from .hiera import MultiScaleBlock

ARCH_KEYS = ('embed_dim', 'depth', 'num_heads')


def convert_timm_vit_state_dict(
    state_dict: Dict[str, torch.Tensor], grid_size: Sequence[int]
) -> Dict[str, torch.Tensor]:
    """Convert a timm / DeiT ViT state dict to :class:`PlainViT`'s layout.

    The class (and distillation) tokens and the classifier are dropped, the
    token position embedding (1, T + N, C) becomes a (1, C, h, w) grid resized
    (bicubic) to ``grid_size``, ``mlp.fc1`` / ``mlp.fc2`` become
    ``mlp.layers.0`` / ``mlp.layers.1``.

    Args:
        state_dict (Dict[str, torch.Tensor]): timm weights.
        grid_size (Sequence[int]): Side (h, w) of the position embedding grid.

    Returns:
        Dict[str, torch.Tensor]: Converted weights.
    """
    converted = {}
    for key, value in state_dict.items():
        if key in ('cls_token', 'dist_token') or key.startswith(('head', 'fc_norm')):
            continue
        key = key.replace('mlp.fc1.', 'mlp.layers.0.').replace('mlp.fc2.', 'mlp.layers.1.')
        if key == 'pos_embed' and value.dim() == 3:
            side = math.isqrt(value.shape[1])
            grid = value[:, value.shape[1] - side * side :]
            grid = grid.reshape(1, side, side, -1).permute(0, 3, 1, 2)
            value = F.interpolate(grid, size=tuple(grid_size), mode='bicubic', align_corners=False)
        converted[key] = value
    return converted


class ViTPatchEmbed(nn.Module):
    """Non-overlapping patch embedding: a convolution of stride ``patch_size``.

    Args:
        patch_size (int): Patch side.
        in_channels (int): Image channels.
        embed_dim (int): Output channels.
    """

    def __init__(self, patch_size: int, in_channels: int, embed_dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dim, patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Embed an image (B, in_channels, H, W) into tokens (B, H/p, W/p, embed_dim)."""
        return self.proj(x).permute(0, 2, 3, 1)


@MODELS.register_module()
class PlainViT(BaseModule):
    """Plain ViT image backbone: one stride-16 map, global (or windowed) attention.

    Blocks are pre-norm transformer blocks (attention + MLP); a learned
    position embedding for a ``pretrain_img_size`` input is resized (bicubic)
    to the patch grid of the actual input. A variant is picked from
    :attr:`arch_zoo` by name or given as a dict of :data:`ARCH_KEYS`; single
    fields can be overridden.

    Args:
        arch (str | dict): 'tiny', 'small' or 'base', or a dict with
            ``embed_dim``, ``depth`` and ``num_heads``. Defaults to 'tiny'.
        embed_dim (int, optional): Token channels. Defaults to None (from
            ``arch``).
        depth (int, optional): Number of blocks. Defaults to None.
        num_heads (int, optional): Attention heads. Defaults to None.
        patch_size (int): Patch side, the output stride. Defaults to 16.
        in_channels (int): Image channels. Defaults to 3.
        mlp_ratio (float): MLP hidden width relative to ``embed_dim``.
            Defaults to 4.0.
        pretrain_img_size (int): Input side the position embedding is stored
            for. Defaults to 224.
        window_size (int): Attention window side (in patches) of the blocks
            not in ``global_att_blocks``; 0 means global attention everywhere.
            Defaults to 0.
        global_att_blocks (Sequence[int]): Blocks with global attention when
            ``window_size`` > 0 (ViTDet style). Defaults to ().
        drop_path_rate (float): Stochastic depth of the last block, rising
            linearly from 0. Defaults to 0.0.
        init_cfg (dict | List[dict], optional): Initialization config;
            ``dict(type='Pretrained', checkpoint=...)`` loads a timm / DeiT
            ViT checkpoint. Defaults to None.
    """

    arch_zoo: Dict[str, Dict[str, int]] = {
        'tiny': dict(embed_dim=192, depth=12, num_heads=3),
        'small': dict(embed_dim=384, depth=12, num_heads=6),
        'base': dict(embed_dim=768, depth=12, num_heads=12),
    }

    def __init__(
        self,
        arch: Union[str, dict] = 'tiny',
        embed_dim: Optional[int] = None,
        depth: Optional[int] = None,
        num_heads: Optional[int] = None,
        patch_size: int = 16,
        in_channels: int = 3,
        mlp_ratio: float = 4.0,
        pretrain_img_size: int = 224,
        window_size: int = 0,
        global_att_blocks: Sequence[int] = (),
        drop_path_rate: float = 0.0,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        overrides = dict(embed_dim=embed_dim, depth=depth, num_heads=num_heads)
        self.arch_settings = self._resolve_arch(arch, overrides)
        dim, depth = self.arch_settings['embed_dim'], self.arch_settings['depth']
        num_heads = self.arch_settings['num_heads']
        if dim % num_heads:
            raise ValueError(f'embed_dim {dim} must be divisible by num_heads {num_heads}')
        self.patch_size = patch_size
        self.patch_embed = ViTPatchEmbed(patch_size, in_channels, dim)
        grid = pretrain_img_size // patch_size
        self.pos_embed = nn.Parameter(torch.zeros(1, dim, grid, grid))
        drop_rates = torch.linspace(0, drop_path_rate, depth, device='cpu').tolist()
        self.blocks = nn.ModuleList(
            MultiScaleBlock(
                dim,
                dim,
                num_heads,
                mlp_ratio=mlp_ratio,
                drop_path=drop_rates[i],
                window_size=0 if i in global_att_blocks else window_size,
            )
            for i in range(depth)
        )
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.out_channels = [dim]
        self.out_strides = [patch_size]
        self._init_random_weights()

    def _resolve_arch(self, arch: Union[str, dict], overrides: dict) -> dict:
        """Architecture settings from ``arch`` with the non-None overrides."""
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise ValueError(
                    f'Unknown PlainViT arch {arch!r}; choose from {list(self.arch_zoo)}'
                )
            settings = dict(self.arch_zoo[arch])
        elif isinstance(arch, dict):
            missing = set(ARCH_KEYS) - set(arch)
            if missing:
                raise ValueError(f'Custom PlainViT arch misses the keys {sorted(missing)}')
            settings = {key: arch[key] for key in ARCH_KEYS}
        else:
            raise TypeError(f'arch must be a str or a dict, got {type(arch).__name__}')
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return settings

    def _init_random_weights(self) -> None:
        """Truncated-normal linear layers and position embedding, zero biases."""
        trunc_normal_(self.pos_embed, std=0.02)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                trunc_normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)

    def init_weights(self) -> None:
        """Load a timm / DeiT checkpoint if ``init_cfg`` is a 'Pretrained' one."""
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        ckpt = load_checkpoint_file(cfg['checkpoint'], trust=cfg.get('trust_checkpoint', False))
        state_dict = unwrap_state_dict(ckpt)
        prefix = cfg.get('prefix')
        if prefix:
            prefix = prefix.rstrip('.') + '.'
            state_dict = {
                k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)
            }
        state_dict = convert_timm_vit_state_dict(state_dict, self.pos_embed.shape[-2:])
        missing, unexpected = self.load_state_dict(state_dict, strict=False)
        MMLogger.get_current_instance().info(
            f'PlainViT loaded {cfg["checkpoint"]}: missing keys {missing}, '
            f'unexpected keys {unexpected}'
        )
        self._is_init = True

    def _get_pos_embed(self, hw: Sequence[int]) -> torch.Tensor:
        """Position embedding (1, H, W, C) for a patch grid of size ``hw``."""
        pos = self.pos_embed
        if tuple(pos.shape[-2:]) != tuple(hw):
            pos = F.interpolate(pos, size=tuple(hw), mode='bicubic', align_corners=False)
        return pos.permute(0, 2, 3, 1)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Encode images.

        Args:
            x (torch.Tensor): Images of shape (B, in_channels, H, W), H and W
                multiples of ``patch_size``.

        Returns:
            List[torch.Tensor]: One map of shape
            (B, embed_dim, H / patch_size, W / patch_size).
        """
        x = self.patch_embed(x)
        x = x + self._get_pos_embed(x.shape[1:3])
        for block in self.blocks:
            x = block(x)
        return [self.norm(x).permute(0, 3, 1, 2)]
