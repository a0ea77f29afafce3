"""Metrics registered in ``mmsam2.registry.METRICS``."""

from .sav_metric import SAVMetric
from .track_mask_metric import TrackMaskMetric
from .vos_metric import VOSMetric
from .vos_submission import VOSSubmission

__all__ = ['SAVMetric', 'TrackMaskMetric', 'VOSMetric', 'VOSSubmission']
