"""Runner-level components (hooks, loops, optimizer constructors)."""

from . import hooks, optimizers

__all__ = ['hooks', 'optimizers']
