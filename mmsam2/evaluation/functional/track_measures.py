"""Identity-aware measures of multi-object tracking on masks (MOTS).

The CLEAR-MOT measures computed on masks instead of boxes, as MOTS does
(Voigtlaender et al., "MOTS: Multi-Object Tracking and Segmentation", 2019),
and the identity F1 score (Ristani et al., 2016):

* on every frame, ground-truth and predicted masks are paired one to one
  (Hungarian, mask IoU >= ``iou_thr``, 0.5 by default): pairs are true
  positives (TP), unpaired predictions false positives (FP), unpaired
  ground truth false negatives (FN); soft TP is the summed IoU of the pairs;
* an identity switch (IDSW) is a ground-truth object paired with another
  predicted id than on its last paired frame;
* MOTSA = 1 - (FN + FP + IDSW) / GT, sMOTSA = (soft TP - FP - IDSW) / GT,
  MOTSP = soft TP / TP;
* IDF1 = 2 IDTP / (GT + predictions), where IDTP is the number of frames on
  which a ground-truth trajectory overlaps (IoU >= ``iou_thr``) the predicted
  trajectory it is matched to, with trajectories matched one to one to
  maximise IDTP.

Measures are class-agnostic.
"""

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Dict, Iterable, Sequence, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from mmsam2.models.trackers.matching import assign, mask_iou

TrackFrameMasks = Tuple[Sequence[int], np.ndarray, Sequence[int], np.ndarray]
"""(ground-truth ids, (G, H, W) masks, predicted ids, (P, H, W) masks) of a frame."""


@dataclass
class TrackCounts:
    """Counts of one or more videos, summed by :meth:`merge`.

    Attributes:
        num_gt (int): Ground-truth masks.
        num_pred (int): Predicted masks.
        tp (int): Paired masks.
        fp (int): Unpaired predictions.
        fn (int): Unpaired ground truth.
        idsw (int): Identity switches.
        soft_tp (float): Summed IoU of the pairs.
        idtp (int): Identity true positives.
        num_gt_tracks (int): Ground-truth trajectories.
        num_pred_tracks (int): Predicted trajectories.
    """

    num_gt: int = 0
    num_pred: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    idsw: int = 0
    soft_tp: float = 0.0
    idtp: int = 0
    num_gt_tracks: int = 0
    num_pred_tracks: int = 0

    def merge(self, other: 'TrackCounts') -> 'TrackCounts':
        """Sum of two counts."""
        return TrackCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


@dataclass
class _VideoState:
    """What the frame loop of :func:`video_track_counts` carries along."""

    counts: TrackCounts = field(default_factory=TrackCounts)
    last_pred: Dict[int, int] = field(default_factory=dict)
    overlaps: Counter = field(default_factory=Counter)
    gt_ids: set = field(default_factory=set)
    pred_ids: set = field(default_factory=set)


def _identity_tp(overlaps: Counter) -> int:
    """Frames of overlap kept by the best one-to-one trajectory matching."""
    if not overlaps:
        return 0
    gt_ids = sorted({g for g, _ in overlaps})
    pred_ids = sorted({p for _, p in overlaps})
    table = np.zeros((len(gt_ids), len(pred_ids)))
    for (g, p), count in overlaps.items():
        table[gt_ids.index(g), pred_ids.index(p)] = count
    rows, cols = linear_sum_assignment(-table)
    return int(table[rows, cols].sum())


def _add_frame(state: _VideoState, frame: TrackFrameMasks, iou_thr: float) -> None:
    """Count one frame."""
    gt_ids, gt_masks, pred_ids, pred_masks = frame
    counts = state.counts
    iou = mask_iou(np.asarray(gt_masks, bool), np.asarray(pred_masks, bool))
    pairs = assign(iou, iou_thr)
    counts.num_gt += len(gt_ids)
    counts.num_pred += len(pred_ids)
    counts.tp += len(pairs)
    counts.fp += len(pred_ids) - len(pairs)
    counts.fn += len(gt_ids) - len(pairs)
    for g, p in pairs:
        counts.soft_tp += float(iou[g, p])
        gt_id, pred_id = int(gt_ids[g]), int(pred_ids[p])
        if state.last_pred.get(gt_id, pred_id) != pred_id:
            counts.idsw += 1
        state.last_pred[gt_id] = pred_id
    for g, p in zip(*np.nonzero(iou >= iou_thr)):
        state.overlaps[int(gt_ids[g]), int(pred_ids[p])] += 1
    state.gt_ids.update(int(i) for i in gt_ids)
    state.pred_ids.update(int(i) for i in pred_ids)


def video_track_counts(frames: Iterable[TrackFrameMasks], iou_thr: float = 0.5) -> TrackCounts:
    """Count TP, FP, FN, identity switches and identity TP over one video.

    Args:
        frames (Iterable[TrackFrameMasks]): The evaluated frames in temporal order.
        iou_thr (float): Smallest mask IoU of a pair. Defaults to 0.5.

    Returns:
        TrackCounts: The video's counts.
    """
    state = _VideoState()
    for frame in frames:
        _add_frame(state, frame, iou_thr)
    state.counts.idtp = _identity_tp(state.overlaps)
    state.counts.num_gt_tracks = len(state.gt_ids)
    state.counts.num_pred_tracks = len(state.pred_ids)
    return state.counts


def track_summary(counts: TrackCounts) -> Dict[str, float]:
    """MOTSA, sMOTSA, MOTSP, IDF1 (in [0, 1], MOTSA / sMOTSA may be negative) and counts.

    Args:
        counts (TrackCounts): Counts of all videos.

    Returns:
        Dict[str, float]: ``MOTSA``, ``sMOTSA``, ``MOTSP``, ``IDF1``,
        ``IDSW``, ``TP``, ``FP``, ``FN``, ``num_gt_tracks`` and
        ``num_pred_tracks``. Ratios with a zero denominator are 0.
    """

    def ratio(num: float, den: float) -> float:
        return float(num) / den if den else 0.0

    return dict(
        MOTSA=ratio(counts.num_gt - counts.fn - counts.fp - counts.idsw, counts.num_gt),
        sMOTSA=ratio(counts.soft_tp - counts.fp - counts.idsw, counts.num_gt),
        MOTSP=ratio(counts.soft_tp, counts.tp),
        IDF1=ratio(2 * counts.idtp, counts.num_gt + counts.num_pred),
        IDSW=counts.idsw,
        TP=counts.tp,
        FP=counts.fp,
        FN=counts.fn,
        num_gt_tracks=counts.num_gt_tracks,
        num_pred_tracks=counts.num_pred_tracks,
    )
