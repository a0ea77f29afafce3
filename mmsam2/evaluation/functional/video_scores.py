"""Per-object, per-frame J and F of one video under the DAVIS and SA-V protocols.

Both protocols skip the first and the last frame of the video (or of the
object's frame list in the SA-V layout). They differ in which objects and
frames count:

* DAVIS (davis2017-evaluation, semi-supervised): the objects are ids
  ``1 .. max`` of the first ground-truth frame (void 255 excluded) or the keys
  of its per-object dict; every object is scored on every evaluated frame.
* SA-V (sam2's ``sav_evaluator.py``, same as ``vos-benchmark``): an object is
  scored from the first evaluated frame where it appears in the ground truth
  or in the prediction; objects that never appear in the evaluated ground
  truth are not reported.
"""

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .davis_measures import BOUND_TH, boundary_f_measure, region_similarity
from .mask_sources import Frame, as_frames, object_masks, sort_ids, to_numpy

#: Ground-truth label that DAVIS treats as background ("void").
VOID_LABEL = 255


@dataclass
class ObjectScores:
    """Per-frame scores of one object over its evaluated frames.

    Args:
        video (str): Video name.
        obj_id (str): Object id.
        j (np.ndarray): Region similarity per evaluated frame, (N,) float64.
        f (np.ndarray): Boundary F-measure per evaluated frame, (N,) float64.
        seen (bool, optional): Whether the object's category was seen in
            training (YouTube-VOS / LVOS split); None when unknown.
            Defaults to None.
    """

    video: str
    obj_id: str
    j: np.ndarray
    f: np.ndarray
    seen: Optional[bool] = None


def davis_object_ids(first_gt_frame: Frame) -> List[str]:
    """Objects of a video under the DAVIS protocol, from its first ground-truth frame.

    Args:
        first_gt_frame (Frame): An id map (objects ``1 .. max`` id, void 255
            ignored) or a dict ``obj_id -> mask`` (its keys).

    Returns:
        List[str]: Object ids.
    """
    if isinstance(first_gt_frame, Mapping):
        return sort_ids([str(k) for k in first_gt_frame])
    id_map = to_numpy(first_gt_frame)
    ids = id_map[id_map != VOID_LABEL]
    num_objects = int(ids.max()) if ids.size else 0
    return [str(i) for i in range(1, num_objects + 1)]


def _as_frame_pair(gt: Any, pred: Any) -> Tuple[Sequence[Frame], Sequence[Frame]]:
    """Ground-truth and predicted frame sequences of equal length.

    An empty prediction dict (no object predicted) stands for empty frames.
    """
    gt_frames, pred_frames = as_frames(gt), as_frames(pred)
    if isinstance(pred, Mapping) and not pred:
        pred_frames = [{}] * len(gt_frames)
    if len(gt_frames) != len(pred_frames):
        raise ValueError(
            f'{len(gt_frames)} ground-truth frames but {len(pred_frames)} predicted frames'
        )
    return gt_frames, pred_frames


def _frame_shape(frame: Frame) -> Optional[tuple]:
    """(H, W) of a frame; None for a dict without objects."""
    if isinstance(frame, Mapping):
        return next((np.shape(v) for v in frame.values()), None)
    return np.shape(frame)


class _FramePair:
    """Per-object masks of a ground-truth frame and the predicted frame of the same time.

    Args:
        gt_frame (Frame): Ground-truth frame.
        pred_frame (Frame): Predicted frame.
        where (str): Video and frame, for error messages.
    """

    def __init__(self, gt_frame: Frame, pred_frame: Frame, where: str) -> None:
        shapes = {s for s in (_frame_shape(gt_frame), _frame_shape(pred_frame)) if s is not None}
        if len(shapes) > 1:
            raise ValueError(f'{where}: ground-truth and predicted shapes differ: {sorted(shapes)}')
        self.gt = object_masks(gt_frame)
        self.pred = object_masks(pred_frame)
        self.empty = np.zeros(shapes.pop() if shapes else (1, 1), dtype=bool)

    def score(self, obj_id: str, bound_th: float) -> Tuple[float, float]:
        """J and F of one object; a missing object is an empty mask."""
        gt = self.gt.get(obj_id, self.empty)
        pred = self.pred.get(obj_id, self.empty)
        return region_similarity(gt, pred), boundary_f_measure(gt, pred, bound_th)


