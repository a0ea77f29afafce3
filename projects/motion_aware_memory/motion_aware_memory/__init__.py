"""Motion-aware memory for SAM 2 (after SAMURAI): a Kalman filter on each object's box
weighs the choice among candidate masks, and only confident frames enter memory."""

from .kalman_filter import BoxKalmanFilter, box_iou, masks_to_boxes, xyah_to_xyxy, xyxy_to_xyah
from .motion_aware_policy import MotionAwareMemoryPolicy, MotionState

__all__ = [
    'BoxKalmanFilter',
    'MotionAwareMemoryPolicy',
    'MotionState',
    'box_iou',
    'masks_to_boxes',
    'xyah_to_xyxy',
    'xyxy_to_xyah',
]
