"""Segmentors: full models."""

from .sam2 import SAM2, ImageFeatures, SAMHeadOutput, apply_non_overlapping_constraints

__all__ = ['SAM2', 'ImageFeatures', 'SAMHeadOutput', 'apply_non_overlapping_constraints']
