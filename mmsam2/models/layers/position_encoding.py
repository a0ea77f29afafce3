"""Sine position encodings (2-D maps and 1-D indices)."""

import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn

from mmsam2.registry import MODELS


def sine_frequencies(num_feats: int, temperature: float, device: torch.device) -> torch.Tensor:
    """Frequencies ``temperature ** (2 * (i // 2) / num_feats)`` for i < num_feats.

    Args:
        num_feats (int): Number of features of one axis.
        temperature (float): Base of the geometric progression.
        device (torch.device): Device of the result.

    Returns:
        torch.Tensor: Shape (num_feats, ), float32.
    """
    idx = torch.arange(num_feats, dtype=torch.float32, device=device)
    return temperature ** (2 * torch.div(idx, 2, rounding_mode='floor') / num_feats)


def sine_embed_1d(positions: torch.Tensor, dim: int, temperature: float = 10000) -> torch.Tensor:
    """1-D sine/cosine embedding of (possibly fractional) positions.

    The first ``dim // 2`` channels are sines, the last ``dim // 2`` cosines.

    Args:
        positions (torch.Tensor): Positions of any shape (...).
        dim (int): Output channels.
        temperature (float): Frequency base. Defaults to 10000.

    Returns:
        torch.Tensor: Shape (..., dim).
    """
    freqs = sine_frequencies(dim // 2, temperature, positions.device)
    angles = positions.unsqueeze(-1) / freqs
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def _interleave_sin_cos(angles: torch.Tensor) -> torch.Tensor:
    """Sine of even channels and cosine of odd channels, interleaved (..., C)."""
    return torch.stack((angles[..., 0::2].sin(), angles[..., 1::2].cos()), dim=-1).flatten(-2)


@MODELS.register_module()
class SinePositionEmbedding(nn.Module):
    """DETR-style 2-D sine position encoding of a feature map.

    Half the channels encode the row (y), half the column (x); rows come first.
    Encodings are cached per map size and dtype, so they are computed once per
    resolution (and cast once, e.g. to bf16 under autocast).

    Args:
        num_pos_feats (int): Total number of output channels (even).
        temperature (float): Frequency base. Defaults to 10000.
        normalize (bool): Normalise coordinates to ``(0, scale]``.
            Defaults to True.
        scale (float, optional): Scale of normalised coordinates; only valid
            with ``normalize=True``. Defaults to None (2 * pi).
    """

    def __init__(
        self,
        num_pos_feats: int,
        temperature: float = 10000,
        normalize: bool = True,
        scale: Optional[float] = None,
    ) -> None:
        super().__init__()
        if num_pos_feats % 2 != 0:
            raise ValueError(f'num_pos_feats must be even, got {num_pos_feats}')
        if scale is not None and not normalize:
            raise ValueError('scale is only used with normalize=True')
        self.num_pos_feats = num_pos_feats
        self.temperature = temperature
        self.normalize = normalize
        self.scale = 2 * math.pi if scale is None else scale
        self._cache: Dict[Tuple[int, int, torch.device, torch.dtype], torch.Tensor] = {}

    def _encode_map(self, height: int, width: int, device: torch.device) -> torch.Tensor:
        half = self.num_pos_feats // 2
        y = torch.arange(1, height + 1, dtype=torch.float32, device=device)
        x = torch.arange(1, width + 1, dtype=torch.float32, device=device)
        if self.normalize:
            eps = 1e-6
            y = y / (y[-1:] + eps) * self.scale
            x = x / (x[-1:] + eps) * self.scale
        freqs = sine_frequencies(half, self.temperature, device)
        pos_y = _interleave_sin_cos(y[:, None] / freqs)  # (H, half)
        pos_x = _interleave_sin_cos(x[:, None] / freqs)  # (W, half)
        pos = torch.cat(
            (
                pos_y[:, None, :].expand(height, width, half),
                pos_x[None, :, :].expand(height, width, half),
            ),
            dim=-1,
        )
        return pos.permute(2, 0, 1).contiguous()

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encoding for the spatial size of ``x``.

        Args:
            x (torch.Tensor): Feature map (B, C, H, W); only its shape, device
                and dtype are used.

        Returns:
            torch.Tensor: Encoding (B, num_pos_feats, H, W), computed in
            float32 and given in the dtype of ``x`` (a floating dtype; float32
            otherwise). An expanded view of a cached map: do not modify it in
            place.
        """
        dtype = x.dtype if x.is_floating_point() else torch.float32
        key = (x.shape[-2], x.shape[-1], x.device, dtype)
        pos = self._cache.get(key)
        if pos is None:
            pos = self._encode_map(key[0], key[1], x.device).to(dtype)
            self._cache[key] = pos
        return pos.unsqueeze(0).expand(x.shape[0], -1, -1, -1)
