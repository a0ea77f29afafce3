"""mmsam2: Segment Anything 2 as an OpenMMLab toolbox."""

from .version import __version__

__all__ = ['__version__']
