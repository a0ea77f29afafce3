"""Prompt samplers: behaviour, and the same draws as Meta's sam2_utils for a seed."""

import pytest
import torch
from meta_reference import import_meta_sam2

from mmsam2.models.utils.point_sampling import (
    concat_points,
    get_next_point,
    mask_to_box,
    sample_box_points,
    sample_one_point_from_error_center,
    sample_random_points_from_errors,
)
from mmsam2.structures import PointPrompts


def _masks(seed: int = 0) -> torch.Tensor:
    """Four 24 x 32 masks: a rectangle, two blobs, an empty one."""
    g = torch.Generator().manual_seed(seed)
    masks = torch.zeros(4, 1, 24, 32, dtype=torch.bool)
    masks[0, 0, 5:12, 8:20] = True
    masks[1] = torch.rand(1, 24, 32, generator=g) > 0.7
    masks[2, 0, 10:, 20:] = True
    return masks


def test_mask_to_box() -> None:
    boxes = mask_to_box(_masks())
    assert boxes.shape == (4, 1, 4)
    assert boxes[0, 0].tolist() == [8, 5, 19, 11]
    assert boxes[3, 0].tolist() == [32, 24, -1, -1]  # empty: Meta's convention


def test_box_points_noise_is_bounded() -> None:
    masks = _masks()[:1]
    clean = sample_box_points(masks, noise=0.0)
    assert clean.labels.tolist() == [[2, 3]]
    assert clean.coords.tolist() == [[[8.0, 5.0], [19.0, 11.0]]]
    torch.manual_seed(0)
    noisy = sample_box_points(masks.expand(50, -1, -1, -1), noise=0.1, noise_bound=20)
    shift = (noisy.coords - clean.coords).abs()
    assert (shift[..., 0] <= 11 * 0.1 + 1e-6).all() and (shift[..., 1] <= 6 * 0.1 + 1e-6).all()
    assert shift.max() > 0


def test_random_points_fall_in_errors() -> None:
    gt = _masks()
    pred = torch.zeros_like(gt)
    pred[:, 0, :12, :] = True  # false positives above, false negatives below
    torch.manual_seed(0)
    points = sample_random_points_from_errors(gt, pred, num_pt=5)
    assert points.coords.shape == (4, 5, 2) and points.labels.shape == (4, 5)
    for b in range(4):
        for (x, y), label in zip(points.coords[b].long().tolist(), points.labels[b].tolist()):
            in_gt, in_pred = bool(gt[b, 0, y, x]), bool(pred[b, 0, y, x])
            assert in_gt != in_pred
            assert label == int(in_gt)


def test_perfect_prediction_gives_negative_background_click() -> None:
    gt = _masks()[:1]
    torch.manual_seed(0)
    points = sample_random_points_from_errors(gt, gt.clone())
    x, y = points.coords[0, 0].long().tolist()
    assert points.labels.item() == 0 and not gt[0, 0, y, x]


def test_center_point_is_deepest_error_pixel() -> None:
    gt = torch.zeros(1, 1, 21, 21, dtype=torch.bool)
    gt[0, 0, 2:19, 2:19] = True
    points = sample_one_point_from_error_center(gt)
    assert points.coords.tolist() == [[[10.0, 10.0]]] and points.labels.item() == 1
    pred = torch.ones_like(gt)  # background wrongly predicted: negative click in the frame
    points = sample_one_point_from_error_center(gt, pred)
    assert points.labels.item() == 0


def test_get_next_point_and_concat() -> None:
    gt = _masks()
    first = get_next_point(gt, None, 'uniform')
    second = get_next_point(gt, gt, 'center')
    both = concat_points(first, second)
    assert isinstance(both, PointPrompts) and both.num_points == 2
    assert concat_points(None, first) is first
    with pytest.raises(ValueError, match='sampling method'):
        get_next_point(gt, None, 'corner')
    with pytest.raises(ValueError, match='bool'):
        sample_random_points_from_errors(gt.float())


@pytest.mark.parity
@pytest.mark.parametrize('seed', [0, 1])
def test_same_draws_as_meta(seed: int) -> None:
    import_meta_sam2()
    from sam2.modeling import sam2_utils as meta

    gt = _masks(seed)
    pred = torch.roll(gt, shifts=3, dims=-1)
    cases = [
        (lambda: sample_box_points(gt), lambda: meta.sample_box_points(gt)),
        (
            lambda: sample_random_points_from_errors(gt, pred, 3),
            lambda: meta.sample_random_points_from_errors(gt, pred, 3),
        ),
        (
            lambda: sample_random_points_from_errors(gt, None),
            lambda: meta.sample_random_points_from_errors(gt, None),
        ),
        (
            lambda: sample_one_point_from_error_center(gt, pred),
            lambda: meta.sample_one_point_from_error_center(gt, pred),
        ),
    ]
    for ours_fn, meta_fn in cases:
        torch.manual_seed(seed)
        ours = ours_fn()
        torch.manual_seed(seed)
        coords, labels = meta_fn()
        assert torch.equal(ours.coords, coords.float())
        assert torch.equal(ours.labels, labels.to(torch.int32))
