"""Memory attention: conditions the current frame's features on past memories.

Every layer lets the current frame's tokens attend to themselves (with RoPE)
and then to the memory bank (spatial memories of past frames with RoPE, plus
object-pointer tokens without it), followed by a feed-forward block; all three
sub-blocks are pre-norm residuals. Tensors are batch-first, (B, N, C).
"""

import copy
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmsam2.registry import MODELS

from ..layers import RoPEAttention, compute_dtype, linear_act

_ACTIVATIONS = ('relu', 'gelu')


def _build_rope_attention(cfg: dict) -> RoPEAttention:
    """Build a :class:`RoPEAttention` from a plain config dict.

    Args:
        cfg (dict): Keyword arguments of :class:`RoPEAttention`; an optional
            ``type`` key must be ``'RoPEAttention'``.

    Returns:
        RoPEAttention: The attention module.
    """
    cfg = dict(cfg)
    attn_type = cfg.pop('type', 'RoPEAttention')
    if attn_type not in ('RoPEAttention', RoPEAttention):
        raise ValueError(f'memory attention needs RoPEAttention, got type={attn_type!r}')
    return RoPEAttention(**cfg)


def _batch_shared(x: Tensor) -> bool:
    """Whether ``x`` is one sample expanded along a batch of several."""
    return x.shape[0] > 1 and x.stride(0) == 0


# Above this size of a batch's keys and values, memory attention on the CPU
# runs one sample at a time (glibc serves allocations of more than 32 MiB by
# fresh mappings, which are page-faulted on first use).
CPU_BATCH_BYTES = 32 << 20


def _row(x: Optional[Tensor], index: int) -> Optional[Tensor]:
    """Sample ``index`` of a batch (the only one of a batch of 1), kept 3-D."""
    if x is None or x.shape[0] == 1:
        return x
    return x[index : index + 1]


def _add_pos(x: Tensor, pos: Optional[Tensor]) -> Tensor:
    """``x + pos``, or ``x`` itself when ``pos`` is None."""
    return x if pos is None else x + pos


@MODELS.register_module()
class MemoryAttentionLayer(BaseModule):
    """One memory-attention block: self-attention, cross-attention to memory, MLP.

    Args:
        self_attention (dict): Config of the self-attention
            (:class:`RoPEAttention` keyword arguments, ``type`` optional).
        cross_attention (dict): Config of the cross-attention to the memory;
            usually ``rope_k_repeat=True`` and ``kv_in_dim`` = memory channels.
        d_model (int): Token channels C. Defaults to 256.
        dim_feedforward (int): Hidden channels of the MLP. Defaults to 2048.
        dropout (float): Dropout on every residual branch and inside the MLP
            (training only). Defaults to 0.1.
        activation (str): MLP activation, ``'relu'`` or ``'gelu'``.
            Defaults to 'relu'.
        pos_enc_at_attn (bool): Add the query position encoding to the
            self-attention queries and keys. Defaults to False.
        pos_enc_at_cross_attn_keys (bool): Add the memory position encoding to
            the cross-attention keys. Defaults to True.
        pos_enc_at_cross_attn_queries (bool): Add the query position encoding
            to the cross-attention queries. Defaults to False.
        init_cfg (dict, optional): mmengine initialisation config.
            Defaults to None.
    """

    def __init__(
        self,
        self_attention: dict,
        cross_attention: dict,
        d_model: int = 256,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str = 'relu',
        pos_enc_at_attn: bool = False,
        pos_enc_at_cross_attn_keys: bool = True,
        pos_enc_at_cross_attn_queries: bool = False,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f'activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}'
            )
        self.d_model = d_model
        self.self_attn = _build_rope_attention(self_attention)
        self.cross_attn_image = _build_rope_attention(cross_attention)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = activation
        self.pos_enc_at_attn = pos_enc_at_attn
        self.pos_enc_at_cross_attn_keys = pos_enc_at_cross_attn_keys
        self.pos_enc_at_cross_attn_queries = pos_enc_at_cross_attn_queries

    def self_attend(
        self,
        query: Tensor,
        query_pos: Optional[Tensor] = None,
        feat_size: Optional[Tuple[int, int]] = None,
    ) -> Tensor:
        """The block's first part: pre-norm residual self-attention.

        Args:
            query (Tensor): Current-frame tokens (B, HW, C).
            query_pos (Tensor, optional): Their position encoding (B or 1,
                HW, C). Defaults to None.
            feat_size (Tuple[int, int], optional): Query grid (H, W).
                Defaults to None (a square grid).

        Returns:
            Tensor: Updated tokens (B, HW, C).
        """
        x = self.norm1(query)
        qk = _add_pos(x, query_pos) if self.pos_enc_at_attn else x
        return query + self.dropout1(self.self_attn(qk, qk, x, feat_size=feat_size))

    def _cross_attend(
        self,
        query: Tensor,
        memory: Tensor,
        query_pos: Optional[Tensor],
        memory_pos: Optional[Tensor],
        num_k_exclude_rope: int,
        feat_size: Optional[Tuple[int, int]],
    ) -> Tensor:
        """Pre-norm residual cross-attention from (B, HW, C) to (B, M, C_mem)."""
        x = self.norm2(query)
        q = _add_pos(x, query_pos) if self.pos_enc_at_cross_attn_queries else x
        k = _add_pos(memory, memory_pos) if self.pos_enc_at_cross_attn_keys else memory
        out = self.cross_attn_image(
            q, k, memory, num_k_exclude_rope=num_k_exclude_rope, feat_size=feat_size
        )
        return query + self.dropout2(out)

    def _feed_forward(self, query: Tensor) -> Tensor:
        """Pre-norm residual MLP on (B, HW, C)."""
        x = linear_act(self.norm3(query), self.linear1, self.activation)
        return query + self.dropout3(linear_act(self.dropout(x), self.linear2))

    def forward(
        self,
        query: Tensor,
        memory: Tensor,
        query_pos: Optional[Tensor] = None,
        memory_pos: Optional[Tensor] = None,
        num_k_exclude_rope: int = 0,
        feat_size: Optional[Tuple[int, int]] = None,
    ) -> Tensor:
        """Update the current frame's tokens with one block.

        Args:
            query (Tensor): Current-frame tokens (B, HW, C), or (1, HW, C)
                shared by the B memories.
            memory (Tensor): Memory tokens (B, M, C_mem).
            query_pos (Tensor, optional): Position encoding of ``query``
                (B or 1, HW, C). Defaults to None (none added).
            memory_pos (Tensor, optional): Position encoding of ``memory``
                (B, M, C_mem). Defaults to None (none added).
            num_k_exclude_rope (int): Trailing memory tokens (object pointers)
                left out of RoPE. Defaults to 0.
            feat_size (Tuple[int, int], optional): Query grid (H, W).
                Defaults to None (a square grid).

        Returns:
            Tensor: Updated tokens (B, HW, C).
        """
        query = self.self_attend(query, query_pos, feat_size)
        return self.attend_memory(
            query, memory, query_pos, memory_pos, num_k_exclude_rope, feat_size
        )

    def attend_memory(
        self,
        query: Tensor,
        memory: Tensor,
        query_pos: Optional[Tensor] = None,
        memory_pos: Optional[Tensor] = None,
        num_k_exclude_rope: int = 0,
        feat_size: Optional[Tuple[int, int]] = None,
    ) -> Tensor:
        """The block after :meth:`self_attend`: cross-attention and MLP.

        Arguments are those of :meth:`forward`.

        Returns:
            Tensor: Updated tokens (B, HW, C).
        """
        query = self._cross_attend(
            query, memory, query_pos, memory_pos, num_k_exclude_rope, feat_size
        )
        return self._feed_forward(query)


