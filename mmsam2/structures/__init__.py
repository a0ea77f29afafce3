"""Data structures."""

from .prompt_checks import PromptError
from .tracking_state import FrameOutput, MemoryBank, MemoryEntry, PointPrompts
from .vos_video import VOSVideo

__all__ = ['FrameOutput', 'MemoryBank', 'MemoryEntry', 'PointPrompts', 'PromptError', 'VOSVideo']
