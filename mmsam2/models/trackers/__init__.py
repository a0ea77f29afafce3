"""Trackers: SAM 2 tracking of the objects an mmdet detector finds."""

from .detect_and_track import DetectAndTrack, TrackLifecycleSettings
from .frame_detector import (
    Detections,
    FrameDetector,
    build_detector,
    ndarray_pipeline,
    parse_text_prompt,
)
from .matching import Association, assign, associate, mask_iou
from .propagation_session import PropagationSession
from .sam2_detection_tracker import SAM2DetTracker
from .track_manager import Track, TrackManager
from .tracked_frame import TrackedFrame

__all__ = [
    'Association',
    'DetectAndTrack',
    'Detections',
    'FrameDetector',
    'PropagationSession',
    'SAM2DetTracker',
    'Track',
    'TrackManager',
    'TrackedFrame',
    'TrackLifecycleSettings',
    'assign',
    'associate',
    'build_detector',
    'mask_iou',
    'ndarray_pipeline',
    'parse_text_prompt',
]
