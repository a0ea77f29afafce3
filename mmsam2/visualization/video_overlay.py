"""Overlay videos of tracked masks."""

import os
import os.path as osp
from typing import List, Sequence

import numpy as np

from mmsam2.fileio.video_writer import VideoWriter

from .sam2_visualizer import SAM2Visualizer


class OverlayVideoWriter:
    """Draw each tracked frame's masks and ids and encode them into an mp4.

    Args:
        path (str): Output video file.
        frames (Sequence[np.ndarray]): The video's (H, W, 3) RGB frames
            (decoded when a frame is drawn).
        fps (float): Frame rate. Defaults to 24.
        threshold (float): Mask logit threshold. Defaults to 0.
    """

    def __init__(
        self, path: str, frames: Sequence[np.ndarray], fps: float = 24.0, threshold: float = 0.0
    ) -> None:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        self.frames = frames
        self.threshold = threshold
        self.visualizer = SAM2Visualizer.get_instance('mmsam2_video_overlay')
        self.writer = VideoWriter(path, fps=fps)

    def add(self, frame_idx: int, obj_ids: List[int], scores: np.ndarray) -> None:
        """Draw and append one frame.

        Args:
            frame_idx (int): Frame index in the video.
            obj_ids (List[int]): The N objects.
            scores (np.ndarray): (N, H, W) mask logits.
        """
        image = self.frames[frame_idx]
        drawn = self.visualizer.draw_sam2_predictions(image, scores > self.threshold, obj_ids)
        self.writer.write(drawn)

    def close(self) -> None:
        """Finish the video."""
        self.writer.close()

    def __enter__(self) -> 'OverlayVideoWriter':
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
