"""Hiera: the hierarchical vision transformer used as SAM 2's image trunk.

Reference: Ryali et al., "Hiera: A Hierarchical Vision Transformer without the
Bells-and-Whistles" (https://arxiv.org/abs/2306.00989), with the windowed
absolute position embedding of Bolya et al. (https://arxiv.org/abs/2311.05613).

Tokens flow through the network channels-last, as (B, H, W, C). Parameter names
follow Meta's ``sam2`` package, so an official checkpoint loads after renaming
the prefix ``image_encoder.trunk.`` to the prefix of this module.
"""

import functools
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmsam2.models.layers import MLP, DropPath, linear_act
from mmsam2.models.layers.fused_linear import tensor_versions
from mmsam2.registry import MODELS

ARCH_KEYS = (
    'embed_dim',
    'num_heads',
    'stages',
    'global_att_blocks',
    'window_pos_embed_bkg_spatial_size',
    'window_spec',
)


def max_pool_tokens(x: torch.Tensor, stride: Tuple[int, int]) -> torch.Tensor:
    """Non-overlapping max pooling of a channels-last token map (floor mode).

    The maximum is taken over strided views of ``x`` (rows first, then
    columns), so strided inputs such as the query slice of a fused qkv
    projection are read in place: the result equals ``F.max_pool2d`` on the
    channels-first map. Where autograd records it (training), it runs as
    ``F.max_pool2d`` (Meta's ``nn.MaxPool2d``), whose gradient goes to one
    maximum of a window: the strided maxima would share it among tied tokens
    (equal tokens of flat image regions), which is not Meta's gradient.

    Args:
        x (torch.Tensor): Tokens of shape (B, H, W, C).
        stride (Tuple[int, int]): Pooling window and stride (sh, sw).

    Returns:
        torch.Tensor: Pooled tokens of shape (B, H // sh, W // sw, C).
    """
    if torch.is_grad_enabled() and x.requires_grad:
        pooled = F.max_pool2d(x.permute(0, 3, 1, 2), kernel_size=stride, stride=stride)
        return pooled.permute(0, 2, 3, 1)
    sh, sw = stride
    h, w = x.shape[1] // sh, x.shape[2] // sw
    x = x[:, : h * sh, : w * sw]
    rows = functools.reduce(torch.maximum, [x[:, i::sh] for i in range(sh)])
    return functools.reduce(torch.maximum, [rows[:, :, j::sw] for j in range(sw)])


def window_partition(x: torch.Tensor, window_size: int) -> Tuple[torch.Tensor, Tuple[int, int]]:
    """Split a token map into square windows, zero-padding the bottom/right.

    Args:
        x (torch.Tensor): Tokens of shape (B, H, W, C).
        window_size (int): Side of a window.

    Returns:
        Tuple[torch.Tensor, Tuple[int, int]]: Windows of shape
        (B * nh * nw, window_size, window_size, C) and the window grid (nh, nw).
    """
    b, h, w, c = x.shape
    nh, nw = math.ceil(h / window_size), math.ceil(w / window_size)
    pad_h, pad_w = nh * window_size - h, nw * window_size - w
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    x = x.view(b, nh, window_size, nw, window_size, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, window_size, window_size, c), (nh, nw)


def window_unpartition(
    windows: torch.Tensor, grid: Tuple[int, int], out_hw: Tuple[int, int]
) -> torch.Tensor:
    """Merge windows back into a token map and crop the padding.

    Args:
        windows (torch.Tensor): Windows of shape (B * nh * nw, wh, ww, C).
        grid (Tuple[int, int]): Window grid (nh, nw).
        out_hw (Tuple[int, int]): Unpadded output size (H, W).

    Returns:
        torch.Tensor: Tokens of shape (B, H, W, C).
    """
    nh, nw = grid
    _, wh, ww, c = windows.shape
    x = windows.view(-1, nh, nw, wh, ww, c).permute(0, 1, 3, 2, 4, 5)
    x = x.reshape(-1, nh * wh, nw * ww, c)
    h, w = out_hw
    return x[:, :h, :w]


