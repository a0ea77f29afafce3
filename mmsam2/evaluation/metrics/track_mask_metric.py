"""TrackMaskMetric: MOTS measures (MOTSA, sMOTSA, MOTSP, IDF1, ID switches) on tracked masks."""

from functools import reduce
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np
import pycocotools.mask as mask_util
from mmengine.evaluator import BaseMetric

from mmsam2.evaluation.functional.track_measures import (
    TrackCounts,
    TrackFrameMasks,
    track_summary,
    video_track_counts,
)
from mmsam2.registry import METRICS


def _frames_with_ground_truth(video_samples: Sequence) -> Iterator[TrackFrameMasks]:
    """Ground truth and predictions of the annotated frames of one video."""
    for sample in video_samples:
        instances = sample.metainfo.get('instances')
        if instances is None:
            continue
        pred = sample.pred_track_instances
        height, width = sample.metainfo['ori_shape']
        gt_masks = [mask_util.decode(inst['mask']).astype(bool) for inst in instances]
        yield (
            [inst['instance_id'] for inst in instances],
            np.stack(gt_masks) if gt_masks else np.zeros((0, height, width), bool),
            pred.instances_id.tolist(),
            pred.masks.cpu().numpy().astype(bool),
        )


@METRICS.register_module()
class TrackMaskMetric(BaseMetric):
    """Multi-object tracking and segmentation measures of mask tracks (MOTS).

    CLEAR-MOT on masks and IDF1, class-agnostic (see
    :mod:`mmsam2.evaluation.functional.track_measures`): ``MOTSA``,
    ``sMOTSA``, ``MOTSP``, ``IDF1``, ``IDSW``, ``TP``, ``FP``, ``FN``,
    ``num_gt_tracks`` and ``num_pred_tracks``, over all frames with ground
    truth of all videos.

    Data sample contract: :meth:`process` takes mmdet ``TrackDataSample``
    (dicts with ``video_data_samples``), one ``DetDataSample`` per frame
    with ``pred_track_instances`` (``instances_id``, ``masks``) and, on
    frames with ground truth, the metainfo ``instances`` (dicts with
    ``instance_id`` and a COCO RLE ``mask``) and ``ori_shape``, as
    :class:`~mmsam2.models.trackers.SAM2DetTracker` returns them.

    Args:
        iou_thr (float): Smallest mask IoU of a match. Defaults to 0.5.
        collect_device (str): Device used to collect results across ranks.
            Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None ('mots').
    """

    default_prefix = 'mots'

    def __init__(
        self, iou_thr: float = 0.5, collect_device: str = 'cpu', prefix: Optional[str] = None
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_thr = iou_thr

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Count one batch of videos.

        Args:
            data_batch (dict): Unused.
            data_samples (Sequence[dict]): Tracking samples, one per video.
        """
        for track_sample in data_samples:
            frames = _frames_with_ground_truth(track_sample['video_data_samples'])
            self.results.append(video_track_counts(frames, self.iou_thr))

    def compute_metrics(self, results: List[TrackCounts]) -> Dict[str, float]:
        """Sum the videos' counts and compute the measures.

        Args:
            results (List[TrackCounts]): One per video.

        Returns:
            Dict[str, float]: The measures.
        """
        return track_summary(reduce(TrackCounts.merge, results, TrackCounts()))
