"""Runner-level components (runner, hooks, loops, optimizer constructors)."""

from . import hooks, optimizers
from .runner import SafeRunner

__all__ = ['SafeRunner', 'hooks', 'optimizers']
