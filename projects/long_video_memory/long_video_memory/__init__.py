"""Long-video memory for SAM 2 (after SAM2Long): several memory pathways per object,
the most confident kept, and memory of confident frames only."""

from .long_video_policy import LongVideoMemoryPolicy
from .pathways import PathwayMemory, Pathways, candidate_scores, select_pathways

__all__ = [
    'LongVideoMemoryPolicy',
    'PathwayMemory',
    'Pathways',
    'candidate_scores',
    'select_pathways',
]
