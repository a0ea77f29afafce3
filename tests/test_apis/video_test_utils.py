"""Synthetic frames and video files shared by the video predictor tests."""

import av
import numpy as np


def make_frames(num: int = 5, height: int = 48, width: int = 64) -> np.ndarray:
    """(T, H, W, 3) uint8 frames: a bright square moving right on dark noise."""
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 60, (num, height, width, 3), dtype=np.uint8)
    for t in range(num):
        frames[t, 10:30, 5 + 3 * t : 25 + 3 * t] = (230, 200, 40)
    return frames


def write_video(path: str, frames: np.ndarray, codec: str = 'mpeg4', options=None) -> str:
    """Encode (T, H, W, 3) RGB frames into a video file with PyAV.

    Args:
        path (str): Output file (the container follows the extension).
        frames (np.ndarray): Frames (even height and width).
        codec (str): Encoder. Defaults to 'mpeg4'.
        options (dict, optional): Encoder options (e.g. ``{'g': '4'}``).

    Returns:
        str: ``path``.
    """
    with av.open(path, 'w') as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], 'yuv420p'
        stream.options = dict(options or {})
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())
    return path
