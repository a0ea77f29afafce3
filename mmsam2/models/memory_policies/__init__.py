"""Memory policies: which past frames a tracking step reads, which mask it outputs.

Registered in ``TASK_UTILS`` and chosen with ``SAM2(memory_policy=dict(type=...))``;
the default, :class:`SAM2MemoryPolicy`, is Meta's SAM 2;
:class:`SelectiveMemoryPolicy` remembers only frames admitted by a per-object flag
(the base of the motion-aware and long-video policies in ``projects/``).
"""

from .base_memory_policy import BaseMemoryPolicy, MaskChoice, PolicyState, TrackStep
from .memory_read import (
    MemoryRead,
    PointerMemory,
    RowMemory,
    SpatialMemory,
    group_row_reads,
    pick_confident_frames,
)
from .sam2_memory_policy import SAM2MemoryPolicy
from .selective_memory_policy import MemorySource, SelectiveMemoryPolicy, admitted_rows

__all__ = [
    'BaseMemoryPolicy',
    'MemorySource',
    'MaskChoice',
    'MemoryRead',
    'PointerMemory',
    'PolicyState',
    'RowMemory',
    'SAM2MemoryPolicy',
    'SelectiveMemoryPolicy',
    'SpatialMemory',
    'TrackStep',
    'admitted_rows',
    'group_row_reads',
    'pick_confident_frames',
]
