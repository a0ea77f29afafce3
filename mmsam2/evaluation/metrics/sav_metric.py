"""SAVMetric: J, F and J&F of the SA-V protocol (sam2's ``sav_evaluator.py``)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmsam2.evaluation.functional import (
    ObjectScores,
    sav_summary,
    sav_video_scores,
    write_sav_csv,
)
from mmsam2.registry import METRICS

from .vos_metric import VOSMetric


@METRICS.register_module()
class SAVMetric(VOSMetric):
    """Video object segmentation metric, SA-V protocol.

    Gives the numbers of the SA-V evaluator (and of ``vos-benchmark``): the
    first and the last frame are skipped; each object is scored from the
    first remaining frame where it appears in the ground truth or in the
    prediction; objects absent from the evaluated ground truth are not
    reported; per-object mean J and F times 100 are averaged over all objects
    of all videos, and J&F = (J + F) / 2. Seen / unseen flags add ``J_seen``,
    ``F_seen``, ``J_unseen``, ``F_unseen`` and ``overall``.

    The data samples are those of :class:`VOSMetric` (SA-V per-object PNG
    folders ``<video>/<obj_id>/<frame>.png`` are read as a path). One frame
    list is used per video; ``tools/analysis_tools/eval_vos.py`` also handles
    objects annotated on different frames. With ``out_dir`` set, the metric
    writes ``results.csv`` (the SA-V evaluator's layout) and
    ``vos_results_<benchmark>.json``.

    Args:
        **kwargs: The arguments of :class:`VOSMetric` but ``official_decay``
            (SA-V reports no decay); ``benchmark`` defaults to
            ``sav-<set_name>`` and ``prefix`` to 'sav'.
    """

    default_prefix: Optional[str] = 'sav'
    protocol = 'sav'
    scale = 1.0

    def __init__(self, **kwargs) -> None:
        if 'official_decay' in kwargs:
            raise TypeError('SAVMetric reports no decay; official_decay is a VOSMetric option')
        super().__init__(**kwargs)

    def score_video(
        self, video: str, gt_frames: Sequence[Any], pred_frames: Sequence[Any]
    ) -> List[ObjectScores]:
        """Per-object scores of one video, each object from its first appearance.

        Args:
            video (str): Video name.
            gt_frames (Sequence[Any]): Ground-truth frames, (T,).
            pred_frames (Sequence[Any]): Predicted frames, (T,).

        Returns:
            List[ObjectScores]: The objects present in the evaluated ground truth.
        """
        return sav_video_scores(video, gt_frames, pred_frames, self.bound_th)

    def summarize(
        self, objects: Sequence[ObjectScores]
    ) -> Tuple[Dict[str, float], List[Dict[str, object]]]:
        """Global metrics (percent) and per-object rows.

        Args:
            objects (Sequence[ObjectScores]): All objects of all videos.

        Returns:
            Tuple[Dict[str, float], List[Dict[str, object]]]: See
            :func:`~mmsam2.evaluation.functional.sav_summary`.
        """
        return sav_summary(objects)

    def write_tables(self, metrics: Dict[str, float], rows: List[Dict[str, object]]) -> str:
        """Write ``results.csv`` into ``out_dir``.

        Args:
            metrics (Dict[str, float]): Global metrics.
            rows (List[Dict[str, object]]): Per-object rows.

        Returns:
            str: Path of ``results.csv``.
        """
        return write_sav_csv(self.out_dir, metrics, rows)
