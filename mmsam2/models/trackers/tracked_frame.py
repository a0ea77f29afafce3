"""One frame of a detector-prompted tracking run."""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from mmengine.structures import InstanceData


@dataclass
class TrackedFrame:
    """The tracks on one frame, and the frame itself (decoded on access).

    Attributes:
        frame_idx (int): Frame index.
        instances (InstanceData): mmdet's ``pred_track_instances``:
            ``instances_id`` (N, ), ``masks`` (N, H, W) bool, ``bboxes``
            (N, 4), ``scores`` (N, ) and ``labels`` (N, ).
        load_image (Callable[[], np.ndarray]): Returns the (H, W, 3) uint8
            RGB frame.
    """

    frame_idx: int
    instances: InstanceData
    load_image: Callable[[], np.ndarray] = field(repr=False)

    @property
    def image(self) -> np.ndarray:
        """The (H, W, 3) uint8 RGB frame."""
        return self.load_image()
