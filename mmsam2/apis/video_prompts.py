"""Check and convert the clicks, boxes and masks given to the video predictor."""

from typing import Any, Tuple

import torch
import torch.nn.functional as F

from mmsam2.structures import PointPrompts
from mmsam2.structures.prompt_checks import (
    BOX_CORNER_LABELS,
    as_real_tensor,
    binarize_mask,
    check_box_order,
    check_finite,
    check_inside_image,
    check_labels,
)

from .video_errors import VideoPromptError


def _points_and_labels(points: Any, labels: Any) -> Tuple[torch.Tensor, torch.Tensor]:
    """Clicks as (1, P, 2) float64 and labels as (1, P) int32."""
    coords = as_real_tensor(points, 'points', VideoPromptError)
    labels = as_real_tensor(labels, 'labels', VideoPromptError)
    if coords.dim() == 2:
        coords = coords[None]
    if labels.dim() == 1:
        labels = labels[None]
    if coords.dim() != 3 or coords.shape[0] != 1 or coords.shape[-1] != 2:
        raise VideoPromptError(
            f'points must be (P, 2) (x, y) pairs for one object, got shape {tuple(coords.shape)}'
        )
    if labels.dim() != 2 or labels.shape != coords.shape[:2]:
        raise VideoPromptError(
            f'got {coords.shape[1]} points but labels of shape {tuple(labels.shape)}: give one '
            'label per point'
        )
    check_finite(coords, 'points', VideoPromptError)
    return coords, check_labels(labels, 'point labels', error=VideoPromptError)


def _box_corners(box: Any) -> torch.Tensor:
    """A box (x0, y0, x1, y1) as (1, 2, 2) float64 corner clicks."""
    corners = as_real_tensor(box, 'box', VideoPromptError)
    if corners.numel() != 4:
        raise VideoPromptError(f'box must be (x0, y0, x1, y1), got shape {tuple(corners.shape)}')
    corners = corners.reshape(1, 2, 2)
    check_finite(corners, 'box', VideoPromptError)
    check_box_order(corners, 'box', VideoPromptError)
    return corners


def to_point_prompts(
    points: Any,
    labels: Any,
    box: Any,
    video_size: Tuple[int, int],
    image_size: int,
    normalize_coords: bool = True,
) -> PointPrompts:
    """Check clicks and / or a box and bring them to model input coordinates.

    A box becomes the first two clicks (labels 2 and 3), followed by the
    points, as SAM 2 was trained.

    Args:
        points (Any, optional): (P, 2) (x, y) clicks (list, array or tensor).
        labels (Any, optional): (P, ) labels, 1 positive and 0 negative.
        box (Any, optional): (x0, y0, x1, y1).
        video_size (Tuple[int, int]): (height, width) of the video.
        image_size (int): Model input side S.
        normalize_coords (bool): Coordinates are in video pixels (True) or
            already in [0, 1] (False). Defaults to True.

    Returns:
        PointPrompts: Clicks (1, P', 2) in [0, S] and labels (1, P').
    """
    if (points is None) != (labels is None):
        raise VideoPromptError('points and labels must be given together')
    if points is None and box is None:
        raise VideoPromptError('give points (with labels), a box, or both')
    coords = torch.zeros(1, 0, 2, dtype=torch.float64)
    point_labels = torch.zeros(1, 0, dtype=torch.int32)
    if points is not None:
        coords, point_labels = _points_and_labels(points, labels)
    if box is not None:
        coords = torch.cat([_box_corners(box), coords], dim=1)
        box_labels = torch.tensor([BOX_CORNER_LABELS], dtype=torch.int32)
        point_labels = torch.cat([box_labels, point_labels], dim=1)
    if coords.shape[1] == 0:
        raise VideoPromptError('points holds no click: give at least one point, or a box')
    height, width = video_size
    what = 'prompt points' if box is None else 'prompt points and box corners'
    check_inside_image(coords, video_size, normalize_coords, what, VideoPromptError)
    coords = coords.float()  # float32 from here, as Meta's predictor computes
    if normalize_coords:
        coords = coords / torch.tensor([width, height], dtype=torch.float32)
    return PointPrompts(coords * image_size, point_labels)


def to_mask_prompt(mask: Any, image_size: int) -> torch.Tensor:
    """Check a mask prompt and bring it to the model input size.

    One rule for every input type (bool, integers, floats; list, array or
    tensor): a pixel is foreground where its value is >= 0.5, NaN and
    infinite values are rejected. As in Meta's predictor, a mask of another
    size is then resized (bilinear, antialiased) and thresholded at 0.5, so
    bool masks give exactly Meta's mask inputs.

    Args:
        mask (Any): (H, W) mask (bool, or values thresholded at 0.5).
        image_size (int): Model input side S.

    Returns:
        torch.Tensor: (1, 1, S, S) float32 0 / 1 mask on the CPU.
    """
    mask = binarize_mask(mask, 'mask prompt', VideoPromptError)
    if mask.dim() != 2 or mask.numel() == 0:
        raise VideoPromptError(f'a mask prompt must be (H, W), got shape {tuple(mask.shape)}')
    mask = mask[None, None]
    if mask.shape[-2:] == (image_size, image_size):
        return mask
    resized = F.interpolate(
        mask, size=(image_size, image_size), mode='bilinear', align_corners=False, antialias=True
    )
    return (resized >= 0.5).float()
