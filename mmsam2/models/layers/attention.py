"""Multi-head attention of SAM (with optional down-projection) and its RoPE form."""

import math
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .fused_linear import linear_act
from .rope import (
    apply_rope,
    apply_rope_real,
    axial_rope_angles,
    rope_cos_sin,
    rope_rotations,
    rotate_channels_first_,
)
from .value_folded_attention import attend_narrow_values, keys_for_products

# A complex float32 rotation table, or (cos, sin) tables in a half dtype.
RopeTable = Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]


class Attention(nn.Module):
    """Multi-head attention whose internal width may be down-scaled.

    Args:
        embedding_dim (int): Query channels (and output channels).
        num_heads (int): Number of heads.
        downsample_rate (int): Internal width is ``embedding_dim //
            downsample_rate``. Defaults to 1.
        dropout (float): Attention dropout in training. Defaults to 0.
        kv_in_dim (int, optional): Key/value input channels. Defaults to None
            (same as ``embedding_dim``).
    """

    def __init__(
        self,
        embedding_dim: int,
        num_heads: int,
        downsample_rate: int = 1,
        dropout: float = 0.0,
        kv_in_dim: Optional[int] = None,
    ) -> None:
        super().__init__()
        self.embedding_dim = embedding_dim
        self.kv_in_dim = embedding_dim if kv_in_dim is None else kv_in_dim
        self.internal_dim = embedding_dim // downsample_rate
        self.num_heads = num_heads
        if self.internal_dim % num_heads != 0:
            raise ValueError(
                f'num_heads ({num_heads}) must divide the internal dim ({self.internal_dim})'
            )
        self.q_proj = nn.Linear(embedding_dim, self.internal_dim)
        self.k_proj = nn.Linear(self.kv_in_dim, self.internal_dim)
        self.v_proj = nn.Linear(self.kv_in_dim, self.internal_dim)
        self.out_proj = nn.Linear(self.internal_dim, embedding_dim)
        self.dropout_p = dropout

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, N, C) -> (B, heads, N, C // heads)."""
        return x.unflatten(-1, (self.num_heads, -1)).transpose(1, 2)

    def _heads(self, x: torch.Tensor, proj: nn.Linear) -> torch.Tensor:
        """Project (B, N, C_in) tokens and split them into heads (B, heads, N, C // heads)."""
        return self._split_heads(linear_act(x, proj))

    def _output(self, out: torch.Tensor) -> torch.Tensor:
        """Merge heads (B, heads, N, C // heads) and apply ``out_proj``."""
        return linear_act(out.transpose(1, 2).flatten(2), self.out_proj)

    def _fold_values(self, v: torch.Tensor) -> bool:
        """Whether to apply ``v_proj`` after the attention (inference on the CPU
        with values narrower than a head; see
        :mod:`~mmsam2.models.layers.value_folded_attention`)."""
        return (
            v.device.type == 'cpu'
            and not torch.is_grad_enabled()
            and self.kv_in_dim < self.internal_dim // self.num_heads
            and not (self.training and self.dropout_p > 0)
        )

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Attention of projected heads to unprojected values ``v`` (B, Nk,
        kv_in_dim), then ``out_proj``."""
        if self._fold_values(v):
            out = self._attend_folded(q, keys_for_products(k), v)
        else:
            v = self._heads(v, self.v_proj)
            if q.shape[0] != k.shape[0]:  # one set of queries shared by every key batch
                q = q.expand(k.shape[0], *q.shape[1:])
            dropout_p = self.dropout_p if self.training else 0.0
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p)
        return self._output(out)

    def _attend_folded(
        self, q: torch.Tensor, keys_t: torch.Tensor, v: torch.Tensor
    ) -> torch.Tensor:
        """:func:`attend_narrow_values` with this layer's ``v_proj`` (B, heads, Nq, C)."""
        return attend_narrow_values(q, keys_t, v, self.v_proj.weight, self.v_proj.bias)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Attend queries to keys/values.

        Args:
            q (torch.Tensor): Queries (B, Nq, embedding_dim), or (1, Nq,
                embedding_dim) shared by the B key sets.
            k (torch.Tensor): Keys (B, Nk, kv_in_dim).
            v (torch.Tensor): Values (B, Nk, kv_in_dim).

        Returns:
            torch.Tensor: Output (B, Nq, embedding_dim).
        """
        return self._attend(self._heads(q, self.q_proj), self._heads(k, self.k_proj), v)


class RoPEAttention(Attention):
    """Attention with axial 2-D rotary position encoding on queries and keys.

    The query tokens form a square (or given) grid; keys are one or more such
    grids (``rope_k_repeat=True`` for memories of several frames), optionally
    followed by tokens that get no rotation (object pointers).

    Float32 tokens are rotated as complex numbers in float32; half-precision
    tokens (bf16 / fp16 projections under autocast) with real cos / sin tables
    in their own dtype, which avoids a float32 round trip of every key.

    Args:
        *args: Positional arguments of :class:`Attention`.
        rope_theta (float): RoPE frequency base. Defaults to 10000.
        rope_k_repeat (bool): Tile the query table over longer key sequences.
            Defaults to False.
        feat_sizes (Tuple[int, int]): Grid (width, height) the table is built
            for first; other sizes are built on demand. Defaults to (64, 64).
        **kwargs: Keyword arguments of :class:`Attention`.
    """

    def __init__(
        self,
        *args,
        rope_theta: float = 10000.0,
        rope_k_repeat: bool = False,
        feat_sizes: Tuple[int, int] = (64, 64),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rope_theta = rope_theta
        self.rope_k_repeat = rope_k_repeat
        self.feat_sizes = tuple(feat_sizes)
        self._tables: Dict[tuple, RopeTable] = {}

    def _rope_table(
        self, height: int, width: int, device: torch.device, dtype: torch.dtype
    ) -> RopeTable:
        """Complex table (float32 tokens) or (cos, sin) tables in ``dtype``, cached."""
        real = dtype in (torch.float16, torch.bfloat16)
        key = (height, width, device, dtype if real else None)
        table = self._tables.get(key)
        if table is None:
            head_dim = self.internal_dim // self.num_heads
            angles = axial_rope_angles(head_dim, height, width, self.rope_theta, device)
            table = rope_cos_sin(angles, dtype) if real else rope_rotations(angles)
            self._tables[key] = table
        return table

    @staticmethod
    def _rotate(
        x: torch.Tensor, table: RopeTable, out: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        """Apply a table of :meth:`_rope_table` (into ``out`` when given)."""
        if isinstance(table, tuple):
            return apply_rope_real(x, *table, out=out)
        rotated = apply_rope(x, table)
        if out is None:
            return rotated
        out.copy_(rotated)
        return out

    def forward(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        num_k_exclude_rope: int = 0,
        feat_size: Optional[Tuple[int, int]] = None,
    ) -> torch.Tensor:
        """Attend with RoPE.

        Args:
            q (torch.Tensor): Queries (B, H*W, embedding_dim), or (1, H*W,
                embedding_dim) shared by the B key sets.
            k (torch.Tensor): Keys (B, Nk, kv_in_dim).
            v (torch.Tensor): Values (B, Nk, kv_in_dim).
            num_k_exclude_rope (int): Number of trailing keys left unrotated.
                Defaults to 0.
            feat_size (Tuple[int, int], optional): Query grid (H, W). Defaults
                to None (a square grid).

        Returns:
            torch.Tensor: Output (B, H*W, embedding_dim).
        """
        if feat_size is None:
            side = math.isqrt(q.shape[-2])
            if side * side != q.shape[-2]:
                raise ValueError(
                    f'{q.shape[-2]} query tokens are not a square grid; pass feat_size=(H, W)'
                )
            feat_size = (side, side)
        num_k_rope = k.shape[-2] - num_k_exclude_rope
        if num_k_rope != q.shape[-2] and not self.rope_k_repeat:
            raise ValueError('keys and queries differ in length; set rope_k_repeat')
        q = self._heads(q, self.q_proj)
        table = self._rope_table(feat_size[0], feat_size[1], q.device, q.dtype)
        q = self._rotate(q, table)
        if isinstance(table, tuple) and self._fold_values(v):
            keys_t = self._rotated_keys_channels_first(k, feat_size, num_k_rope, q.dtype)
            return self._output(self._attend_folded(q, keys_t, v))
        k = self._heads(k, self.k_proj)
        if num_k_exclude_rope == 0:
            k = self._rotate(k, table)
        elif num_k_rope > 0:
            # k is the fresh output of k_proj: rotate the spatial keys in place
            self._rotate(k[:, :, :num_k_rope], table, out=k[:, :, :num_k_rope])
        return self._attend(q, k, v)

    def _rotated_keys_channels_first(
        self, k: torch.Tensor, feat_size: Tuple[int, int], num_rope: int, dtype: torch.dtype
    ) -> torch.Tensor:
        """Project and rotate half-precision keys straight into (B, heads, D, Nk).

        That is the layout the value-folded attention multiplies with, so the
        projected keys need not be transposed in memory.

        Args:
            k (torch.Tensor): Key inputs (B, Nk, kv_in_dim).
            feat_size (Tuple[int, int]): Query grid (H, W) of the RoPE table.
            num_rope (int): Leading keys to rotate.
            dtype (torch.dtype): Compute dtype.

        Returns:
            torch.Tensor: Keys (B, heads, D, Nk), contiguous.
        """
        weight, bias = self.k_proj.weight.to(dtype), self.k_proj.bias.to(dtype)
        inputs = k.to(dtype).transpose(1, 2)  # (B, kv_in_dim, Nk)
        keys_t = torch.baddbmm(
            bias.view(1, -1, 1), weight.expand(k.shape[0], -1, -1), inputs
        ).unflatten(1, (self.num_heads, -1))
        if num_rope > 0:
            cos_t, sin_t = self._channels_first_table(*feat_size, k.device, dtype)
            rotate_channels_first_(keys_t[..., :num_rope], cos_t, sin_t)
        return keys_t

    def _channels_first_table(
        self, height: int, width: int, device: torch.device, dtype: torch.dtype
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """The (cos, sin) tables of :meth:`_rope_table` transposed to (dim, M), cached."""
        key = (height, width, device, dtype, 'channels_first')
        table = self._tables.get(key)
        if table is None:
            cos, sin = self._rope_table(height, width, device, dtype)
            table = (cos.t().contiguous(), sin.t().contiguous())
            self._tables[key] = table
        return table
