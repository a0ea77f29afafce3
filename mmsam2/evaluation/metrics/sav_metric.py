"""SAVMetric: J, F and J&F of the SA-V protocol (sam2's ``sav_evaluator.py``)."""

from typing import Optional

from mmsam2.evaluation.functional import PROTOCOL_SCALES
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
    scale = PROTOCOL_SCALES[protocol]

    def __init__(self, **kwargs) -> None:
        if 'official_decay' in kwargs:
            raise TypeError('SAVMetric reports no decay; official_decay is a VOSMetric option')
        super().__init__(**kwargs)
