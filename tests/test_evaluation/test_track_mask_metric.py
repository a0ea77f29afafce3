"""MOTS measures (MOTSA, sMOTSA, MOTSP, IDF1, ID switches) on crafted mask tracks."""

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.structures import InstanceData

from mmsam2.evaluation.functional.track_measures import track_summary, video_track_counts
from mmsam2.evaluation.metrics.track_mask_metric import TrackMaskMetric
from mmsam2.utils.rle import encode_rle

SIZE = (10, 10)


def _mask(x0: int, x1: int) -> np.ndarray:
    mask = np.zeros(SIZE, bool)
    mask[2:8, x0:x1] = True
    return mask


LEFT, RIGHT = _mask(0, 4), _mask(6, 10)


def _frame(gt: dict, pred: dict) -> tuple:
    """(gt ids, gt masks, pred ids, pred masks) from id -> mask dicts."""

    def stack(masks: dict) -> np.ndarray:
        return np.stack(list(masks.values())) if masks else np.zeros((0, *SIZE), bool)

    return list(gt), stack(gt), list(pred), stack(pred)


def test_perfect_tracks() -> None:
    frames = [_frame({1: LEFT, 2: RIGHT}, {7: LEFT, 8: RIGHT})] * 3
    summary = track_summary(video_track_counts(frames))
    assert summary['MOTSA'] == summary['sMOTSA'] == summary['MOTSP'] == summary['IDF1'] == 1.0
    assert (summary['IDSW'], summary['TP'], summary['FP'], summary['FN']) == (0, 6, 0, 0)
    assert (summary['num_gt_tracks'], summary['num_pred_tracks']) == (2, 2)


def test_identity_switch_misses_and_false_positives() -> None:
    half = _mask(0, 2)  # IoU 0.5 with LEFT: still a match
    frames = [
        _frame({1: LEFT}, {7: LEFT}),
        _frame({1: LEFT}, {8: half}),  # gt 1 now matched by another id: a switch
        _frame({1: LEFT}, {8: RIGHT}),  # a miss and a false positive
        _frame({}, {}),
    ]
    counts = video_track_counts(frames)
    assert (counts.tp, counts.fp, counts.fn, counts.idsw) == (2, 1, 1, 1)
    assert counts.soft_tp == pytest.approx(1.5)
    summary = track_summary(counts)
    assert summary['MOTSA'] == pytest.approx(1 - (1 + 1 + 1) / 3)
    assert summary['sMOTSA'] == pytest.approx((1.5 - 1 - 1) / 3)
    assert summary['MOTSP'] == pytest.approx(0.75)
    # identity: gt 1 is best matched to 7 or 8 for one frame out of 3 gt + 3 predictions
    assert summary['IDF1'] == pytest.approx(2 / 6)


def test_empty_video() -> None:
    summary = track_summary(video_track_counts([]))
    assert summary['MOTSA'] == summary['IDF1'] == 0.0


def _track_sample(frames: list) -> dict:
    samples = []
    for t, (gt, pred) in enumerate(frames):
        sample = DetDataSample(metainfo=dict(frame_id=t, ori_shape=SIZE))
        if gt is not None:
            sample.set_metainfo(
                dict(instances=[dict(instance_id=k, mask=encode_rle(m)) for k, m in gt.items()])
            )
        masks = torch.from_numpy(np.stack(list(pred.values())) if pred else np.zeros((0, *SIZE)))
        sample.pred_track_instances = InstanceData(
            instances_id=torch.tensor(list(pred), dtype=torch.long), masks=masks.bool()
        )
        samples.append(sample)
    return TrackDataSample(video_data_samples=samples).to_dict()


def test_metric_uses_frames_with_ground_truth_only() -> None:
    metric = TrackMaskMetric()
    video_a = [({1: LEFT}, {3: LEFT}), (None, {3: RIGHT}), ({1: LEFT}, {3: LEFT})]
    video_b = [({}, {5: RIGHT})]
    metric.process({}, [_track_sample(video_a), _track_sample(video_b)])
    result = metric.compute_metrics(metric.results)
    assert (result['TP'], result['FP'], result['FN'], result['IDSW']) == (2, 1, 0, 0)
    assert result['num_pred_tracks'] == 2 and result['MOTSA'] == pytest.approx(0.5)
    assert metric.default_prefix == 'mots'
