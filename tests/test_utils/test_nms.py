"""batched_nms / nms without torchvision: torchvision's results on hand-made and random boxes."""

import pytest
import torch

from mmsam2.testing.meta_reference import _batched_nms as reference_batched_nms
from mmsam2.utils.nms import batched_nms, box_area, nms


def test_box_area() -> None:
    boxes = torch.tensor([[0.0, 0.0, 10.0, 5.0], [2.0, 3.0, 2.0, 9.0]])
    assert box_area(boxes).tolist() == [50.0, 0.0]


def test_iou_equal_to_threshold_is_kept() -> None:
    # IoU of the two boxes is exactly 0.5: torchvision suppresses only IoU > threshold.
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 5.0]])
    scores = torch.tensor([0.9, 0.8])
    assert nms(boxes, scores, 0.5).tolist() == [0, 1]
    assert nms(boxes, scores, 0.49).tolist() == [0]


def test_order_ties_and_categories() -> None:
    boxes = torch.tensor(
        [[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [20, 20, 30, 30], [0, 0, 10, 10]]
    )
    scores = torch.tensor([0.5, 0.9, 0.5, 0.1, 0.5])
    idxs = torch.tensor([0, 0, 1, 0, 0])
    # box 1 suppresses 0 and 4 (same category); 2 is in another category; ties by index.
    assert batched_nms(boxes, scores, idxs, 0.5).tolist() == [1, 2, 3]
    assert batched_nms(boxes, scores, torch.zeros(5, dtype=torch.long), 0.5).tolist() == [1, 3]
    assert nms(boxes, torch.full((5,), 0.3), 1.0).tolist() == [0, 1, 2, 3, 4]


def test_empty_and_degenerate_boxes() -> None:
    empty = batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0), 0.5)
    assert empty.dtype == torch.int64 and empty.numel() == 0
    # zero-area boxes have an undefined (NaN) IoU and never suppress each other
    assert nms(torch.zeros(3, 4), torch.tensor([0.1, 0.3, 0.2]), 0.5).tolist() == [1, 2, 0]


@pytest.mark.parametrize('seed', range(3))
def test_matches_reference_greedy_nms(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    xy = torch.randint(0, 80, (300, 2), generator=g).float()
    wh = torch.randint(1, 40, (300, 2), generator=g).float()
    boxes = torch.cat([xy, xy + wh], dim=1)
    scores = torch.rand(300, generator=g).round(decimals=2)  # many ties
    idxs = torch.randint(0, 3, (300,), generator=g)
    for threshold in (0.3, 0.5, 0.7):
        expected = reference_batched_nms(boxes, scores, idxs, threshold)
        assert torch.equal(batched_nms(boxes, scores, idxs, threshold), expected)


def test_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r'\(N, 4\)'):
        nms(torch.zeros(3, 5), torch.zeros(3), 0.5)
    with pytest.raises(ValueError, match='to match the boxes'):
        batched_nms(torch.zeros(3, 4), torch.zeros(2), torch.zeros(3), 0.5)
