"""Models: backbones, necks, heads, memory modules, segmentors, trackers and losses."""

from . import (
    backbones,
    data_preprocessors,
    heads,
    layers,
    losses,
    memory,
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
    'necks',
    'segmentors',
    'trackers',
]
