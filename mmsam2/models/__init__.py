"""Models: backbones, necks, heads, memory modules, segmentors and losses."""

from . import backbones, data_preprocessors, heads, layers, losses, memory, necks, segmentors

__all__ = [
    'backbones',
    'data_preprocessors',
    'heads',
    'layers',
    'losses',
    'memory',
    'necks',
    'segmentors',
]
