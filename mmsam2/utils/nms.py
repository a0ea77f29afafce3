"""Greedy box non-maximum suppression, without torchvision.

The results are those of ``torchvision.ops.batched_nms`` on CPU: boxes are
visited by decreasing score (ties in index order), a kept box suppresses every
later box of the same category whose IoU with it is strictly greater than the
threshold, and the kept indices come back sorted by decreasing score. IoUs are
computed in the boxes' floating dtype with the same operations as torchvision.
"""

import numpy as np
import torch


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas of boxes.

    Args:
        boxes (torch.Tensor): Boxes (N, 4) as (x0, y0, x1, y1).

    Returns:
        torch.Tensor: Areas (N, ).
    """
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _iou_with_later(boxes: np.ndarray, areas: np.ndarray, i: int) -> np.ndarray:
    """IoU of box ``i`` with boxes ``i + 1, ...`` (torchvision's formula)."""
    later = boxes[i + 1 :]
    width = np.maximum(
        np.minimum(boxes[i, 2], later[:, 2]) - np.maximum(boxes[i, 0], later[:, 0]), 0
    )
    height = np.maximum(
        np.minimum(boxes[i, 3], later[:, 3]) - np.maximum(boxes[i, 1], later[:, 1]), 0
    )
    inter = width * height
    with np.errstate(divide='ignore', invalid='ignore'):  # empty boxes: NaN, never suppressed
        return inter / (areas[i] + areas[i + 1 :] - inter)


def batched_nms(
    boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor, iou_threshold: float
) -> torch.Tensor:
    """Non-maximum suppression done independently per category.

    Args:
        boxes (torch.Tensor): Boxes (N, 4) as (x0, y0, x1, y1); integer boxes
            are compared in float32.
        scores (torch.Tensor): Scores (N, ).
        idxs (torch.Tensor): Category of each box (N, ); boxes of different
            categories never suppress each other.
        iou_threshold (float): Boxes overlapping a kept box with an IoU
            strictly above this are discarded.

    Returns:
        torch.Tensor: Indices (K, ) int64 of the kept boxes, by decreasing
        score, on the device of ``boxes``.
    """
    if boxes.dim() != 2 or boxes.shape[-1] != 4:
        raise ValueError(f'boxes must be (N, 4), got {tuple(boxes.shape)}')
    if scores.shape != boxes.shape[:1] or idxs.shape != boxes.shape[:1]:
        raise ValueError(
            f'scores {tuple(scores.shape)} and idxs {tuple(idxs.shape)} must be '
            f'({boxes.shape[0]}, ) to match the boxes'
        )
    order = torch.sort(scores.detach().cpu(), descending=True, stable=True).indices
    if not boxes.is_floating_point():
        boxes = boxes.float()
    sorted_boxes = boxes.detach().cpu()[order].numpy()
    categories = idxs.detach().cpu()[order].numpy()
    areas = (sorted_boxes[:, 2] - sorted_boxes[:, 0]) * (sorted_boxes[:, 3] - sorted_boxes[:, 1])
    suppressed = np.zeros(len(sorted_boxes), dtype=bool)
    keep = []
    for i in range(len(sorted_boxes)):
        if suppressed[i]:
            continue
        keep.append(i)
        overlaps = _iou_with_later(sorted_boxes, areas, i) > iou_threshold
        suppressed[i + 1 :] |= overlaps & (categories[i + 1 :] == categories[i])
    return order[torch.as_tensor(keep, dtype=torch.int64)].to(boxes.device)


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Non-maximum suppression over all boxes (one category).

    Args:
        boxes (torch.Tensor): Boxes (N, 4) as (x0, y0, x1, y1).
        scores (torch.Tensor): Scores (N, ).
        iou_threshold (float): IoU above which a box is discarded.

    Returns:
        torch.Tensor: Indices (K, ) int64 of the kept boxes, by decreasing score.
    """
    idxs = torch.zeros(boxes.shape[0], dtype=torch.int64, device=boxes.device)
    return batched_nms(boxes, scores, idxs, iou_threshold)
