"""Mask IoU, one-to-one assignment and detection-to-track association on crafted masks."""

import numpy as np
import pytest

from mmsam2.models.trackers import assign, associate, mask_iou


def _box_mask(x0: int, y0: int, x1: int, y1: int, size=(20, 20)) -> np.ndarray:
    mask = np.zeros(size, bool)
    mask[y0:y1, x0:x1] = True
    return mask


def test_mask_iou_values() -> None:
    a = np.stack([_box_mask(0, 0, 10, 10), _box_mask(0, 0, 0, 0)])
    b = np.stack([_box_mask(0, 0, 10, 10), _box_mask(5, 0, 15, 10), _box_mask(0, 0, 0, 0)])
    iou = mask_iou(a, b)
    assert iou.shape == (2, 3) and iou.dtype == np.float32
    np.testing.assert_allclose(iou[0], [1.0, 50 / 150, 0.0])
    np.testing.assert_array_equal(iou[1], 0.0)  # an empty mask matches nothing
    assert mask_iou(a, b[:0]).shape == (2, 0) and mask_iou(a[:0], b[:0]).shape == (0, 0)
    with pytest.raises(ValueError, match='sizes differ'):
        mask_iou(a, np.zeros((1, 5, 5), bool))


@pytest.mark.parametrize('method', ['hungarian', 'greedy'])
def test_assign_keeps_pairs_above_threshold(method: str) -> None:
    iou = np.array([[0.9, 0.6, 0.0], [0.8, 0.1, 0.0], [0.0, 0.0, 0.3]])
    pairs = assign(iou, 0.5, method)
    assert (2, 2) not in pairs  # below the threshold
    assert all(iou[r, c] >= 0.5 for r, c in pairs)
    assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs})
    assert assign(np.zeros((0, 3)), 0.5, method) == []


def test_hungarian_maximises_total_iou_where_greedy_does_not() -> None:
    iou = np.array([[0.9, 0.8], [0.85, 0.0]])
    assert assign(iou, 0.5, 'greedy') == [(0, 0)]
    assert assign(iou, 0.5, 'hungarian') == [(0, 1), (1, 0)]
    with pytest.raises(ValueError, match='method'):
        assign(iou, 0.5, 'auction')


def test_associate_matches_and_starts_tracks() -> None:
    tracks = np.stack([_box_mask(0, 0, 8, 8), _box_mask(12, 12, 20, 20)])
    dets = np.stack(
        [
            _box_mask(0, 0, 8, 9),  # track 0 again
            _box_mask(12, 0, 20, 6),  # a new object
            _box_mask(0, 0, 8, 7),  # a second detection of track 0: duplicate
            _box_mask(12, 1, 20, 6),  # a duplicate of the new object, lower score
            _box_mask(0, 12, 6, 20),  # new but not confident enough
            _box_mask(0, 0, 0, 0),  # SAM found nothing
        ]
    )
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.4, 0.95])
    result = associate(dets, scores, tracks, 0.5, 0.5)
    assert result.matches == [(0, 0)]
    assert result.new == [1]
    # with no live track, the best of the duplicates starts
    assert associate(dets, scores, tracks[:0], 0.5, 0.5).new == [0, 1]
