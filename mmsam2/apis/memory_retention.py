"""Which tracked frames a SAM 2 tracking step can still read from memory.

The model's memory policy says which frames a step reads: for SAM 2's
default policy, the ``num_maskmem - 1`` most recent memories (every
``memory_temporal_stride_for_eval``-th frame) and the object pointers of the
last ``max_obj_ptrs_in_encoder - 1`` frames; other policies may look further
back. The video predictor drops outputs outside that reach to keep memory
flat on long videos.
"""

from typing import Optional, Set

from mmsam2.models.segmentors import SAM2


def memory_read_frames(
    model: SAM2, frame_idx: int, reverse: bool, num_frames: Optional[int]
) -> Set[int]:
    """Frames whose non-conditioning output tracking ``frame_idx`` may read.

    Args:
        model (SAM2): The model (its memory policy and options).
        frame_idx (int): Frame being tracked.
        reverse (bool): Tracking backwards in time.
        num_frames (int, optional): Video length, None for a stream.

    Returns:
        Set[int]: Frame indices (only those inside the video).
    """
    return model.memory_policy.read_frames(model, frame_idx, reverse, num_frames)


def memory_reach(model: SAM2) -> int:
    """Largest distance in frames between a tracked frame and a memory it reads.

    Args:
        model (SAM2): The model.

    Returns:
        int: The reach (0 when the model keeps no memory of past frames).
    """
    return model.memory_policy.reach(model)
