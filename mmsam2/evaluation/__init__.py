"""Evaluation: VOS metrics (DAVIS, SA-V, seen / unseen splits), functions and leaderboard."""

from . import functional, leaderboard, metrics
from .metrics import SAVMetric, VOSMetric, VOSSubmission

__all__ = ['SAVMetric', 'VOSMetric', 'VOSSubmission', 'functional', 'leaderboard', 'metrics']
