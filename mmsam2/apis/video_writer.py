"""mp4 writing (moved to :mod:`mmsam2.fileio.video_writer`)."""

from mmsam2.fileio.video_writer import VideoWriter

__all__ = ['VideoWriter']
