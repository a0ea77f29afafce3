"""Axial 2-D rotary position encoding (RoPE) on real tensors."""

from typing import Tuple

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


def rope_cos_sin(angles: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Cosine and sine tables of RoPE angles, each (N, dim // 2)."""
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate consecutive channel pairs of ``x`` by the given angles.

    Args:
        x (torch.Tensor): Tokens (B, heads, N, dim). N may be a multiple of the
            table length (memory of several frames), in which case the table
            is repeated along the tokens.
        cos (torch.Tensor): Cosines (M, dim // 2) with N % M == 0.
        sin (torch.Tensor): Sines (M, dim // 2).

    Returns:
        torch.Tensor: Rotated tokens, same shape and dtype as ``x``.
    """
    n, m = x.shape[-2], cos.shape[0]
    if n != m:
        if n % m != 0:
            raise ValueError(f'{n} tokens cannot be tiled by a RoPE table of {m}')
        reps = n // m
        cos, sin = cos.repeat(reps, 1), sin.repeat(reps, 1)
    xf = x.float().unflatten(-1, (-1, 2))
    x_even, x_odd = xf[..., 0], xf[..., 1]
    out = torch.stack((x_even * cos - x_odd * sin, x_even * sin + x_odd * cos), dim=-1)
    return out.flatten(-2).type_as(x)
