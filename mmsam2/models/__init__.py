"""Models: backbones, necks, heads, memory modules and policies, segmentors, trackers and losses."""

from . import (
    backbones,
    data_preprocessors,
    heads,
    layers,
    losses,
    memory,
    memory_policies,
    necks,
    segmentors,
    trackers,
)
from .utils import safe_pretrained_init  # noqa: F401  (registers 'Pretrained' in mmsam2's scope)

__all__ = [
    'backbones',
    'data_preprocessors',
    'heads',
    'layers',
    'losses',
    'memory',
    'memory_policies',
    'necks',
    'segmentors',
    'trackers',
]
