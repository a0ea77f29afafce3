"""A SAM 2 video session in which objects join and leave while the video plays."""

from typing import TYPE_CHECKING, Dict, Iterator, Optional, Tuple

import numpy as np
import torch

from mmsam2.fileio.frame_sources import VideoInput

if TYPE_CHECKING:  # mmsam2.apis imports mmsam2.models: no import cycle at run time
    from mmsam2.apis.video_predictor import FrameMasks, SAM2VideoPredictor


class PropagationSession:
    """Track a changing set of objects forward through one video, frame by frame.

    It drives a :class:`~mmsam2.apis.SAM2VideoPredictor` session through its
    public methods. :meth:`propagate` returns the masks of frame ``t`` and must
    be called for ``t = 0, 1, 2, ...``; between two calls objects can be added
    on the frame just returned (prompted there: it becomes their conditioning
    frame) and removed. After such a change propagation restarts at the next
    frame, so no frame is tracked twice. Every object keeps its own memory, so
    an object added on frame ``t`` never sees memory of the frames before
    ``t`` (as if it were tracked in a session of its own started there).

    Args:
        predictor (SAM2VideoPredictor): The predictor.
        video (VideoInput): Anything ``predictor.init_state`` opens (frame
            folder, video file, frames in memory, a stream).
    """

    def __init__(self, predictor: 'SAM2VideoPredictor', video: 'VideoInput') -> None:
        self.predictor = predictor
        self.state = predictor.init_state(video)
        self._run: Optional[Iterator[FrameMasks]] = None
        self._next_key = 1

    @property
    def num_frames(self) -> Optional[int]:
        """Number of frames; None for a stream."""
        return self.state.num_frames

    @property
    def size(self) -> Tuple[int, int]:
        """(height, width) of the video."""
        return self.state.video_height, self.state.video_width

    @property
    def object_keys(self) -> Tuple[int, ...]:
        """Keys of the objects in the session, in the order they were added."""
        return tuple(self.state.obj_ids)

    def has_frame(self, frame_idx: int) -> bool:
        """Whether the video has this frame (a stream is read up to it)."""
        return self.state.frames.exists(frame_idx)

    def image(self, frame_idx: int) -> np.ndarray:
        """The (H, W, 3) uint8 RGB frame (decoded again if it was dropped)."""
        return self.state.frames[frame_idx]

    def propagate(self, frame_idx: int) -> Dict[int, torch.Tensor]:
        """Masks of all objects on the next frame.

        Args:
            frame_idx (int): The frame after the previous call's (0 first).

        Returns:
            Dict[int, torch.Tensor]: Object key -> (H, W) bool mask (on the
            model's device); empty when the session has no object.
        """
        if not self.state.objects:
            return {}
        if self._run is None:
            self._run = self.predictor.propagate_in_video(self.state, start_frame_idx=frame_idx)
        got_idx, keys, logits = next(self._run)
        if got_idx != frame_idx:
            raise RuntimeError(f'propagation out of step: frame {got_idx} for {frame_idx}')
        return dict(zip(keys, logits[:, 0] > 0))

    def add_object(
        self,
        frame_idx: int,
        box: Optional[np.ndarray] = None,
        mask: Optional[np.ndarray] = None,
    ) -> Tuple[int, torch.Tensor]:
        """Start an object from a box or a mask on the frame last propagated.

        Args:
            frame_idx (int): The frame (the last one :meth:`propagate` returned,
                or any frame before the first propagation).
            box (np.ndarray, optional): (x0, y0, x1, y1) in video pixels.
                Defaults to None.
            mask (np.ndarray, optional): (H, W) bool mask; used instead of
                ``box`` when given. Defaults to None.

        Returns:
            Tuple[int, torch.Tensor]: The object's key and its (H, W) bool
            mask on the frame.
        """
        key = self._next_key
        self._next_key += 1
        if mask is not None:
            _, keys, logits = self.predictor.add_new_mask(self.state, frame_idx, key, mask)
        elif box is not None:
            _, keys, logits = self.predictor.add_new_points_or_box(
                self.state, frame_idx, key, box=box
            )
        else:
            raise ValueError('give a box or a mask')
        self._run = None
        return key, logits[keys.index(key), 0] > 0

    def remove_object(self, key: int) -> None:
        """Remove an object (it is no longer tracked).

        Args:
            key (int): Its key.
        """
        self.predictor.remove_object(self.state, key, strict=True, need_output=False)
        self._run = None
