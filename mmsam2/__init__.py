"""mmsam2: Segment Anything 2 as an OpenMMLab toolbox."""

from . import utils  # noqa: F401  (registers the checkpoint loader)
from .version import __version__

__all__ = ['__version__']
