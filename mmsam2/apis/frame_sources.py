"""Frame sources of the video predictor (moved to :mod:`mmsam2.fileio.frame_sources`)."""

from mmsam2.fileio.frame_sources import (
    ArrayFrames,
    FolderFrames,
    FrameSource,
    LiveFrames,
    VideoFileFrames,
    VideoInput,
    as_rgb_frame,
    open_frame_source,
)

__all__ = [
    'ArrayFrames',
    'FolderFrames',
    'FrameSource',
    'LiveFrames',
    'VideoFileFrames',
    'VideoInput',
    'as_rgb_frame',
    'open_frame_source',
]
