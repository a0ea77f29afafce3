"""Cross-checks on random masks against ``vos-benchmark`` (the SA-V evaluator's code)."""

import numpy as np
import pytest

from mmsam2.evaluation.functional import (
    boundary_f_measure,
    davis_video_scores,
    disk,
    region_similarity,
    sav_video_scores,
    seg2bmap,
)

vos_evaluator = pytest.importorskip('vos_benchmark.evaluator')
vos_utils = pytest.importorskip('vos_benchmark.utils')


def random_blobs(rng: np.random.Generator, shape=(37, 53), num_ids: int = 3) -> np.ndarray:
    """Id map of a few random overlapping rectangles and speckle."""
    id_map = np.zeros(shape, dtype=np.uint8)
    for obj in range(1, num_ids + 1):
        if rng.random() < 0.2:
            continue
        top, left = rng.integers(0, shape[0] - 5), rng.integers(0, shape[1] - 5)
        height, width = rng.integers(3, shape[0] - top + 1), rng.integers(3, shape[1] - left + 1)
        id_map[top : top + height, left : left + width] = obj
        id_map[rng.random(shape) < 0.02] = obj
    return id_map


def test_seg2bmap_and_disk_match_reference():
    rng = np.random.default_rng(0)
    for _ in range(30):
        mask = rng.random((int(rng.integers(2, 30)), int(rng.integers(2, 30)))) < rng.random()
        np.testing.assert_array_equal(seg2bmap(mask), vos_utils._seg2bmap(mask))
    morphology = pytest.importorskip('skimage.morphology')
    for radius in range(0, 12):
        np.testing.assert_array_equal(disk(radius), morphology.disk(float(radius)))


def test_per_frame_j_and_f_match_reference():
    rng = np.random.default_rng(1)
    max_diff = 0.0
    for _ in range(40):
        shape = (int(rng.integers(20, 90)), int(rng.integers(20, 120)))
        gt, pred = random_blobs(rng, shape, 1) > 0, random_blobs(rng, shape, 1) > 0
        if rng.random() < 0.3:
            pred = np.roll(gt, int(rng.integers(-4, 5)), axis=int(rng.integers(0, 2)))
        reference = vos_evaluator.Evaluator()
        reference.feed_frame(pred.astype(np.uint8), gt.astype(np.uint8))
        if not gt.any():
            continue  # the reference reports objects of the ground truth only
        ref_j, ref_f = reference.object_iou[1][0], reference.boundary_f[1][0]
        max_diff = max(
            max_diff,
            abs(region_similarity(gt, pred) - ref_j),
            abs(boundary_f_measure(gt, pred) - ref_f),
        )
    assert max_diff <= 1e-12


def test_sav_protocol_matches_reference_video():
    rng = np.random.default_rng(2)
    for _ in range(5):
        num_frames = int(rng.integers(3, 12))
        gt = np.stack([random_blobs(rng) for _ in range(num_frames)])
        pred = np.stack([random_blobs(rng) for _ in range(num_frames)])
        reference = vos_evaluator.Evaluator()
        for t in range(1, num_frames - 1):
            reference.feed_frame(pred[t], gt[t])
        ref_j, ref_f = reference.conclude()
        ours = {o.obj_id: o for o in sav_video_scores('v', gt, pred)}
        assert sorted(ours) == sorted(str(k) for k in ref_j)
        for obj_id, j in ref_j.items():
            assert np.mean(ours[str(obj_id)].j) * 100 == pytest.approx(j, abs=1e-9)
            assert np.mean(ours[str(obj_id)].f) * 100 == pytest.approx(ref_f[obj_id], abs=1e-9)


def test_davis_equals_reference_when_objects_are_always_present():
    # with every object in every evaluated ground-truth frame, both protocols
    # score the same frames, so DAVIS per-object means equal the reference's
    rng = np.random.default_rng(3)
    gt = np.zeros((6, 40, 50), dtype=np.uint8)
    gt[:, 2:20, 3:30] = 1
    gt[:, 22:38, 25:48] = 2
    pred = np.where(rng.random(gt.shape) < 0.1, rng.integers(0, 3, gt.shape), gt).astype(np.uint8)
    reference = vos_evaluator.Evaluator()
    for t in range(1, 5):
        reference.feed_frame(pred[t], gt[t])
    ref_j, ref_f = reference.conclude()
    for o in davis_video_scores('v', gt, pred):
        assert np.mean(o.j) * 100 == pytest.approx(ref_j[int(o.obj_id)], abs=1e-9)
        assert np.mean(o.f) * 100 == pytest.approx(ref_f[int(o.obj_id)], abs=1e-9)
