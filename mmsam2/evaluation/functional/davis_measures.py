"""DAVIS measures: region similarity J, boundary F-measure, mean / recall / decay.

The definitions are those of the DAVIS 2017 evaluation tool
(davisvideochallenge/davis2017-evaluation), re-implemented here and checked to
give the same numbers.
"""

import math
import warnings
from functools import lru_cache
from typing import Sequence, Tuple

import cv2
import numpy as np

#: Boundary tolerance of the F-measure, as a fraction of the image diagonal.
BOUND_TH = 0.008
#: Number of temporal bins of the decay statistic.
NUM_DECAY_BINS = 4


def region_similarity(gt: np.ndarray, pred: np.ndarray) -> float:
    """Region similarity J: the IoU of two binary masks.

    Args:
        gt (np.ndarray): Ground-truth mask, (H, W) bool.
        pred (np.ndarray): Predicted mask, (H, W) bool.

    Returns:
        float: ``|gt & pred| / |gt | pred|``; 1 when both masks are empty.
    """
    union = np.count_nonzero(gt | pred)
    if union == 0:
        return 1.0
    return np.count_nonzero(gt & pred) / union


def seg2bmap(mask: np.ndarray) -> np.ndarray:
    """One-pixel-wide boundary map of a binary mask.

    A pixel is a boundary pixel when it differs from its right, lower or
    lower-right neighbour; outside the image each pixel's nearest image pixel
    stands in, so the image border itself is no boundary. This is the
    ``seg2bmap`` of the Berkeley segmentation benchmark used by DAVIS (its
    boundary lies half a pixel towards the origin).

    Args:
        mask (np.ndarray): Binary mask, (H, W).

    Returns:
        np.ndarray: Boundary map, (H, W) bool.
    """
    seg = mask.astype(bool)
    padded = np.pad(seg, ((0, 1), (0, 1)), mode='edge')
    right = padded[:-1, 1:]
    down = padded[1:, :-1]
    down_right = padded[1:, 1:]
    return (seg != right) | (seg != down) | (seg != down_right)


def boundary_tolerance(shape: Sequence[int], bound_th: float = BOUND_TH) -> int:
    """Radius in pixels within which two boundary pixels match.

    Args:
        shape (Sequence[int]): Mask shape ``(H, W)``.
        bound_th (float): Tolerance; below 1 a fraction of the image diagonal
            (rounded up), otherwise a number of pixels. Defaults to 0.008.

    Returns:
        int: The radius.
    """
    if bound_th >= 1:
        return int(bound_th)
    height, width = shape[:2]
    return int(np.ceil(bound_th * math.sqrt(height * height + width * width)))


@lru_cache(maxsize=16)
def disk(radius: int) -> np.ndarray:
    """Disk structuring element: offsets ``(dy, dx)`` with ``dy² + dx² <= radius²``.

    Args:
        radius (int): Radius in pixels.

    Returns:
        np.ndarray: (2 * radius + 1, 2 * radius + 1) uint8 kernel of 0 and 1.
    """
    offsets = np.arange(-radius, radius + 1)
    return (offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius**2).astype(np.uint8)


def boundary_f_measure(gt: np.ndarray, pred: np.ndarray, bound_th: float = BOUND_TH) -> float:
    """Boundary F-measure of a predicted mask against the ground truth.

    Precision is the fraction of predicted boundary pixels that lie within
    :func:`boundary_tolerance` of a ground-truth boundary pixel, recall the
    converse; F is their harmonic mean. Two masks without boundary give 1, one
    mask without boundary against one with a boundary gives 0.

    Args:
        gt (np.ndarray): Ground-truth mask, (H, W) bool.
        pred (np.ndarray): Predicted mask, (H, W) bool.
        bound_th (float): See :func:`boundary_tolerance`. Defaults to 0.008.

    Returns:
        float: F in [0, 1].
    """
    gt_boundary = seg2bmap(gt)
    pred_boundary = seg2bmap(pred)
    num_gt = np.count_nonzero(gt_boundary)
    num_pred = np.count_nonzero(pred_boundary)
    if num_gt == 0 or num_pred == 0:
        return 1.0 if num_gt == num_pred else 0.0
    kernel = disk(boundary_tolerance(gt.shape, bound_th))
    gt_near = cv2.dilate(gt_boundary.astype(np.uint8), kernel).astype(bool)
    pred_near = cv2.dilate(pred_boundary.astype(np.uint8), kernel).astype(bool)
    precision = np.count_nonzero(pred_boundary & gt_near) / float(num_pred)
    recall = np.count_nonzero(gt_boundary & pred_near) / float(num_gt)
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def decay_bin_edges(num_frames: int, official: bool = False) -> np.ndarray:
    """Frame indices that delimit the decay bins.

    The ``NUM_DECAY_BINS + 1`` edges are the rounded points (halves rounded up)
    of ``linspace(1, num_frames, NUM_DECAY_BINS + 1)``, minus one; bin ``i``
    spans frames ``edges[i]`` to ``edges[i + 1]`` inclusive.

    The DAVIS 2017 tool stores the edges as ``uint8``, so on sequences of 256
    or more evaluated frames they wrap around modulo 256 (``x86`` numpy casts
    out-of-range floats that way), and so does ``edge + 1`` when an edge is
    255. The bins then select the wrong frames or none (decay NaN).
    ``official=True`` reproduces this.

    Args:
        num_frames (int): Number of evaluated frames.
        official (bool): Wrap the edges modulo 256 like the DAVIS tool.
            Defaults to False.

    Returns:
        np.ndarray: (NUM_DECAY_BINS + 1,) int64 edges.
    """
    points = np.linspace(1, num_frames, NUM_DECAY_BINS + 1)
    edges = np.round(points + 1e-10).astype(np.int64) - 1
    return edges % 256 if official else edges


def _nanmean(values: np.ndarray) -> float:
    """``np.nanmean`` that returns NaN for empty or all-NaN input without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', category=RuntimeWarning)
        return float(np.nanmean(values))


def decay(values: np.ndarray, official: bool = False) -> float:
    """Decay: mean of the first temporal bin minus mean of the last one.

    Args:
        values (np.ndarray): Per-frame J or F of one object, (N,).
        official (bool): Use the DAVIS tool's wrapped ``uint8`` bin edges (see
            :func:`decay_bin_edges`). Defaults to False.

    Returns:
        float: The decay; NaN when a bin is empty.
    """
    edges = decay_bin_edges(len(values), official)
    stops = (edges + 1) % 256 if official else edges + 1
    first = values[edges[0] : stops[1]]
    last = values[edges[-2] : stops[-1]]
    return _nanmean(first) - _nanmean(last)


def sequence_statistics(
    values: np.ndarray, official_decay: bool = False
) -> Tuple[float, float, float]:
    """Mean, recall and decay of one object's per-frame J or F.

    Args:
        values (np.ndarray): Per-frame values over the evaluated frames, (N,).
        official_decay (bool): See :func:`decay`. Defaults to False.

    Returns:
        Tuple[float, float, float]: ``(mean, recall, decay)``: the mean
        ignoring NaN, the fraction of frames above 0.5, and :func:`decay`; all
        NaN when ``values`` is empty.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return math.nan, math.nan, math.nan
    return _nanmean(values), float(np.mean(values > 0.5)), decay(values, official_decay)
