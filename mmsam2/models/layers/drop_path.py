"""Stochastic depth."""

import torch
import torch.nn as nn


class DropPath(nn.Module):
    """Drop whole residual branches per sample during training.

    Args:
        drop_prob (float): Probability of dropping a sample's branch.
            Defaults to 0.
        scale_by_keep (bool): Divide kept samples by the keep probability.
            Defaults to True.
    """

    def __init__(self, drop_prob: float = 0.0, scale_by_keep: bool = True) -> None:
        super().__init__()
        self.drop_prob = drop_prob
        self.scale_by_keep = scale_by_keep

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Randomly zero samples of ``x`` (B, ...) in training mode."""
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep = 1.0 - self.drop_prob
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        if keep > 0.0 and self.scale_by_keep:
            mask.div_(keep)
        return x * mask
