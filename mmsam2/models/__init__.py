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
