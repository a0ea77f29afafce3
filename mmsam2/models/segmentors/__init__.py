"""Segmentors: full models."""

from .sam2 import SAM2, ImageFeatures, SAMHeadOutput, apply_non_overlapping_constraints
from .sam2_train import SAM2Train, gather_clip_targets

__all__ = [
    'SAM2',
    'ImageFeatures',
    'SAM2Train',
    'SAMHeadOutput',
    'apply_non_overlapping_constraints',
    'gather_clip_targets',
]
