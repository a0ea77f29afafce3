"""Write RGB frames to a video file with PyAV."""

from typing import Optional

import av
import numpy as np

PREFERRED_CODECS = ('libx264', 'mpeg4')
"""Encoders tried in order (H.264 when FFmpeg has it, else MPEG-4 part 2)."""


class VideoWriter:
    """Encode (H, W, 3) uint8 RGB frames into a video file, one at a time.

    Frames of odd height or width get one replicated row / column (the
    yuv420p pixel format needs even sizes).

    Args:
        path (str): Output file; the container follows the extension (.mp4).
        fps (float): Frame rate. Defaults to 25.
        codec (str, optional): Encoder. Defaults to None (the first of
            :data:`PREFERRED_CODECS` that FFmpeg has).

    Examples:
        >>> with VideoWriter('overlay.mp4', fps=30) as writer:
        ...     for frame in frames:
        ...         writer.write(frame)
    """

    def __init__(self, path: str, fps: float = 25.0, codec: Optional[str] = None) -> None:
        if codec is None:
            codec = next((c for c in PREFERRED_CODECS if c in av.codecs_available), 'mpeg4')
        self.path = path
        self._container = av.open(path, 'w')
        self._stream = self._container.add_stream(codec, rate=round(fps))
        self._stream.pix_fmt = 'yuv420p'
        self._size: Optional[tuple] = None
        self.num_frames = 0

    def write(self, frame: np.ndarray) -> None:
        """Append one frame (all frames must have one size).

        Args:
            frame (np.ndarray): (H, W, 3) uint8 RGB frame.
        """
        height, width = frame.shape[:2]
        even = np.pad(frame, ((0, height % 2), (0, width % 2), (0, 0)), mode='edge')
        if self._size is None:
            self._size = even.shape[:2]
            self._stream.height, self._stream.width = self._size
        elif even.shape[:2] != self._size:
            raise ValueError(f'frame of size {frame.shape[:2]} in a video of {self._size}')
        video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(even), format='rgb24')
        self._container.mux(self._stream.encode(video_frame))
        self.num_frames += 1

    def close(self) -> None:
        """Flush the encoder and close the file."""
        if self._size is not None:
            self._container.mux(self._stream.encode())
        self._container.close()

    def __enter__(self) -> 'VideoWriter':
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
