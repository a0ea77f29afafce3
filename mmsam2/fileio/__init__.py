"""File input and output: frames in (folders, arrays, streams, video files),
videos out, and the errors of unreadable data.

The lowest layer with ``registry``, ``structures`` and ``utils``: datasets,
predictors and visualisation all read and write through it.
"""

from .errors import VideoPredictorError, VOSDatasetError
from .frame_sources import (
    ArrayFrames,
    FolderFrames,
    FrameSource,
    LiveFrames,
    VideoFileFrames,
    VideoInput,
    as_rgb_frame,
    open_frame_source,
)
from .video_frames import VideoFrames, image_size, open_image, sort_frame_names
from .video_writer import VideoWriter

__all__ = [
    'ArrayFrames',
    'FolderFrames',
    'FrameSource',
    'LiveFrames',
    'VOSDatasetError',
    'VideoFileFrames',
    'VideoFrames',
    'VideoInput',
    'VideoPredictorError',
    'VideoWriter',
    'as_rgb_frame',
    'image_size',
    'open_frame_source',
    'open_image',
    'sort_frame_names',
]
