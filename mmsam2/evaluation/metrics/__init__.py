"""Metrics registered in ``mmsam2.registry.METRICS``."""

from .sav_metric import SAVMetric
from .vos_metric import VOSMetric

__all__ = ['SAVMetric', 'VOSMetric']
