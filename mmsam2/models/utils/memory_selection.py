"""Which past frames SAM 2 attends to when tracking a frame."""

from typing import Dict, List, Tuple, TypeVar

T = TypeVar('T')


def select_closest_cond_frames(
    frame_idx: int, cond_frames: Dict[int, T], max_cond_frames: int
) -> Tuple[Dict[int, T], Dict[int, T]]:
    """Keep at most ``max_cond_frames`` conditioning frames, nearest in time.

    The nearest prompted frame before ``frame_idx`` and the nearest one at or
    after it are always kept; the remaining slots go to the temporally closest
    other frames.

    Args:
        frame_idx (int): Frame being tracked.
        cond_frames (Dict[int, T]): Outputs of prompted frames by index.
        max_cond_frames (int): Limit; -1 keeps all.

    Returns:
        Tuple[Dict[int, T], Dict[int, T]]: Selected and unselected frames.
    """
    if max_cond_frames == -1 or len(cond_frames) <= max_cond_frames:
        return cond_frames, {}
    if max_cond_frames < 2:
        raise ValueError(f'max_cond_frames_in_attn must be -1 or at least 2, got {max_cond_frames}')
    before = [t for t in cond_frames if t < frame_idx]
    after = [t for t in cond_frames if t >= frame_idx]
    chosen: List[int] = []
    if before:
        chosen.append(max(before))
    if after:
        chosen.append(min(after))
    rest = sorted((t for t in cond_frames if t not in chosen), key=lambda t: abs(t - frame_idx))
    chosen += rest[: max_cond_frames - len(chosen)]
    selected = {t: cond_frames[t] for t in chosen}
    unselected = {t: v for t, v in cond_frames.items() if t not in selected}
    return selected, unselected


def recent_memory_frame_indices(
    frame_idx: int, num_maskmem: int, stride: int, reverse: bool
) -> List[Tuple[int, int]]:
    """Indices of the non-conditioning frames in the memory of ``frame_idx``.

    The frame right before the current one (after it when tracking in reverse)
    is always used; the other ``num_maskmem - 2`` come from every
    ``stride``-th frame further back.

    Args:
        frame_idx (int): Frame being tracked.
        num_maskmem (int): Memory size (conditioning slot + recent frames).
        stride (int): Temporal stride ``r`` of the recent frames.
        reverse (bool): Tracking backwards in time.

    Returns:
        List[Tuple[int, int]]: ``(t_pos, frame index)`` pairs, t_pos from 1
        (oldest) to ``num_maskmem - 1`` (most recent).
    """
    pairs = []
    for t_pos in range(1, num_maskmem):
        t_rel = num_maskmem - t_pos
        if t_rel == 1:
            idx = frame_idx + 1 if reverse else frame_idx - 1
        elif reverse:
            idx = -(-(frame_idx + 2) // stride) * stride + (t_rel - 2) * stride
        else:
            idx = ((frame_idx - 2) // stride) * stride - (t_rel - 2) * stride
        pairs.append((t_pos, idx))
    return pairs
