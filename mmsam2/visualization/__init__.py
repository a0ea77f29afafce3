"""Visualization: SAM 2 overlays and the DAVIS palette."""

from .palette import DAVIS_PALETTE, davis_palette, object_colors
from .sam2_visualizer import SAM2Visualizer

__all__ = ['DAVIS_PALETTE', 'SAM2Visualizer', 'davis_palette', 'object_colors']
