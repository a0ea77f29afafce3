"""Axial 2-D rotary position encoding (RoPE).

Two equivalent forms: :func:`apply_rope` rotates channel pairs as complex
numbers in float32 (what float32 models use), :func:`apply_rope_real` with
cos / sin tables in the tokens' own dtype (bf16 / fp16 under autocast, where
a round trip through complex float32 would cost more than the rotation).
"""

from typing import Optional, Tuple

import torch


def axial_rope_angles(
    dim: int, height: int, width: int, theta: float = 10000.0, device: torch.device = None
) -> torch.Tensor:
    """Rotation angles of axial 2-D RoPE for a (height, width) token grid.

    Tokens are in row-major order. The first ``dim // 4`` channel pairs rotate
    with the column index, the last ``dim // 4`` pairs with the row index.

    Args:
        dim (int): Channels per attention head (a multiple of 4).
        height (int): Grid rows.
        width (int): Grid columns.
        theta (float): Frequency base. Defaults to 10000.
        device (torch.device, optional): Device of the result. Defaults to None.

    Returns:
        torch.Tensor: Angles of shape (height * width, dim // 2).
    """
    if dim % 4 != 0:
        raise ValueError(f'2-D RoPE needs a head dim divisible by 4, got {dim}')
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 4, device=device)[: dim // 4].float() / dim))
    idx = torch.arange(height * width, dtype=torch.float32, device=device)
    cols = idx % width
    rows = torch.div(idx, width, rounding_mode='floor')
    return torch.cat([torch.outer(cols, freqs), torch.outer(rows, freqs)], dim=-1)


def rope_rotations(angles: torch.Tensor) -> torch.Tensor:
    """Unit complex numbers ``exp(i * angles)``, shape (N, dim // 2), complex64."""
    return torch.polar(torch.ones_like(angles), angles)


def apply_rope(x: torch.Tensor, rotations: torch.Tensor) -> torch.Tensor:
    """Rotate consecutive channel pairs of ``x`` as complex numbers.

    Args:
        x (torch.Tensor): Tokens (B, heads, N, dim). N may be a multiple of the
            table length M (memories of several frames): the table is then
            broadcast over the N // M groups without being copied.
        rotations (torch.Tensor): Complex table (M, dim // 2), N % M == 0.

    Returns:
        torch.Tensor: Rotated tokens (B, heads, N, dim), same dtype as ``x``.
    """
    n, m = x.shape[-2], rotations.shape[0]
    if n % m != 0:
        raise ValueError(f'{n} tokens cannot be tiled by a RoPE table of {m}')
    xc = torch.view_as_complex(x.float().reshape(*x.shape[:-2], n // m, m, -1, 2))
    out = torch.view_as_real(xc * rotations).reshape(x.shape)
    return out.type_as(x)


def rope_cos_sin(angles: torch.Tensor, dtype: torch.dtype) -> Tuple[torch.Tensor, torch.Tensor]:
    """Tables of :func:`apply_rope_real` for the given angles.

    Args:
        angles (torch.Tensor): Angles (N, dim // 2), as from
            :func:`axial_rope_angles`.
        dtype (torch.dtype): Dtype of the tables (that of the tokens).

    Returns:
        Tuple[torch.Tensor, torch.Tensor]: ``cos`` (N, dim), each pair's
        cosine twice, and ``sin`` (N, dim), each pair's sine with the sign of
        the rotation: ``(-sin, +sin)``.
    """
    cos = angles.cos().repeat_interleave(2, dim=-1)
    sin = torch.stack((-angles.sin(), angles.sin()), dim=-1).flatten(-2)
    return cos.to(dtype), sin.to(dtype)


def apply_rope_real(
    x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, out: Optional[torch.Tensor] = None
) -> torch.Tensor:
    """Rotate consecutive channel pairs with real arithmetic in ``x``'s dtype.

    ``(x0, x1) -> (x0 cos - x1 sin, x1 cos + x0 sin)``: the rotation of
    :func:`apply_rope` with the tables of :func:`rope_cos_sin`.

    Args:
        x (torch.Tensor): Tokens (B, heads, N, dim); N may be a multiple of
            the table length M (the tables are then broadcast, not copied).
        cos (torch.Tensor): Cosine table (M, dim).
        sin (torch.Tensor): Signed sine table (M, dim).
        out (torch.Tensor, optional): Where to write the result, same shape
            as ``x`` (may be ``x`` itself). Defaults to None (a new tensor).

    Returns:
        torch.Tensor: Rotated tokens (B, heads, N, dim).
    """
    n, m = x.shape[-2], cos.shape[0]
    if n % m != 0:
        raise ValueError(f'{n} tokens cannot be tiled by a RoPE table of {m}')
    grouped = x.reshape(*x.shape[:-2], n // m, m, x.shape[-1])
    swapped = grouped.unflatten(-1, (-1, 2)).flip(-1).flatten(-2)
    rotated = grouped * cos
    if out is None:
        return torch.addcmul(rotated, swapped, sin).reshape(x.shape)
    if torch.is_grad_enabled():  # out= variants are not differentiable
        return out.copy_(torch.addcmul(rotated, swapped, sin).reshape(x.shape))
    torch.addcmul(rotated, swapped, sin, out=out.view(grouped.shape))
    return out


def rotate_channels_first_(x: torch.Tensor, cos_t: torch.Tensor, sin_t: torch.Tensor) -> None:
    """:func:`apply_rope_real` in place on tokens stored channels first.

    Args:
        x (torch.Tensor): Tokens (..., dim, N), rotated in place; N may be a
            multiple of the table length M (the tables are then broadcast).
        cos_t (torch.Tensor): Cosine table transposed, (dim, M).
        sin_t (torch.Tensor): Signed sine table transposed, (dim, M).
    """
    dim, m = cos_t.shape
    if x.shape[-1] % m != 0:
        raise ValueError(f'{x.shape[-1]} tokens cannot be tiled by a RoPE table of {m}')
    pairs = x.unflatten(-1, (-1, m)).unflatten(-3, (dim // 2, 2))  # (..., dim/2, 2, r, M)
    cos_t, sin_t = (t.view(dim // 2, 2, 1, m) for t in (cos_t, sin_t))
    torch.addcmul(pairs * cos_t, pairs.flip(-3), sin_t, out=pairs)
