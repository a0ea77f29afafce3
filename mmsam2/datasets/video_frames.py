"""Frame folders of VOS datasets (moved to :mod:`mmsam2.fileio.video_frames`)."""

from mmsam2.fileio.video_frames import VideoFrames, image_size, open_image, sort_frame_names

__all__ = ['VideoFrames', 'image_size', 'open_image', 'sort_frame_names']
