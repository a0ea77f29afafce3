"""Data structures."""

from .tracking_state import FrameOutput, MemoryBank, PointPrompts

__all__ = ['FrameOutput', 'MemoryBank', 'PointPrompts']
