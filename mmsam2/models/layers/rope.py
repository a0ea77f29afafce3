"""Axial 2-D rotary position encoding (RoPE)."""

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