class PatchEmbed(nn.Module):
    """Overlapping patch embedding: a 7x7 convolution of stride 4.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        embed_dim (int): Output channels. Defaults to 96.
    """

    def __init__(self, in_channels: int = 3, embed_dim: int = 96) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dim, kernel_size=7, stride=4, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Embed an image.

        Args:
            x (torch.Tensor): Image of shape (B, in_channels, H, W).

        Returns:
            torch.Tensor: Tokens of shape (B, H / 4, W / 4, embed_dim),
            contiguous.
        """
        # A channels-last image gives a channels-last map, so the tokens come
        # out contiguous without a copy (and oneDNN's bf16 kernels are much
        # faster on this layout).
        x = x.contiguous(memory_format=torch.channels_last)
        return self.proj(x).permute(0, 2, 3, 1).contiguous()


class MultiScaleAttention(nn.Module):
    """Multi-head self-attention whose queries may be max-pooled.

    Args:
        dim (int): Input channels.
        dim_out (int): Output channels (also the attention width).
        num_heads (int): Number of heads.
        q_stride (Tuple[int, int], optional): Query pooling stride; the output
            map is downsampled by it. Defaults to None (no pooling).
    """

    def __init__(
        self,
        dim: int,
        dim_out: int,
        num_heads: int,
        q_stride: Optional[Tuple[int, int]] = None,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.q_stride = q_stride
        self.qkv = nn.Linear(dim, dim_out * 3)
        self.proj = nn.Linear(dim_out, dim_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Attend among the tokens of each map (window) of the batch.

        Args:
            x (torch.Tensor): Tokens of shape (B, H, W, dim).

        Returns:
            torch.Tensor: Tokens of shape (B, H', W', dim_out), where
            (H', W') is (H, W) divided by ``q_stride`` when pooling.
        """
        b, h, w, _ = x.shape
        qkv = linear_act(x, self.qkv).reshape(b, h * w, 3, self.num_heads, -1)
        q, k, v = qkv.unbind(2)  # each (B, H * W, heads, head_dim)
        if self.q_stride is not None:
            q = max_pool_tokens(q.reshape(b, h, w, -1), self.q_stride)
            h, w = q.shape[1:3]
            q = q.reshape(b, h * w, self.num_heads, -1)
        x = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return linear_act(x.transpose(1, 2).reshape(b, h, w, -1), self.proj)