@MODELS.register_module()
class MemoryAttention(BaseModule):
    """Stack of :class:`MemoryAttentionLayer` followed by a final LayerNorm.

    The layers are deep copies of one built layer, so they start identical.

    Args:
        layer (dict): Config of one layer; ``type`` defaults to
            ``'MemoryAttentionLayer'``.
        num_layers (int): Number of layers. Defaults to 4.
        d_model (int): Token channels C. Defaults to 256.
        pos_enc_at_input (bool): Add ``0.1 * curr_pos`` to the input tokens.
            Defaults to True.
        init_cfg (dict, optional): mmengine initialisation config.
            Defaults to None.
    """

    def __init__(
        self,
        layer: dict,
        num_layers: int = 4,
        d_model: int = 256,
        pos_enc_at_input: bool = True,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        first = MODELS.build({'type': 'MemoryAttentionLayer', **layer})
        self.layers = nn.ModuleList([first] + [copy.deepcopy(first) for _ in range(num_layers - 1)])
        self.num_layers = num_layers
        self.d_model = d_model
        self.pos_enc_at_input = pos_enc_at_input
        self.norm = nn.LayerNorm(d_model)

    @staticmethod
    def _check_inputs(
        curr: Tensor,
        memory: Tensor,
        curr_pos: Optional[Tensor],
        memory_pos: Optional[Tensor],
        num_obj_ptr_tokens: int,
        feat_size: Optional[Tuple[int, int]],
    ) -> None:
        """Raise ValueError on inconsistent shapes (see :meth:`forward`)."""
        if curr.dim() != 3 or memory.dim() != 3:
            raise ValueError(
                'curr and memory must be batch-first (B, N, C), got shapes '
                f'{tuple(curr.shape)} and {tuple(memory.shape)}'
            )
        if curr.shape[0] != memory.shape[0]:
            raise ValueError(
                f'batch size differs between curr ({curr.shape[0]}) and memory ({memory.shape[0]})'
            )
        for name, pos, ref in (('curr_pos', curr_pos, curr), ('memory_pos', memory_pos, memory)):
            if pos is not None and pos.shape != ref.shape:
                raise ValueError(
                    f'{name} has shape {tuple(pos.shape)}, expected {tuple(ref.shape)}'
                )
        if not 0 <= num_obj_ptr_tokens <= memory.shape[1]:
            raise ValueError(
                f'num_obj_ptr_tokens ({num_obj_ptr_tokens}) must lie in '
                f'[0, {memory.shape[1]}] (number of memory tokens)'
            )
        if feat_size is not None and feat_size[0] * feat_size[1] != curr.shape[1]:
            raise ValueError(
                f'feat_size {tuple(feat_size)} does not match the {curr.shape[1]} tokens of curr'
            )

    def forward(
        self,
        curr: Tensor,
        memory: Tensor,
        curr_pos: Optional[Tensor] = None,
        memory_pos: Optional[Tensor] = None,
        num_obj_ptr_tokens: int = 0,
        feat_size: Optional[Tuple[int, int]] = None,
    ) -> Tensor:
        """Condition the current frame's features on the memory bank.

        Args:
            curr (Tensor): Current-frame tokens (B, HW, C), row-major over the
                (H, W) grid. When it is one sample expanded to the batch (as
                for several objects on one frame) and so is ``curr_pos``, the
                first self-attention runs once for all. On the CPU, large
                batches then run one sample at a time (see
                :data:`CPU_BATCH_BYTES`).
            memory (Tensor): Memory tokens (B, M, C_mem): spatial memories of
                one or more frames (each HW tokens) followed by
                ``num_obj_ptr_tokens`` object-pointer tokens.
            curr_pos (Tensor, optional): Position encoding of ``curr``
                (B, HW, C). Defaults to None (none added).
            memory_pos (Tensor, optional): Position encoding of ``memory``
                (B, M, C_mem). Defaults to None (none added).
            num_obj_ptr_tokens (int): Number of trailing object-pointer tokens
                of ``memory``, which get no RoPE. Defaults to 0.
            feat_size (Tuple[int, int], optional): Grid (H, W) of ``curr``.
                Defaults to None (a square grid).

        Returns:
            Tensor: Memory-conditioned tokens (B, HW, C).
        """
        self._check_inputs(curr, memory, curr_pos, memory_pos, num_obj_ptr_tokens, feat_size)
        batch = memory.shape[0]
        if _batch_shared(curr) and (curr_pos is None or _batch_shared(curr_pos)):
            # One frame's features for all B objects (an expanded view): until
            # the first cross-attention the B rows would be computed alike.
            curr = curr[:1]
            curr_pos = None if curr_pos is None else curr_pos[:1]
        dtype = compute_dtype(curr)
        if dtype in (torch.bfloat16, torch.float16) and memory.dtype != dtype:
            # Under autocast, cast the memory bank once rather than in every
            # layer's key and value projections.
            memory = memory.to(dtype)
            memory_pos = None if memory_pos is None else memory_pos.to(dtype)
        output = curr
        if self.pos_enc_at_input and curr_pos is not None:
            output = output + 0.1 * curr_pos
        self_attended = output.shape[0] < batch
        if self_attended:
            output = self.layers[0].self_attend(output, curr_pos, feat_size)
        args = (num_obj_ptr_tokens, feat_size, self_attended)
        if not self._one_at_a_time(memory, dtype):
            return self.norm(self._run_layers(output, memory, curr_pos, memory_pos, *args))
        rows = [
            self._run_layers(
                _row(output, i), memory[i : i + 1], _row(curr_pos, i), _row(memory_pos, i), *args
            )
            for i in range(batch)
        ]
        return self.norm(torch.cat(rows))

    def _one_at_a_time(self, memory: Tensor, dtype: torch.dtype) -> bool:
        """Whether to run the batch one sample at a time.

        On the CPU, when the keys and values of the whole batch would pass
        :data:`CPU_BATCH_BYTES`: the allocator maps such buffers afresh at every
        allocation and the page faults cost more than batching saves.
        """
        batch, num_tokens = memory.shape[:2]
        if memory.device.type != 'cpu' or batch == 1:
            return False
        itemsize = torch.empty((), dtype=dtype).element_size()
        return 2 * batch * num_tokens * self.d_model * itemsize > CPU_BATCH_BYTES

    def _run_layers(
        self,
        query: Tensor,
        memory: Tensor,
        query_pos: Optional[Tensor],
        memory_pos: Optional[Tensor],
        num_obj_ptr_tokens: int,
        feat_size: Optional[Tuple[int, int]],
        self_attended: bool,
    ) -> Tensor:
        """Run the layers (the first one's self-attention already done if
        ``self_attended``)."""
        for i, layer in enumerate(self.layers):
            run = layer.attend_memory if i == 0 and self_attended else layer
            query = run(query, memory, query_pos, memory_pos, num_obj_ptr_tokens, feat_size)
        return query
