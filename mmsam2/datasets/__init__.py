"""VOS benchmark datasets (one item per video), mask IO, result writers and a
synthetic benchmark generator."""

from .base_vos_dataset import BaseVOSDataset
from .davis import DAVISDataset
from .errors import VOSDatasetError
from .lvos import LVOSDataset
from .mask_io import (
    DAVIS_PALETTE,
    VOID_ID,
    encode_palette_png,
    read_binary_mask,
    read_palette_mask,
    split_id_map,
    write_binary_mask,
    write_palette_mask,
)
from .mose import MOSEDataset
from .sav import SAVDataset
from .synthetic import FORMATS, SPLITS, SYNTHETIC_CLASSES, data_root_of, generate_synthetic_vos
from .video_frames import VideoFrames, image_size, sort_frame_names
from .video_masks import VideoMasks
from .writers import CodaLabZipWriter, DAVISWriter, SAVWriter, masks_to_id_map, stack_masks
from .youtube_vos import YouTubeVOSDataset

__all__ = [
    'BaseVOSDataset',
    'CodaLabZipWriter',
    'DAVISDataset',
    'DAVISWriter',
    'DAVIS_PALETTE',
    'FORMATS',
    'LVOSDataset',
    'MOSEDataset',
    'SAVDataset',
    'SAVWriter',
    'SPLITS',
    'SYNTHETIC_CLASSES',
    'VOID_ID',
    'VOSDatasetError',
    'VideoFrames',
    'VideoMasks',
    'YouTubeVOSDataset',
    'data_root_of',
    'encode_palette_png',
    'generate_synthetic_vos',
    'image_size',
    'masks_to_id_map',
    'read_binary_mask',
    'read_palette_mask',
    'sort_frame_names',
    'split_id_map',
    'stack_masks',
    'write_binary_mask',
    'write_palette_mask',
]