def _evaluated_frames(
    video: str, gt_frames: Sequence[Frame], pred_frames: Sequence[Frame]
) -> Iterator[_FramePair]:
    """The frame pairs both protocols evaluate: all but the first and the last.

    Args:
        video (str): Video name, for error messages.
        gt_frames (Sequence[Frame]): Ground-truth frames, (T,).
        pred_frames (Sequence[Frame]): Predicted frames of the same times, (T,).

    Yields:
        _FramePair: Frames 1 to T - 2.
    """
    for t in range(1, len(gt_frames) - 1):
        yield _FramePair(gt_frames[t], pred_frames[t], f'{video}, frame {t}')


def davis_video_scores(
    video: str,
    gt_frames: Any,
    pred_frames: Any,
    bound_th: float = BOUND_TH,
) -> List[ObjectScores]:
    """Score one video under the DAVIS semi-supervised protocol.

    Args:
        video (str): Video name.
        gt_frames (Any): Ground-truth frames, (T,), in any form
            :func:`~.mask_sources.as_frames` accepts.
        pred_frames (Any): Predicted frames, (T,), likewise; the first and
            the last are never read. Objects missing from a predicted frame
            are empty; predicted ids that are no object are ignored.
        bound_th (float): Boundary tolerance of F. Defaults to 0.008.

    Returns:
        List[ObjectScores]: One entry per object, each with (T - 2,) scores.
    """
    gt_frames, pred_frames = _as_frame_pair(gt_frames, pred_frames)
    obj_ids = davis_object_ids(gt_frames[0]) if len(gt_frames) else []
    scores = {o: [] for o in obj_ids}
    for pair in _evaluated_frames(video, gt_frames, pred_frames):
        for o in obj_ids:
            scores[o].append(pair.score(o, bound_th))
    return [_object_scores(video, o, s) for o, s in scores.items()]


def sav_video_scores(
    video: str,
    gt_frames: Any,
    pred_frames: Any,
    bound_th: float = BOUND_TH,
) -> List[ObjectScores]:
    """Score one video (or one object's frame list) under the SA-V protocol.

    Args:
        video (str): Video name.
        gt_frames (Any): Ground-truth frames, (T,), in any form
            :func:`~.mask_sources.as_frames` accepts.
        pred_frames (Any): Predicted frames, (T,), likewise; the first and
            the last are never read.
        bound_th (float): Boundary tolerance of F. Defaults to 0.008.

    Returns:
        List[ObjectScores]: One entry per object present in the evaluated
        ground truth, scored from its first appearance (in ground truth or
        prediction) on.
    """
    scores: Dict[str, list] = {}
    in_gt = set()
    for pair in _evaluated_frames(video, *_as_frame_pair(gt_frames, pred_frames)):
        gt_present = {o for o, m in pair.gt.items() if m.any()}
        pred_present = {o for o, m in pair.pred.items() if m.any()}
        in_gt |= gt_present
        for o in sort_ids(list(gt_present | pred_present)):
            scores.setdefault(o, [])
        for o, values in scores.items():
            values.append(pair.score(o, bound_th))
    return [_object_scores(video, o, scores[o]) for o in sort_ids(list(in_gt))]


def _object_scores(video: str, obj_id: str, pairs: List[Tuple[float, float]]) -> ObjectScores:
    """Pack (J, F) pairs of one object."""
    values = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
    return ObjectScores(video, obj_id, j=values[:, 0].copy(), f=values[:, 1].copy())


def set_seen(scores: List[ObjectScores], seen: Union[None, bool, Mapping[Any, bool]]) -> None:
    """Mark objects as of seen or unseen categories, in place.

    Args:
        scores (List[ObjectScores]): Objects of one video.
        seen (None | bool | Mapping[Any, bool]): None (unknown), one flag for
            every object of the video, or ``obj_id -> flag``.
    """
    if seen is None:
        return
    if isinstance(seen, Mapping):
        flags = {str(k): bool(v) for k, v in seen.items()}
        missing = [s.obj_id for s in scores if s.obj_id not in flags]
        if missing:
            raise KeyError(f'{scores[0].video}: no seen/unseen flag for objects {missing}')
        for s in scores:
            s.seen = flags[s.obj_id]
        return
    for s in scores:
        s.seen = bool(seen)
