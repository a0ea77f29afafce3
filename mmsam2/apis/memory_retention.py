"""Which tracked frames a SAM 2 tracking step can still read from memory.

A frame tracked without prompts reads the non-conditioning outputs of a few
neighbouring frames in the direction of tracking: the ``num_maskmem - 1``
most recent memories (every ``memory_temporal_stride_for_eval``-th frame) and
the object pointers of the last ``max_obj_ptrs_in_encoder - 1`` frames. The
video predictor drops outputs outside that reach to keep memory flat on long
videos.
"""

from typing import Optional, Set

from mmsam2.models.segmentors import SAM2
from mmsam2.models.utils.memory_selection import recent_memory_frame_indices


def memory_read_frames(
    model: SAM2, frame_idx: int, reverse: bool, num_frames: Optional[int]
) -> Set[int]:
    """Frames whose non-conditioning output tracking ``frame_idx`` may read.

    Args:
        model (SAM2): The model (its memory options).
        frame_idx (int): Frame being tracked.
        reverse (bool): Tracking backwards in time.
        num_frames (int, optional): Video length, None for a stream.

    Returns:
        Set[int]: Frame indices (only those inside the video).
    """
    if model.num_maskmem == 0:
        return set()
    stride = model.memory_temporal_stride_for_eval
    recent = recent_memory_frame_indices(frame_idx, model.num_maskmem, stride, reverse)
    frames = {idx for _, idx in recent}
    if model.use_obj_ptrs_in_encoder:
        step = 1 if reverse else -1
        frames.update(frame_idx + step * d for d in range(1, model.max_obj_ptrs_in_encoder))
    return {t for t in frames if t >= 0 and (num_frames is None or t < num_frames)}


def memory_reach(model: SAM2) -> int:
    """Largest distance in frames between a tracked frame and a memory it reads.

    Args:
        model (SAM2): The model.

    Returns:
        int: The reach (0 when the model keeps no memory of past frames).
    """
    far = (
        10
        * (model.num_maskmem + model.max_obj_ptrs_in_encoder)
        * max(1, model.memory_temporal_stride_for_eval)
    )
    return max((far - t for t in memory_read_frames(model, far, False, None)), default=0)
