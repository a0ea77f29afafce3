"""High-level APIs."""

from .automatic_mask_generator import SAM2AutomaticMaskGenerator
from .image_predictor import SAM2ImagePredictor
from .inference import init_model
from .sam2_inferencer import SAM2Inferencer
from .video_errors import VideoPredictorError
from .video_predictor import SAM2VideoPredictor
from .video_state import VideoInferenceState

__all__ = [
    'SAM2AutomaticMaskGenerator',
    'SAM2ImagePredictor',
    'SAM2Inferencer',
    'SAM2VideoPredictor',
    'VideoInferenceState',
    'VideoPredictorError',
    'init_model',
]
