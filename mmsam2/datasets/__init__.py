"""VOS benchmark datasets (one item per video), SA-V train read from its mp4 and
json files, mask IO, result writers, synthetic data generators, and training
clips (video and image) with their samplers and transforms."""

from mmsam2.fileio.video_frames import VideoFrames, image_size, sort_frame_names

from .base_clip_dataset import BaseClipDataset
from .base_vos_dataset import BaseVOSDataset
from .coco_masks import COCOMaskClipDataset
from .davis import DAVISDataset
from .errors import VOSDatasetError
from .image_as_clip_dataset import BaseImageClipDataset
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
from .sa1b import SA1BDataset
from .samplers import MixedRatioSampler
from .sav import SAVDataset
from .sav_train import SAVTrainDataset
from .sav_train_frames import EncodedVideoFrames
from .sav_train_masklets import AUTO_ID_OFFSET, SAVMasklets
from .sav_train_writer import generate_synthetic_sav_train, write_sav_train_video
from .synthetic import FORMATS, SPLITS, SYNTHETIC_CLASSES, data_root_of, generate_synthetic_vos
from .video_masks import VideoMasks
from .vos_clip_dataset import VOSClipDataset
from .writers import CodaLabZipWriter, DAVISWriter, SAVWriter, masks_to_id_map, stack_masks
from .youtube_vos import YouTubeVOSDataset

__all__ = [
    'AUTO_ID_OFFSET',
    'BaseClipDataset',
    'BaseImageClipDataset',
    'BaseVOSDataset',
    'COCOMaskClipDataset',
    'CodaLabZipWriter',
    'DAVISDataset',
    'DAVISWriter',
    'DAVIS_PALETTE',
    'EncodedVideoFrames',
    'FORMATS',
    'LVOSDataset',
    'MOSEDataset',
    'MixedRatioSampler',
    'SA1BDataset',
    'SAVDataset',
    'SAVMasklets',
    'SAVTrainDataset',
    'SAVWriter',
    'SPLITS',
    'SYNTHETIC_CLASSES',
    'VOID_ID',
    'VOSClipDataset',
    'VOSDatasetError',
    'VideoFrames',
    'VideoMasks',
    'YouTubeVOSDataset',
    'data_root_of',
    'encode_palette_png',
    'generate_synthetic_sav_train',
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
    'write_sav_train_video',
]
