"""backbones."""

from .hiera import Hiera

__all__ = ['Hiera']
