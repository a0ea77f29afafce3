"""Utilities."""

from .checkpoint import (
    CheckpointMismatchError,
    check_state_dict_matches,
    convert_meta_sam2_state_dict,
    is_meta_sam2_state_dict,
    load_local_checkpoint,
    torch_load,
    unwrap_state_dict,
)

__all__ = [
    'CheckpointMismatchError',
    'check_state_dict_matches',
    'convert_meta_sam2_state_dict',
    'is_meta_sam2_state_dict',
    'load_local_checkpoint',
    'torch_load',
    'unwrap_state_dict',
]
