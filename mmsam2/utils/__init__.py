"""Utilities."""

from .checkpoint import (
    CHECKPOINT_SAFE_GLOBALS,
    CheckpointError,
    CheckpointMismatchError,
    CheckpointNotFoundError,
    UntrustedCheckpointError,
    check_state_dict_matches,
    checkpoint_with_state_dict,
    convert_meta_sam2_state_dict,
    is_meta_sam2_state_dict,
    load_checkpoint_file,
    load_model_weights,
    local_checkpoint_path,
    unwrap_state_dict,
)
from .image_io import read_rgb_image, write_rgb_image
from .mask_ops import (
    batched_mask_to_box,
    connected_components,
    fill_holes_in_mask_scores,
    remove_small_regions,
    remove_sprinkles_in_mask_scores,
    small_components,
)
from .nms import batched_nms, box_area, nms
from .rle import area_from_rle, coco_encode_rle, mask_to_rle, rle_to_mask

__all__ = [
    'CHECKPOINT_SAFE_GLOBALS',
    'CheckpointError',
    'CheckpointMismatchError',
    'CheckpointNotFoundError',
    'UntrustedCheckpointError',
    'check_state_dict_matches',
    'checkpoint_with_state_dict',
    'convert_meta_sam2_state_dict',
    'is_meta_sam2_state_dict',
    'load_checkpoint_file',
    'load_model_weights',
    'local_checkpoint_path',
    'unwrap_state_dict',
    'read_rgb_image',
    'write_rgb_image',
    'batched_mask_to_box',
    'connected_components',
    'fill_holes_in_mask_scores',
    'remove_small_regions',
    'remove_sprinkles_in_mask_scores',
    'small_components',
    'batched_nms',
    'box_area',
    'nms',
    'area_from_rle',
    'coco_encode_rle',
    'mask_to_rle',
    'rle_to_mask',
]
