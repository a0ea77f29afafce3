"""Which objects and frames each protocol scores."""

import numpy as np
import pytest

from mmsam2.evaluation.functional import (
    as_frames,
    davis_summary,
    davis_video_scores,
    sav_summary,
    sav_video_scores,
    set_seen,
)


def box_video(num_frames: int = 6, size: int = 20) -> np.ndarray:
    """(T, H, W) id map: object 1 top-left, object 2 bottom-right, on every frame."""
    video = np.zeros((num_frames, size, size), dtype=np.uint8)
    video[:, 2:8, 2:8] = 1
    video[:, 12:18, 12:18] = 2
    return video


def test_first_and_last_frames_are_excluded():
    gt = box_video()
    pred = gt.copy()
    pred[0] = 0
    pred[-1] = 0
    for score in (davis_video_scores, sav_video_scores):
        objects = score('v', gt, pred)
        assert [o.obj_id for o in objects] == ['1', '2']
        assert all(len(o.j) == 4 and (o.j == 1).all() and (o.f == 1).all() for o in objects)


def test_davis_objects_come_from_the_first_frame():
    gt = box_video()
    gt[0, gt[0] == 2] = 0  # object 2 absent from frame 0 ...
    gt[0, 0, 0] = 3  # ... but id 3 there: objects 1, 2, 3
    gt[0, 19, 19] = 255  # void is no object
    pred = gt.copy()
    pred[2, 0:2, 0:2] = 9  # an id that is no object is ignored
    objects = davis_video_scores('v', gt, pred)
    assert [o.obj_id for o in objects] == ['1', '2', '3']
    # object 3 is empty in the evaluated frames of both: J = F = 1
    assert (objects[2].j == 1).all() and (objects[2].f == 1).all()


def test_davis_missing_predicted_object_scores_zero():
    gt = box_video()
    pred = {'1': gt == 1}
    objects = davis_video_scores('v', gt, pred)
    assert (objects[0].j == 1).all()
    assert (objects[1].j == 0).all() and (objects[1].f == 0).all()


def test_empty_prediction_dict():
    objects = davis_video_scores('v', box_video(), {})
    assert all((o.j == 0).all() and (o.f == 0).all() for o in objects)


def test_void_label_is_background():
    gt = box_video()
    gt[:, 2:8, 8:10] = 255
    pred = (gt == 1).astype(np.uint8)
    pred[:, 2:8, 8:10] = 1  # predicting the void area counts as false positive
    objects = davis_video_scores('v', gt, pred)
    np.testing.assert_allclose(objects[0].j, 36 / 48)


def test_multi_object_averaging():
    gt = box_video()
    pred = gt.copy()
    pred[pred == 2] = 0  # object 2 lost
    metrics, rows = davis_summary(davis_video_scores('v', gt, pred))
    assert metrics['J-Mean'] == pytest.approx(0.5)
    assert metrics['F-Mean'] == pytest.approx(0.5)
    assert metrics['J&F-Mean'] == pytest.approx(0.5)
    assert metrics['J-Recall'] == pytest.approx(0.5)
    assert [r['Sequence'] for r in rows] == ['v_1', 'v_2']
    # averaging is over objects, not videos: add a one-object perfect video
    single = box_video()
    single[single == 2] = 0
    objects = davis_video_scores('v', gt, pred) + davis_video_scores('w', single, single)
    assert davis_summary(objects)[0]['J-Mean'] == pytest.approx(2 / 3)


def test_sav_scores_each_object_from_its_first_appearance():
    gt = box_video(num_frames=8)
    gt[:4][gt[:4] == 2] = 0  # object 2 appears at frame 4
    pred = gt.copy()
    objects = {o.obj_id: o for o in sav_video_scores('v', gt, pred)}
    assert len(objects['1'].j) == 6  # frames 1..6
    assert len(objects['2'].j) == 3  # frames 4..6
    # an early false positive at frame 2 starts the object's frames there;
    # frame 3 (both empty) then counts as 1
    pred[2, 12:18, 12:18] = 2
    objects = {o.obj_id: o for o in sav_video_scores('v', gt, pred)}
    np.testing.assert_array_equal(objects['2'].j, [0, 1, 1, 1, 1])
    # the DAVIS protocol scores object 2 on all evaluated frames
    davis = {o.obj_id: o for o in davis_video_scores('v', gt, pred)}
    assert len(davis['1'].j) == 6 and '2' not in davis  # not in the first frame


def test_sav_overlapping_objects_and_unreported_objects():
    gt = {'000': np.zeros((5, 10, 10), bool), '001': np.zeros((5, 10, 10), bool)}
    gt['000'][:, 2:8, 2:8] = True
    gt['001'][:, 4:10, 4:10] = True  # overlaps object 000
    pred = {k: v.copy() for k, v in gt.items()}
    pred['002'] = gt['000'].copy()  # an object absent from the ground truth
    objects = sav_video_scores('v', gt, pred)
    assert [o.obj_id for o in objects] == ['000', '001']
    assert all((o.j == 1).all() for o in objects)
    metrics, rows = sav_summary(objects)
    assert metrics == {'J&F-Mean': 100.0, 'J-Mean': 100.0, 'F-Mean': 100.0}
    assert rows[0] == {'sequence': 'v', 'obj': '000', 'J&F': 100.0, 'J': 100.0, 'F': 100.0}


def test_seen_unseen_split():
    gt = box_video()
    pred = gt.copy()
    pred[pred == 2] = 0
    objects = davis_video_scores('v', gt, pred)
    set_seen(objects, {1: True, '2': False})
    metrics, _ = davis_summary(objects)
    assert (metrics['J_seen'], metrics['J_unseen']) == (1.0, 0.0)
    assert (metrics['F_seen'], metrics['F_unseen']) == (1.0, 0.0)
    assert metrics['overall'] == 0.5
    set_seen(objects, True)
    assert np.isnan(davis_summary(objects)[0]['J_unseen'])
    with pytest.raises(KeyError):
        set_seen(objects, {'1': True})
    objects[0].seen = None
    with pytest.raises(ValueError):
        davis_summary(objects)


def test_shape_and_length_mismatch_raise():
    gt = box_video()
    with pytest.raises(ValueError, match='shapes differ'):
        davis_video_scores('v', gt, gt[:, :10])
    with pytest.raises(ValueError, match='predicted frames'):
        davis_video_scores('v', gt, gt[:4])


def test_tensor_sources():
    torch = pytest.importorskip('torch')
    gt = box_video()
    pred = {1: torch.from_numpy(gt == 1)}
    objects = davis_video_scores('v', as_frames(torch.from_numpy(gt)), as_frames(pred))
    assert (objects[0].j == 1).all() and (objects[1].j == 0).all()
