"""Attention to narrow values with the value projection applied afterwards.

SAM 2's memory cross-attention reads 64-channel memory tokens whose values
``v_proj`` widens to 256 channels before the attention. Since each row of
the attention weights sums to one,

    softmax(q k^T) (m W_v^T + b_v) = (softmax(q k^T) m) W_v^T + b_v,

so attending to the 64-channel memory and projecting the result gives the
same output with a quarter of the weight-times-value work, and ``v_proj``
then runs on the queries instead of on every memory token. torch's CPU
flash-attention kernel wants values as wide as queries, so on the CPU the
weights are computed block by block of queries (a matrix product, softmax
in place, a matrix product), which at 4,096 queries and 28,736 keys is 1.3
to 1.5 times faster than the flash kernel on the widened values. Results
differ from the unfolded computation by rounding only.
"""

from typing import Optional

import torch

# Bytes of attention weights held at once (one block of queries x all keys).
CHUNK_BYTES = 32 * 2**20


def keys_for_products(k: torch.Tensor) -> torch.Tensor:
    """Keys (..., M, D) as the (..., D, M) operand of :func:`attend_narrow_values`.

    Half-precision keys are copied into a contiguous matrix: oneDNN's
    bfloat16 products are up to 1.5x slower on a transposed view (float32
    ones are not, and the copy would cost more than it saves).
    """
    keys_t = k.transpose(-2, -1)
    return keys_t if k.element_size() >= 4 else keys_t.contiguous()


def _attend_blocks(
    q: torch.Tensor, keys_t: torch.Tensor, v: torch.Tensor, out: torch.Tensor
) -> None:
    """out = softmax(q k^T) v for (N, D) q, (D, M) k^T, (M, E) v, in blocks of queries.

    Blocks are a multiple of 64 rows: oneDNN's bfloat16 products are up to
    2x slower on other row counts.
    """
    num_keys = keys_t.shape[-1]
    rows = max(64, CHUNK_BYTES // (num_keys * keys_t.element_size()) // 64 * 64)
    weights = q.new_empty(min(rows, q.shape[0]), num_keys)
    for start in range(0, q.shape[0], rows):
        block = weights[: min(rows, q.shape[0] - start)]
        torch.mm(q[start : start + rows], keys_t, out=block)
        torch.ops.aten._softmax.out(block, -1, False, out=block)
        torch.mm(block, v, out=out[start : start + rows])


def attend_narrow_values(
    q: torch.Tensor,
    keys_t: torch.Tensor,
    values: torch.Tensor,
    v_weight: torch.Tensor,
    v_bias: Optional[torch.Tensor],
) -> torch.Tensor:
    """Multi-head attention (on the CPU) whose values are projected after it.

    Args:
        q (torch.Tensor): Queries (B or 1, heads, N, D), already rotated /
            projected; (1, ...) is shared by every key set.
        keys_t (torch.Tensor): Keys channels first (B, heads, D, M), e.g.
            from :func:`keys_for_products`.
        values (torch.Tensor): Unprojected values (B, M, E), E < D.
        v_weight (torch.Tensor): ``v_proj`` weight (heads * D, E).
        v_bias (torch.Tensor, optional): ``v_proj`` bias (heads * D, ).

    Returns:
        torch.Tensor: Attention output (B, heads, N, D), as if the values had
        been projected first.
    """
    batch, heads = keys_t.shape[:2]
    dtype = q.dtype
    scale = q.shape[-1] ** -0.5
    values = values.to(dtype)
    narrow = q.new_empty(batch, heads, q.shape[2], values.shape[-1])
    for b in range(batch):
        for h in range(heads):
            query = q[min(b, q.shape[0] - 1), h] * scale
            _attend_blocks(query, keys_t[b, h], values[b], narrow[b, h])
    weight = v_weight.to(dtype).unflatten(0, (heads, -1))  # (heads, D, E)
    out = torch.einsum('bhne,hde->bhnd', narrow, weight)
    if v_bias is not None:
        out = out + v_bias.to(dtype).view(1, heads, 1, -1)
    return out
