"""Metrics registered in ``mmsam2.registry.METRICS``."""

from .sav_metric import SAVMetric
from .vos_metric import VOSMetric
from .vos_submission import VOSSubmission

__all__ = ['SAVMetric', 'VOSMetric', 'VOSSubmission']