class MultiScaleBlock(nn.Module):
    """Hiera transformer block: (windowed) attention and MLP, pre-norm.

    The first block of a stage may widen the channels (through ``proj`` on the
    shortcut) and pool the queries and shortcut by ``q_stride``.

    Args:
        dim (int): Input channels.
        dim_out (int): Output channels.
        num_heads (int): Number of attention heads.
        mlp_ratio (float): MLP hidden width relative to ``dim_out``.
            Defaults to 4.0.
        drop_path (float): Stochastic depth rate. Defaults to 0.0.
        q_stride (Tuple[int, int], optional): Downsampling stride of the
            block. Defaults to None.
        window_size (int): Side of the attention windows; 0 means global
            attention. Defaults to 0.
    """

    def __init__(
        self,
        dim: int,
        dim_out: int,
        num_heads: int,
        mlp_ratio: float = 4.0,
        drop_path: float = 0.0,
        q_stride: Optional[Tuple[int, int]] = None,
        window_size: int = 0,
    ) -> None:
        super().__init__()
        self.window_size = window_size
        self.q_stride = q_stride
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = MultiScaleAttention(dim, dim_out, num_heads, q_stride)
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim_out, eps=1e-6)
        self.mlp = MLP(dim_out, int(dim_out * mlp_ratio), dim_out, num_layers=2, activation=nn.GELU)
        self.proj = nn.Linear(dim, dim_out) if dim != dim_out else None

    def _shortcut(self, x: torch.Tensor, x_normed: torch.Tensor) -> torch.Tensor:
        """Residual branch: projected (from the normed input) and pooled if needed."""
        if self.proj is not None:
            x = linear_act(x_normed, self.proj)
        return x if self.q_stride is None else max_pool_tokens(x, self.q_stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        Args:
            x (torch.Tensor): Tokens of shape (B, H, W, dim).

        Returns:
            torch.Tensor: Tokens of shape (B, H', W', dim_out), (H', W') being
            (H, W) divided by ``q_stride`` when the block pools.
        """
        x_normed = self.norm1(x)
        shortcut = self._shortcut(x, x_normed)
        if self.window_size > 0:
            windows, grid = window_partition(x_normed, self.window_size)
            x = window_unpartition(self.attn(windows), grid, shortcut.shape[1:3])
        else:
            x = self.attn(x_normed)
        x = shortcut + self.drop_path(x)
        return x + self.drop_path(self.mlp(self.norm2(x)))


@MODELS.register_module()
class Hiera(BaseModule):
    """Hiera image backbone of SAM 2 (four stages, strides 4 to 32).

    A variant is picked from :attr:`arch_zoo` by name, or given as a dict of
    all the :data:`ARCH_KEYS`; any single field can then be overridden by the
    keyword argument of the same name. The windowed position embedding is a
    background embedding interpolated (bicubic) to the patch grid plus a tiled
    window embedding, so any input whose sides are multiples of 32 works.

    Args:
        arch (str | dict): 'tiny', 'small', 'base_plus' or 'large', or a dict
            with the keys of :data:`ARCH_KEYS`. Defaults to 'tiny'.
        embed_dim (int, optional): Channels of stage 1. Defaults to None
            (from ``arch``).
        num_heads (int, optional): Attention heads of stage 1. Defaults to
            None (from ``arch``).
        stages (Sequence[int], optional): Number of blocks per stage.
            Defaults to None (from ``arch``).
        global_att_blocks (Sequence[int], optional): Indices of the blocks with
            global attention. Defaults to None (from ``arch``).
        window_pos_embed_bkg_spatial_size (Sequence[int], optional): Size
            (h, w) of the background position embedding. Defaults to None
            (from ``arch``).
        window_spec (Sequence[int], optional): Attention window side per
            stage. Defaults to None (from ``arch``).
        in_channels (int): Image channels. Defaults to 3.
        drop_path_rate (float): Stochastic depth rate of the last block, rising
            linearly from 0 at the first. Defaults to 0.0.
        q_pool (int): Number of stage transitions that downsample. Defaults
            to 3.
        q_stride (Tuple[int, int]): Downsampling stride between stages.
            Defaults to (2, 2).
        dim_mul (float): Channel multiplier between stages. Defaults to 2.0.
        head_mul (float): Head-count multiplier between stages. Defaults
            to 2.0.
        return_interm_layers (bool): Return every stage's output; otherwise
            only the last stage's. Defaults to True.
        init_cfg (dict | List[dict], optional): Initialization config.
            Defaults to None.
    """

    arch_zoo: Dict[str, Dict[str, Union[int, Tuple[int, ...]]]] = {
        'tiny': dict(
            embed_dim=96,
            num_heads=1,
            stages=(1, 2, 7, 2),
            global_att_blocks=(5, 7, 9),
            window_pos_embed_bkg_spatial_size=(7, 7),
            window_spec=(8, 4, 14, 7),
        ),
        'small': dict(
            embed_dim=96,
            num_heads=1,
            stages=(1, 2, 11, 2),
            global_att_blocks=(7, 10, 13),
            window_pos_embed_bkg_spatial_size=(7, 7),
            window_spec=(8, 4, 14, 7),
        ),
        'base_plus': dict(
            embed_dim=112,
            num_heads=2,
            stages=(2, 3, 16, 3),
            global_att_blocks=(12, 16, 20),
            window_pos_embed_bkg_spatial_size=(14, 14),
            window_spec=(8, 4, 14, 7),
        ),
        'large': dict(
            embed_dim=144,
            num_heads=2,
            stages=(2, 6, 36, 4),
            global_att_blocks=(23, 33, 43),
            window_pos_embed_bkg_spatial_size=(7, 7),
            window_spec=(8, 4, 16, 8),
        ),
    }

    def __init__(
        self,
        arch: Union[str, dict] = 'tiny',
        embed_dim: Optional[int] = None,
        num_heads: Optional[int] = None,
        stages: Optional[Sequence[int]] = None,
        global_att_blocks: Optional[Sequence[int]] = None,
        window_pos_embed_bkg_spatial_size: Optional[Sequence[int]] = None,
        window_spec: Optional[Sequence[int]] = None,
        in_channels: int = 3,
        drop_path_rate: float = 0.0,
        q_pool: int = 3,
        q_stride: Tuple[int, int] = (2, 2),
        dim_mul: float = 2.0,
        head_mul: float = 2.0,
        return_interm_layers: bool = True,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        overrides = dict(
            embed_dim=embed_dim,
            num_heads=num_heads,
            stages=stages,
            global_att_blocks=global_att_blocks,
            window_pos_embed_bkg_spatial_size=window_pos_embed_bkg_spatial_size,
            window_spec=window_spec,
        )
        self.arch_settings = self._resolve_arch(arch, overrides)
        stages = tuple(self.arch_settings['stages'])
        self.window_spec = tuple(self.arch_settings['window_spec'])
        self.global_att_blocks = tuple(self.arch_settings['global_att_blocks'])
        if len(stages) != len(self.window_spec):
            raise ValueError(
                f'stages ({stages}) and window_spec ({self.window_spec}) must have one '
                'entry per stage'
            )
        if not 0 <= q_pool < len(stages):
            raise ValueError(f'q_pool must be in [0, {len(stages) - 1}], got {q_pool}')
        self.q_stride = tuple(q_stride)
        self.stage_ends = [sum(stages[: i + 1]) - 1 for i in range(len(stages))]
        self.q_pool_blocks = [end + 1 for end in self.stage_ends[:-1]][:q_pool]
        self.return_interm_layers = return_interm_layers

        dim = self.arch_settings['embed_dim']
        bkg_h, bkg_w = self.arch_settings['window_pos_embed_bkg_spatial_size']
        win = self.window_spec[0]
        self.patch_embed = PatchEmbed(in_channels, dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, dim, bkg_h, bkg_w))
        self.pos_embed_window = nn.Parameter(torch.zeros(1, dim, win, win))
        self._pos_embed_cache: Optional[Tuple[tuple, torch.Tensor]] = None
        self.blocks = self._build_blocks(dim, drop_path_rate, dim_mul, head_mul)

        self.out_block_ids = self.stage_ends if return_interm_layers else self.stage_ends[-1:]
        self.out_channels = [self.blocks[i].attn.proj.out_features for i in self.out_block_ids]
        strides = [4 * self.q_stride[0] ** min(s, q_pool) for s in range(len(stages))]
        self.out_strides = strides if return_interm_layers else strides[-1:]

    def _resolve_arch(self, arch: Union[str, dict], overrides: dict) -> dict:
        """Architecture settings from ``arch`` with the non-None overrides."""
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise ValueError(f'Unknown Hiera arch {arch!r}; choose from {list(self.arch_zoo)}')
            settings = dict(self.arch_zoo[arch])
        elif isinstance(arch, dict):
            missing = set(ARCH_KEYS) - set(arch)
            if missing:
                raise ValueError(f'Custom Hiera arch misses the keys {sorted(missing)}')
            settings = {key: arch[key] for key in ARCH_KEYS}
        else:
            raise TypeError(f'arch must be a str or a dict, got {type(arch).__name__}')
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return settings

    def _build_blocks(
        self, dim: int, drop_path_rate: float, dim_mul: float, head_mul: float
    ) -> nn.ModuleList:
        """Create all blocks; a stage's first block uses the previous window size."""
        depth = self.stage_ends[-1] + 1
        drop_rates = torch.linspace(0, drop_path_rate, depth, device='cpu').tolist()
        num_heads = self.arch_settings['num_heads']
        stage = 0
        blocks = nn.ModuleList()
        for i in range(depth):
            window_size = 0 if i in self.global_att_blocks else self.window_spec[stage]
            dim_out = dim
            if i - 1 in self.stage_ends:
                dim_out = int(dim * dim_mul)
                num_heads = int(num_heads * head_mul)
                stage += 1
            blocks.append(
                MultiScaleBlock(
                    dim,
                    dim_out,
                    num_heads,
                    drop_path=drop_rates[i],
                    q_stride=self.q_stride if i in self.q_pool_blocks else None,
                    window_size=window_size,
                )
            )
            dim = dim_out
        return blocks

    def _get_pos_embed(self, hw: Tuple[int, int]) -> torch.Tensor:
        """Position embedding for a patch grid of size ``hw``.

        Args:
            hw (Tuple[int, int]): Patch grid size (H, W).

        Returns:
            torch.Tensor: Embedding of shape (1, H, W, C).
        """
        h, w = hw
        pos_embed = F.interpolate(self.pos_embed, size=(h, w), mode='bicubic')
        win_h, win_w = self.pos_embed_window.shape[-2:]
        tiled = self.pos_embed_window.tile(1, 1, math.ceil(h / win_h), math.ceil(w / win_w))
        return (pos_embed + tiled[..., :h, :w]).permute(0, 2, 3, 1)

    def _cached_pos_embed(self, hw: Tuple[int, int], dtype: torch.dtype) -> torch.Tensor:
        """:meth:`_get_pos_embed` in ``dtype``, computed once per size while the
        embeddings do not change (recomputed where autograd needs the graph)."""
        params = (self.pos_embed, self.pos_embed_window)
        if torch.is_grad_enabled() and any(p.requires_grad for p in params):
            return self._get_pos_embed(hw).to(dtype)
        key = (tuple(hw), dtype, torch.is_inference_mode_enabled(), tensor_versions(params))
        cached = self._pos_embed_cache
        if cached is None or cached[0] != key:
            cached = self._pos_embed_cache = (key, self._get_pos_embed(hw).to(dtype).contiguous())
        return cached[1]

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Extract multi-scale features.

        Args:
            x (torch.Tensor): Images of shape (B, in_channels, H, W), H and W
                multiples of 32.

        Returns:
            List[torch.Tensor]: Stage outputs, high resolution first, of
            shapes (B, out_channels[i], H / out_strides[i], W / out_strides[i]).
        """
        x = self.patch_embed(x)
        # In the embedding's dtype: under bf16 autocast the token stream stays
        # in bf16 instead of being promoted to fp32 here.
        x = x + self._cached_pos_embed(x.shape[1:3], x.dtype)
        outs = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.out_block_ids:
                outs.append(x.permute(0, 3, 1, 2))
        return outs
