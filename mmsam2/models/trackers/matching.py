"""Match detections to tracks by mask IoU (pure numpy / scipy).

The detector-prompted tracker segments every detection with SAM 2 and
compares these masks with the masks SAM 2 propagated for its live tracks:
:func:`mask_iou` builds the IoU matrix, :func:`assign` pairs detections with
tracks (Hungarian or greedy), and :func:`associate` also decides which of the
unmatched detections start new tracks.
"""

from dataclasses import dataclass, field
from typing import List, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

MATCHERS = ('hungarian', 'greedy')
"""Assignment methods understood by :func:`assign`."""


def mask_iou(masks_a: np.ndarray, masks_b: np.ndarray) -> np.ndarray:
    """IoU of every mask of one set with every mask of another.

    Two empty masks have IoU 0 (an empty mask matches nothing).

    Args:
        masks_a (np.ndarray): (N, H, W) bool masks.
        masks_b (np.ndarray): (M, H, W) bool masks.

    Returns:
        np.ndarray: (N, M) float32 IoUs.
    """
    if masks_a.shape[1:] != masks_b.shape[1:]:
        raise ValueError(f'mask sizes differ: {masks_a.shape[1:]} and {masks_b.shape[1:]}')
    pixels = int(np.prod(masks_a.shape[1:]))
    flat_a = masks_a.reshape(len(masks_a), pixels).astype(np.float32)
    flat_b = masks_b.reshape(len(masks_b), pixels).astype(np.float32)
    inter = flat_a @ flat_b.T
    union = flat_a.sum(1)[:, None] + flat_b.sum(1)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def assign(iou: np.ndarray, min_iou: float, method: str = 'hungarian') -> List[Tuple[int, int]]:
    """Pair rows with columns one to one, keeping pairs with IoU >= ``min_iou``.

    ``'hungarian'`` maximises the summed IoU of the kept pairs (pairs below
    ``min_iou`` cannot be chosen); ``'greedy'`` takes the highest remaining
    IoU first.

    Args:
        iou (np.ndarray): (N, M) IoUs.
        min_iou (float): Smallest IoU of a pair.
        method (str): 'hungarian' or 'greedy'. Defaults to 'hungarian'.

    Returns:
        List[Tuple[int, int]]: (row, column) pairs, sorted by row.
    """
    if method not in MATCHERS:
        raise ValueError(f'method must be one of {MATCHERS}, got {method!r}')
    if iou.size == 0:
        return []
    allowed = iou >= min_iou
    if method == 'greedy':
        pairs, used_rows, used_cols = [], set(), set()
        for flat in np.argsort(-iou, axis=None, kind='stable'):
            row, col = np.unravel_index(flat, iou.shape)
            if allowed[row, col] and row not in used_rows and col not in used_cols:
                pairs.append((int(row), int(col)))
                used_rows.add(row)
                used_cols.add(col)
        return sorted(pairs)
    # pairs below the threshold cost more than leaving both sides unmatched
    cost = np.where(allowed, -iou, 1.0)
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if allowed[r, c]]


@dataclass
class Association:
    """What to do with the detections of one frame.

    Attributes:
        matches (List[Tuple[int, int]]): (detection, track) index pairs: the
            detection is the track seen again.
        new (List[int]): Detections that start tracks, best score first.
    """

    matches: List[Tuple[int, int]] = field(default_factory=list)
    new: List[int] = field(default_factory=list)


def associate(
    det_masks: np.ndarray,
    det_scores: np.ndarray,
    track_masks: np.ndarray,
    match_iou_thr: float,
    new_track_score_thr: float,
    method: str = 'hungarian',
) -> Association:
    """Match detections with tracks and choose the detections that start tracks.

    A detection starts a track when it is matched with none, scores at
    least ``new_track_score_thr``, has a non-empty mask and overlaps no track
    and no better new detection by ``match_iou_thr`` or more (a second
    detection of a tracked object, or a duplicate).

    Args:
        det_masks (np.ndarray): (N, H, W) bool masks of the detections.
        det_scores (np.ndarray): (N, ) detection scores.
        track_masks (np.ndarray): (M, H, W) bool masks of the live tracks on
            the same frame.
        match_iou_thr (float): Smallest mask IoU of a match.
        new_track_score_thr (float): Smallest score of a detection that starts
            a track.
        method (str): Assignment, 'hungarian' or 'greedy'. Defaults to
            'hungarian'.

    Returns:
        Association: Matches and new tracks.
    """
    iou = mask_iou(det_masks, track_masks)
    matches = assign(iou, match_iou_thr, method)
    matched = {det for det, _ in matches}
    new: List[int] = []
    for det in np.argsort(-np.asarray(det_scores), kind='stable').tolist():
        if det in matched or det_scores[det] < new_track_score_thr or not det_masks[det].any():
            continue
        if iou.shape[1] and iou[det].max() >= match_iou_thr:
            continue
        if new and mask_iou(det_masks[det : det + 1], det_masks[new]).max() >= match_iou_thr:
            continue
        new.append(det)
    return Association(matches, new)
