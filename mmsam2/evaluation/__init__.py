"""Evaluation: VOS metrics (DAVIS, SA-V, seen / unseen splits), functions and leaderboard."""

from . import functional, leaderboard, metrics
from .metrics import SAVMetric, VOSMetric

__all__ = ['SAVMetric', 'VOSMetric', 'functional', 'leaderboard', 'metrics']
