"""The VOS protocols by name: per-video scores, summary tables and result files.

Both :class:`~mmsam2.evaluation.VOSMetric` (and :class:`~mmsam2.evaluation.SAVMetric`)
and :func:`~.vos_eval.run_vos_evaluation` pick their functions here, so the
two paths give the same numbers and files for a protocol.
"""

from typing import Callable, Dict, List, Sequence, Tuple

from .result_files import write_davis_csvs, write_sav_csv
from .summary import davis_summary, sav_summary
from .video_scores import ObjectScores, davis_video_scores, sav_video_scores

#: Per-video scores of each protocol: ``(video, gt_frames, pred_frames, bound_th)``.
VIDEO_SCORES: Dict[str, Callable[..., List[ObjectScores]]] = {
    'davis': davis_video_scores,
    'sav': sav_video_scores,
}
#: Names of the protocols.
PROTOCOLS = tuple(VIDEO_SCORES)
#: Factor from each protocol's metric values to percent.
PROTOCOL_SCALES: Dict[str, float] = {'davis': 100.0, 'sav': 1.0}


def summarize_protocol(
    protocol: str, objects: Sequence[ObjectScores], official_decay: bool = False
) -> Tuple[Dict[str, float], List[Dict[str, object]]]:
    """Global metrics and per-object rows of a protocol.

    Args:
        protocol (str): 'davis'; any other name is the SA-V protocol.
        objects (Sequence[ObjectScores]): All objects of all videos.
        official_decay (bool): DAVIS only: reproduce the official ``uint8``
            decay bins. Defaults to False.

    Returns:
        Tuple[Dict[str, float], List[Dict[str, object]]]: See
        :func:`~.summary.davis_summary` and :func:`~.summary.sav_summary`.
    """
    if protocol == 'davis':
        return davis_summary(objects, official_decay)
    return sav_summary(objects)


def write_protocol_tables(
    protocol: str,
    out_dir: str,
    metrics: Dict[str, float],
    rows: List[Dict[str, object]],
    set_name: str = 'val',
) -> str:
    """Write the CSV files of a protocol into ``out_dir``.

    Args:
        protocol (str): 'davis'; any other name is the SA-V protocol.
        out_dir (str): Output folder (created if missing).
        metrics (Dict[str, float]): Global metrics of :func:`summarize_protocol`.
        rows (List[Dict[str, object]]): Its per-object rows.
        set_name (str): DAVIS only: subset name in the file names.
            Defaults to 'val'.

    Returns:
        str: Path of the per-sequence table (DAVIS) or of ``results.csv`` (SA-V).
    """
    if protocol == 'davis':
        return write_davis_csvs(out_dir, metrics, rows, set_name)['per_sequence']
    return write_sav_csv(out_dir, metrics, rows)
