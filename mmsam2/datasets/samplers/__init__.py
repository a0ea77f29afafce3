"""Data samplers for training."""

from .mixed_ratio_sampler import MixedRatioSampler

__all__ = ['MixedRatioSampler']
