"""One video of a VOS benchmark, as handed to the model by the test loop."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

import numpy as np


@dataclass
class VOSVideo:
    """A benchmark video: lazily decoded frames, annotations and metadata.

    It is deliberately not a sequence, so that mmengine's collate functions
    keep it whole instead of decoding and transposing the frames.

    Attributes:
        frames (Sequence[np.ndarray]): (H, W, 3) uint8 RGB frames, decoded on
            access (e.g. :class:`mmsam2.datasets.VideoFrames`).
        annotations (Any): Lazy reader of the ground truth, with
            ``annotations[frame_name] -> {obj_id: (H, W) bool}`` (e.g.
            :class:`mmsam2.datasets.VideoMasks`).
        info (Dict[str, Any]): The dataset item's metadata (``video_name``,
            ``frame_names``, ``object_ids``, ``first_frame_of_object``,
            ``annotated_frames``, ``ann_paths``, ``mask_layout``, ...).
    """

    frames: Sequence[np.ndarray]
    annotations: Any
    info: Dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Video name."""
        return self.info['video_name']

    @property
    def frame_names(self) -> List[str]:
        """All frame names, in temporal order."""
        return list(self.info['frame_names'])

    def first_mask(self, obj_id: int) -> np.ndarray:
        """The object's first annotated mask (H, W) bool."""
        frame_idx = self.info['first_frame_of_object'][obj_id]
        return np.asarray(self.annotations[self.frame_names[frame_idx]][obj_id], bool)
