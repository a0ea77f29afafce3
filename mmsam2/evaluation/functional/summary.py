"""From per-object scores to the global and per-sequence tables of each protocol.

DAVIS: every object gets the mean, recall and decay of its per-frame J and F;
the global numbers are means over all objects of all videos, J&F the mean of
J and F, all in [0, 1] (as ``global_results-<set>.csv``). SA-V: per-object
means of J and F, times 100, averaged over all objects. When the objects carry
seen / unseen flags (YouTube-VOS, LVOS), ``J_seen``, ``F_seen``, ``J_unseen``,
``F_unseen`` (means over the objects of each group) and ``overall`` (the mean
of those four) are added.
"""

from typing import Dict, List, Sequence, Tuple

import numpy as np

from .davis_measures import sequence_statistics
from .video_scores import ObjectScores

#: Columns of the DAVIS tool's global_results-<set>.csv, in order.
DAVIS_GLOBAL_COLUMNS = (
    'J&F-Mean',
    'J-Mean',
    'J-Recall',
    'J-Decay',
    'F-Mean',
    'F-Recall',
    'F-Decay',
)
#: Columns of the DAVIS tool's per-sequence_results-<set>.csv, in order.
DAVIS_SEQUENCE_COLUMNS = ('Sequence', 'J-Mean', 'F-Mean')
#: Keys added when the objects carry seen / unseen flags.
SEEN_UNSEEN_KEYS = ('J_seen', 'F_seen', 'J_unseen', 'F_unseen', 'overall')
#: Keys of the SA-V summary.
SAV_KEYS = ('J&F-Mean', 'J-Mean', 'F-Mean')


def seen_unseen(
    objects: Sequence[ObjectScores], j_means: np.ndarray, f_means: np.ndarray
) -> Dict[str, float]:
    """Seen / unseen split of per-object means (empty when no object has a flag).

    Args:
        objects (Sequence[ObjectScores]): The objects, (K,).
        j_means (np.ndarray): Their mean J, (K,).
        f_means (np.ndarray): Their mean F, (K,).

    Returns:
        Dict[str, float]: ``J_seen``, ``F_seen``, ``J_unseen``, ``F_unseen``
        and ``overall`` (NaN for a group without objects), or ``{}``.
    """
    flags = [o.seen for o in objects]
    if all(f is None for f in flags):
        return {}
    if any(f is None for f in flags):
        missing = [f'{o.video}_{o.obj_id}' for o in objects if o.seen is None][:5]
        raise ValueError(f'some objects have no seen/unseen flag, e.g. {missing}')
    seen = np.array(flags, dtype=bool)
    split = {
        'J_seen': _mean(j_means[seen]),
        'F_seen': _mean(f_means[seen]),
        'J_unseen': _mean(j_means[~seen]),
        'F_unseen': _mean(f_means[~seen]),
    }
    split['overall'] = (
        split['J_seen'] + split['F_seen'] + split['J_unseen'] + split['F_unseen']
    ) / 4
    return split


def _mean(values: np.ndarray) -> float:
    """Mean that is NaN for no values, without a warning."""
    return float(np.mean(values)) if len(values) else float('nan')


def davis_summary(
    objects: Sequence[ObjectScores], official_decay: bool = False
) -> Tuple[Dict[str, float], List[Dict[str, object]]]:
    """Global and per-sequence tables of the DAVIS protocol.

    Args:
        objects (Sequence[ObjectScores]): All objects of all videos, (K,).
        official_decay (bool): Reproduce the DAVIS tool's ``uint8`` decay bins
            (see :func:`~.davis_measures.decay_bin_edges`). Defaults to False.

    Returns:
        Tuple[Dict[str, float], List[Dict[str, object]]]: The global metrics
        (:data:`DAVIS_GLOBAL_COLUMNS`, plus :data:`SEEN_UNSEEN_KEYS` when
        flagged) and one row per object: ``Sequence`` (``<video>_<obj_id>``),
        ``J-Mean``, ``F-Mean``.
    """
    j_stats = np.array([sequence_statistics(o.j, official_decay) for o in objects]).reshape(-1, 3)
    f_stats = np.array([sequence_statistics(o.f, official_decay) for o in objects]).reshape(-1, 3)
    j_mean, j_recall, j_decay = (_mean(j_stats[:, i]) for i in range(3))
    f_mean, f_recall, f_decay = (_mean(f_stats[:, i]) for i in range(3))
    values = ((j_mean + f_mean) / 2.0, j_mean, j_recall, j_decay, f_mean, f_recall, f_decay)
    metrics = dict(zip(DAVIS_GLOBAL_COLUMNS, values))
    metrics.update(seen_unseen(objects, j_stats[:, 0], f_stats[:, 0]))
    rows = [
        {'Sequence': f'{o.video}_{o.obj_id}', 'J-Mean': j[0], 'F-Mean': f[0]}
        for o, j, f in zip(objects, j_stats.tolist(), f_stats.tolist())
    ]
    return metrics, rows


def sav_summary(
    objects: Sequence[ObjectScores],
) -> Tuple[Dict[str, float], List[Dict[str, object]]]:
    """Global and per-object tables of the SA-V protocol (percentages).

    Args:
        objects (Sequence[ObjectScores]): All objects of all videos, (K,).

    Returns:
        Tuple[Dict[str, float], List[Dict[str, object]]]: The global metrics
        (:data:`SAV_KEYS`, plus :data:`SEEN_UNSEEN_KEYS` when flagged), and
        one row per object: ``sequence``, ``obj``, ``J&F``, ``J``, ``F``.
    """
    j_means = np.array([np.mean(o.j) * 100 for o in objects])
    f_means = np.array([np.mean(o.f) * 100 for o in objects])
    j_mean, f_mean = _mean(j_means), _mean(f_means)
    metrics = dict(zip(SAV_KEYS, ((j_mean + f_mean) / 2, j_mean, f_mean)))
    metrics.update(seen_unseen(objects, j_means, f_means))
    rows = [
        {'sequence': o.video, 'obj': o.obj_id, 'J&F': (j + f) / 2, 'J': j, 'F': f}
        for o, j, f in zip(objects, j_means.tolist(), f_means.tolist())
    ]
    return metrics, rows
