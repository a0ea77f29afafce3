"""J, boundary F and mean / recall / decay on hand-checkable cases."""

import math

import numpy as np
import pytest

from mmsam2.evaluation.functional import (
    boundary_f_measure,
    boundary_tolerance,
    decay,
    decay_bin_edges,
    disk,
    region_similarity,
    seg2bmap,
    sequence_statistics,
)


def square(size: int = 40, top: int = 10, left: int = 10, side: int = 16) -> np.ndarray:
    mask = np.zeros((size, size), dtype=bool)
    mask[top : top + side, left : left + side] = True
    return mask


@pytest.mark.parametrize('shift', [0, 1, 3, 8])
def test_j_of_shifted_square(shift):
    # a 16 x 16 square against itself moved right by k: 16 (16 - k) / (16 (16 + k))
    gt, pred = square(), square(left=10 + shift)
    assert region_similarity(gt, pred) == pytest.approx((16 - shift) / (16 + shift))


def test_identical_masks_give_one():
    mask = square()
    assert region_similarity(mask, mask) == 1.0
    assert boundary_f_measure(mask, mask) == 1.0


def test_empty_masks():
    empty = np.zeros((40, 40), dtype=bool)
    assert region_similarity(empty, empty) == 1.0
    assert boundary_f_measure(empty, empty) == 1.0
    # empty ground truth, non-empty prediction (and the reverse) -> 0
    assert region_similarity(empty, square()) == 0.0
    assert boundary_f_measure(empty, square()) == 0.0
    assert region_similarity(square(), empty) == 0.0
    assert boundary_f_measure(square(), empty) == 0.0


def test_seg2bmap_single_pixel_and_border():
    mask = np.zeros((5, 5), dtype=bool)
    mask[2, 2] = True
    # the pixel and its upper / left / upper-left neighbours differ from a right/lower neighbour
    expected = np.zeros((5, 5), dtype=bool)
    expected[1:3, 1:3] = True
    np.testing.assert_array_equal(seg2bmap(mask), expected)
    # the image border is no boundary: a full mask has none
    assert not seg2bmap(np.ones((6, 7), dtype=bool)).any()


def test_boundary_tolerance():
    assert boundary_tolerance((480, 854)) == 8  # ceil(0.008 * 979.7)
    assert boundary_tolerance((30, 40)) == 1  # ceil(0.4)
    assert boundary_tolerance((30, 40), bound_th=3) == 3


def test_disk():
    np.testing.assert_array_equal(disk(1), [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    assert disk(8).shape == (17, 17) and disk(8).sum() == 197


def test_f_of_shifted_square():
    # 400 x 400 image: tolerance ceil(0.008 * 565.7) = 5 pixels
    gt = np.zeros((400, 400), dtype=bool)
    gt[100:200, 100:200] = True
    within = np.roll(gt, 5, axis=1)
    assert boundary_f_measure(gt, within) == 1.0
    # moved by 7: the vertical edges (100 + 100 px, one each side, and the 6 px
    # staircase ends) stay within 5 px of each other only along the shared
    # rows; count by hand from the boundary maps: 2 * 100 horizontal pixels of
    # 201 per side... checked against an exact count below.
    # moved by 7: a boundary pixel matches when a pixel of the other boundary
    # lies within Euclidean distance 5 (what the disk dilation computes)
    far = np.roll(gt, 7, axis=1)
    gt_pixels = np.argwhere(seg2bmap(gt))
    far_pixels = np.argwhere(seg2bmap(far))
    dist = np.linalg.norm(gt_pixels[:, None] - far_pixels[None], axis=-1)
    recall = np.mean(dist.min(1) <= 5)
    precision = np.mean(dist.min(0) <= 5)
    expected = 2 * precision * recall / (precision + recall)
    assert 0.5 < expected < 1
    assert boundary_f_measure(gt, far) == pytest.approx(expected, abs=1e-12)


def test_recall_and_decay_crafted():
    values = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=float)
    # edges of linspace(1, 8, 5) = 1, 2.75, 4.5, 6.25, 8 rounded (halves up) minus 1
    np.testing.assert_array_equal(decay_bin_edges(8), [0, 2, 4, 5, 7])
    mean, recall, dec = sequence_statistics(values)
    assert (mean, recall, dec) == (0.5, 0.5, 1.0)
    mean, recall, dec = sequence_statistics(np.array([0.2, 0.6, 0.7, 0.9, 0.5]))
    assert mean == pytest.approx(0.58) and recall == 0.6
    # edges 0, 1, 2, 3, 4: first bin frames 0-1, last bin frames 3-4
    assert dec == pytest.approx(0.4 - 0.7)


def test_statistics_of_nothing_and_one_frame():
    assert all(math.isnan(v) for v in sequence_statistics(np.array([])))
    assert sequence_statistics(np.array([0.7])) == (0.7, 1.0, 0.0)


def test_decay_beyond_256_frames():
    # 256 evaluated frames: first half perfect, second half failed
    values = np.r_[np.ones(128), np.zeros(128)]
    np.testing.assert_array_equal(decay_bin_edges(256), [0, 64, 128, 191, 255])
    assert decay(values) == 1.0
    # the DAVIS tool's uint8 edge 255 + 1 wraps to 0: the last bin is empty
    assert math.isnan(decay(values, official=True))


def test_official_decay_wraps_modulo_256():
    # 700 frames: edges 0, 175, 350, 524, 699 wrap to 0, 175, 94, 12, 187
    np.testing.assert_array_equal(decay_bin_edges(700, official=True), [0, 175, 94, 12, 187])
    values = np.linspace(1, 0, 700)
    expected_official = values[0:176].mean() - values[12:188].mean()
    assert decay(values, official=True) == pytest.approx(expected_official)
    assert decay(values) == pytest.approx(values[0:176].mean() - values[524:700].mean())
    # 600 frames: the wrapped last bin runs backwards (193 -> 87): NaN
    np.testing.assert_array_equal(decay_bin_edges(600, official=True), [0, 150, 44, 193, 87])
    assert math.isnan(decay(np.ones(600), official=True))


def test_decay_official_matches_uint8_cast():
    # the wrap is what numpy's float -> uint8 cast gives on this platform
    for n in (255, 256, 257, 300, 513, 1100):
        points = np.round(np.linspace(1, n, 5) + 1e-10) - 1
        np.testing.assert_array_equal(decay_bin_edges(n, official=True), points.astype(np.uint8))
