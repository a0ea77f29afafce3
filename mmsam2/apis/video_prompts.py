"""Check and convert the clicks, boxes and masks given to the video predictor."""

from typing import Any, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from mmsam2.structures import PointPrompts

from .video_errors import VideoPredictorError

POINT_LABELS = (0, 1, 2, 3)
"""Valid click labels: 0 negative, 1 positive, 2 / 3 box top-left / bottom-right."""


def _as_tensor(value: Any, dtype: torch.dtype, name: str) -> torch.Tensor:
    """Convert a list, array or tensor to a CPU tensor of ``dtype``."""
    try:
        if isinstance(value, torch.Tensor):
            return value.detach().to('cpu', dtype)
        return torch.as_tensor(np.asarray(value), dtype=dtype)
    except (TypeError, ValueError, RuntimeError) as err:
        raise VideoPredictorError(f'{name} must be numbers, got {value!r} ({err})') from err


def _check_inside(coords: torch.Tensor, limits: Tuple[float, float], what: str) -> None:
    """Raise if any (x, y) lies outside [0, limit_x] x [0, limit_y]."""
    if not torch.isfinite(coords).all():
        raise VideoPredictorError(f'{what} coordinates must be finite, got {coords.tolist()}')
    x, y = coords[..., 0], coords[..., 1]
    outside = (x < 0) | (x > limits[0]) | (y < 0) | (y > limits[1])
    if outside.any():
        bad = coords[outside].tolist()
        raise VideoPredictorError(
            f'{what} {bad} lie outside the image: (x, y) must be within [0, {limits[0]}] x '
            f'[0, {limits[1]}] (pass normalize_coords=False only for coordinates in [0, 1])'
        )


def _points_and_labels(points: Any, labels: Any) -> Tuple[torch.Tensor, torch.Tensor]:
    """Clicks as (1, P, 2) float32 and labels as (1, P) int32."""
    coords = _as_tensor(points, torch.float32, 'points')
    labels = _as_tensor(labels, torch.float32, 'labels')
    if coords.dim() == 2:
        coords = coords[None]
    if labels.dim() == 1:
        labels = labels[None]
    if coords.dim() != 3 or coords.shape[0] != 1 or coords.shape[-1] != 2:
        raise VideoPredictorError(
            f'points must be (P, 2) (x, y) pairs for one object, got shape {tuple(coords.shape)}'
        )
    if labels.dim() != 2 or labels.shape != coords.shape[:2]:
        raise VideoPredictorError(
            f'got {coords.shape[1]} points but labels of shape {tuple(labels.shape)}: give one '
            'label per point'
        )
    if (labels != labels.round()).any() or not set(labels.flatten().tolist()) <= set(POINT_LABELS):
        raise VideoPredictorError(
            f'point labels must be 1 (positive) or 0 (negative), got {labels.tolist()}'
        )
    return coords, labels.to(torch.int32)


def _box_corners(box: Any) -> torch.Tensor:
    """A box (x0, y0, x1, y1) as (1, 2, 2) corner clicks."""
    corners = _as_tensor(box, torch.float32, 'box')
    if corners.numel() != 4:
        raise VideoPredictorError(f'box must be (x0, y0, x1, y1), got shape {tuple(corners.shape)}')
    corners = corners.reshape(1, 2, 2)
    if (corners[0, 1] < corners[0, 0]).any():
        raise VideoPredictorError(
            f'box {corners.flatten().tolist()} must have x0 <= x1 and y0 <= y1'
        )
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
        raise VideoPredictorError('points and labels must be given together')
    if points is None and box is None:
        raise VideoPredictorError('give points (with labels), a box, or both')
    coords = torch.zeros(1, 0, 2)
    point_labels = torch.zeros(1, 0, dtype=torch.int32)
    if points is not None:
        coords, point_labels = _points_and_labels(points, labels)
    if box is not None:
        coords = torch.cat([_box_corners(box), coords], dim=1)
        box_labels = torch.tensor([[2, 3]], dtype=torch.int32)
        point_labels = torch.cat([box_labels, point_labels], dim=1)
    height, width = video_size
    if normalize_coords:
        _check_inside(coords, (width, height), 'prompt points')
        coords = coords / torch.tensor([width, height], dtype=torch.float32)
    else:
        _check_inside(coords, (1.0, 1.0), 'normalised prompt points')
    return PointPrompts(coords * image_size, point_labels)


def to_mask_prompt(mask: Any, image_size: int) -> torch.Tensor:
    """Check a mask prompt and bring it to the model input size.

    As in Meta's predictor, a mask of another size is resized (bilinear,
    antialiased) and thresholded at 0.5.

    Args:
        mask (Any): (H, W) mask (bool or 0/1; list, array or tensor).
        image_size (int): Model input side S.

    Returns:
        torch.Tensor: (1, 1, S, S) float32 mask on the CPU.
    """
    if isinstance(mask, torch.Tensor):
        mask = mask.detach().cpu()
    else:
        mask = _as_tensor(np.asarray(mask) != 0, torch.bool, 'mask')
    if mask.dim() != 2 or mask.numel() == 0:
        raise VideoPredictorError(f'a mask prompt must be (H, W), got shape {tuple(mask.shape)}')
    mask = mask[None, None].float()
    if mask.shape[-2:] == (image_size, image_size):
        return mask
    resized = F.interpolate(
        mask, size=(image_size, image_size), mode='bilinear', align_corners=False, antialias=True
    )
    return (resized >= 0.5).float()
