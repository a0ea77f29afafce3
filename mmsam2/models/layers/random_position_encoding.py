"""Position encoding with random Gaussian Fourier features (SAM's prompt PE)."""

import math
from typing import Optional, Tuple

import torch
import torch.nn as nn

from mmsam2.registry import MODELS


@MODELS.register_module()
class RandomPositionEmbedding(nn.Module):
    """Encode 2-D positions with fixed random spatial frequencies.

    A position ``p`` normalised to ``[0, 1]^2`` is mapped to
    ``[sin(2 pi (2p - 1) G), cos(2 pi (2p - 1) G)]`` where ``G`` is a (2, F)
    Gaussian matrix drawn once at construction. ``G`` is stored as the buffer
    ``positional_encoding_gaussian_matrix``, the name used by SAM checkpoints.

    Args:
        num_pos_feats (int): Number of frequencies F; the output has 2F
            channels. Defaults to 64.
        scale (float, optional): Standard deviation of the frequencies; a
            missing or non-positive value means 1. Defaults to None.
    """

    def __init__(self, num_pos_feats: int = 64, scale: Optional[float] = None) -> None:
        super().__init__()
        if scale is None or scale <= 0.0:
            scale = 1.0
        self.register_buffer(
            'positional_encoding_gaussian_matrix', scale * torch.randn(2, num_pos_feats)
        )

    def _encode(self, coords: torch.Tensor) -> torch.Tensor:
        """Encode (x, y) positions normalised to [0, 1].

        Args:
            coords (torch.Tensor): Positions of shape (..., 2).

        Returns:
            torch.Tensor: Encoding of shape (..., 2F), sines then cosines.
        """
        angles = (2 * coords - 1) @ self.positional_encoding_gaussian_matrix
        angles = (2 * math.pi) * angles
        return torch.cat([angles.sin(), angles.cos()], dim=-1)

    def forward(self, size: Tuple[int, int]) -> torch.Tensor:
        """Encode the pixel centres of a (H, W) grid.

        Args:
            size (Tuple[int, int]): Grid size (H, W).

        Returns:
            torch.Tensor: Encoding of shape (2F, H, W).
        """
        height, width = size
        device = self.positional_encoding_gaussian_matrix.device
        y = (torch.arange(height, dtype=torch.float32, device=device) + 0.5) / height
        x = (torch.arange(width, dtype=torch.float32, device=device) + 0.5) / width
        grid = torch.stack(
            [x[None, :].expand(height, width), y[:, None].expand(height, width)], dim=-1
        )
        return self._encode(grid).permute(2, 0, 1)

    def forward_with_coords(
        self, coords: torch.Tensor, image_size: Tuple[int, int]
    ) -> torch.Tensor:
        """Encode points given in pixels of an image.

        Args:
            coords (torch.Tensor): (x, y) pixel coordinates of shape (B, N, 2).
            image_size (Tuple[int, int]): Image size (H, W) used to normalise
                the coordinates.

        Returns:
            torch.Tensor: Encoding of shape (B, N, 2F).
        """
        height, width = image_size
        extent = coords.new_tensor([width, height], dtype=torch.float32)
        return self._encode(coords.float() / extent)
