"""Prompts simulated from ground-truth masks for training: boxes and clicks.

The functions reproduce the samplers of Meta's SAM 2 training (same draws from
torch's global random generator, in the same order), so that a fixed seed
gives the same prompts as Meta's code.
"""

from typing import Optional

import cv2
import numpy as np
import torch

from mmsam2.structures import PointPrompts

BOX_TOP_LEFT, BOX_BOTTOM_RIGHT = 2, 3
NEGATIVE, POSITIVE = 0, 1
SAMPLING_METHODS = ('uniform', 'center')


def _check_masks(gt_masks: torch.Tensor, pred_masks: Optional[torch.Tensor]) -> torch.Tensor:
    """Validate (B, 1, H, W) bool masks; an absent prediction is an empty mask."""
    if gt_masks.dtype != torch.bool or gt_masks.dim() != 4 or gt_masks.shape[1] != 1:
        raise ValueError(
            f'gt_masks must be bool (B, 1, H, W), got {gt_masks.dtype} {tuple(gt_masks.shape)}'
        )
    if pred_masks is None:
        return torch.zeros_like(gt_masks)
    if pred_masks.dtype != torch.bool or pred_masks.shape != gt_masks.shape:
        raise ValueError(
            f'pred_masks must be bool {tuple(gt_masks.shape)}, got '
            f'{pred_masks.dtype} {tuple(pred_masks.shape)}'
        )
    return pred_masks


def mask_to_box(masks: torch.Tensor) -> torch.Tensor:
    """Tight box around each mask.

    Args:
        masks (torch.Tensor): Bool masks (B, 1, H, W).

    Returns:
        torch.Tensor: int32 boxes (B, 1, 4) as (x0, y0, x1, y1), inclusive
        pixel edges. An empty mask gives (W, H, -1, -1).
    """
    _, _, h, w = masks.shape
    xs = torch.arange(w, device=masks.device, dtype=torch.int32).view(1, 1, 1, w)
    ys = torch.arange(h, device=masks.device, dtype=torch.int32).view(1, 1, h, 1)
    xs, ys = xs.expand_as(masks), ys.expand_as(masks)
    x0 = torch.where(masks, xs, w).flatten(-2).amin(-1)
    x1 = torch.where(masks, xs, -1).flatten(-2).amax(-1)
    y0 = torch.where(masks, ys, h).flatten(-2).amin(-1)
    y1 = torch.where(masks, ys, -1).flatten(-2).amax(-1)
    return torch.stack((x0, y0, x1, y1), dim=-1)


def sample_box_points(
    masks: torch.Tensor, noise: float = 0.1, noise_bound: int = 20
) -> PointPrompts:
    """A noisy box around each mask, as two corner clicks.

    Each side moves by up to ``noise`` times the box width (height), at most
    ``noise_bound`` pixels, uniformly at random; the corners are then clamped
    into the image.

    Args:
        masks (torch.Tensor): Bool masks (B, 1, H, W).
        noise (float): Largest shift as a fraction of the box size.
            Defaults to 0.1.
        noise_bound (int): Largest shift in pixels. Defaults to 20.

    Returns:
        PointPrompts: coords (B, 2, 2) (top-left, bottom-right) with labels
        2 and 3.
    """
    b, _, h, w = masks.shape
    device = masks.device
    boxes = mask_to_box(masks)
    if noise > 0.0:
        bound = torch.tensor(noise_bound, device=device)
        max_dx = torch.min((boxes[..., 2] - boxes[..., 0]) * noise, bound)
        max_dy = torch.min((boxes[..., 3] - boxes[..., 1]) * noise, bound)
        shift = 2 * torch.rand(b, 1, 4, device=device) - 1
        boxes = boxes + shift * torch.stack((max_dx, max_dy, max_dx, max_dy), dim=-1)
        upper = torch.tensor([w, h, w, h], device=device) - 1
        boxes = torch.clamp(boxes, torch.zeros_like(upper), upper)
    labels = torch.tensor([BOX_TOP_LEFT, BOX_BOTTOM_RIGHT], dtype=torch.int32, device=device)
    return PointPrompts(boxes.reshape(b, 2, 2).float(), labels.repeat(b, 1))


def sample_random_points_from_errors(
    gt_masks: torch.Tensor, pred_masks: Optional[torch.Tensor] = None, num_pt: int = 1
) -> PointPrompts:
    """Clicks drawn uniformly from the error region of each prediction.

    A click in a false-positive pixel is negative, one in a false-negative
    pixel positive. Where the prediction is exactly right, a negative click is
    drawn from the background.

    Args:
        gt_masks (torch.Tensor): Bool ground truth (B, 1, H, W).
        pred_masks (torch.Tensor, optional): Bool prediction (B, 1, H, W).
            Defaults to None (empty: clicks fall on the object).
        num_pt (int): Clicks drawn independently per mask. Defaults to 1.

    Returns:
        PointPrompts: coords (B, num_pt, 2) in (x, y) pixels and labels
        (B, num_pt).
    """
    pred_masks = _check_masks(gt_masks, pred_masks)
    if num_pt < 0:
        raise ValueError(f'num_pt must be >= 0, got {num_pt}')
    b, _, h, w = gt_masks.shape
    false_pos = pred_masks & ~gt_masks
    false_neg = gt_masks & ~pred_masks
    exact = (gt_masks == pred_masks).flatten(2).all(dim=2)[..., None, None]
    # One random score per pixel and label; the best allowed score wins.
    scores = torch.rand(b, num_pt, h, w, 2, device=gt_masks.device)
    scores[..., NEGATIVE] *= false_pos | (exact & ~gt_masks)
    scores[..., POSITIVE] *= false_neg
    best = scores.flatten(2).argmax(dim=2)
    pixel = best // 2
    coords = torch.stack([pixel % w, pixel // w], dim=2).float()
    return PointPrompts(coords, (best % 2).to(torch.int32))


def _distance_inside(region: np.ndarray, padding: bool) -> np.ndarray:
    """Euclidean distance of each pixel of a region to its border (0 outside)."""
    if padding:
        region = np.pad(region, 1)
    dist = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 0)
    return dist[1:-1, 1:-1] if padding else dist


def sample_one_point_from_error_center(
    gt_masks: torch.Tensor, pred_masks: Optional[torch.Tensor] = None, padding: bool = True
) -> PointPrompts:
    """One click at the centre of the largest error (RITM's clicker).

    The click goes to the pixel farthest from the border of the false-negative
    (positive click) or false-positive (negative click) region, whichever is
    farther.

    Args:
        gt_masks (torch.Tensor): Bool ground truth (B, 1, H, W).
        pred_masks (torch.Tensor, optional): Bool prediction (B, 1, H, W).
            Defaults to None (empty).
        padding (bool): Treat the image border as a region border.
            Defaults to True.

    Returns:
        PointPrompts: coords (B, 1, 2) in (x, y) pixels and labels (B, 1).
    """
    pred_masks = _check_masks(gt_masks, pred_masks)
    b, _, _, w = gt_masks.shape
    false_pos = (pred_masks & ~gt_masks).cpu().numpy()
    false_neg = (gt_masks & ~pred_masks).cpu().numpy()
    coords = torch.zeros(b, 1, 2)
    labels = torch.ones(b, 1, dtype=torch.int32)
    for i in range(b):
        dist_fn = _distance_inside(false_neg[i, 0], padding).reshape(-1)
        dist_fp = _distance_inside(false_pos[i, 0], padding).reshape(-1)
        best_fn, best_fp = int(np.argmax(dist_fn)), int(np.argmax(dist_fp))
        positive = bool(dist_fn[best_fn] > dist_fp[best_fp])
        index = best_fn if positive else best_fp
        coords[i, 0] = torch.tensor([index % w, index // w], dtype=torch.float32)
        labels[i, 0] = int(positive)
    return PointPrompts(coords.to(gt_masks.device), labels.to(gt_masks.device))


def get_next_point(
    gt_masks: torch.Tensor, pred_masks: Optional[torch.Tensor], method: str
) -> PointPrompts:
    """One click per mask that corrects the prediction.

    Args:
        gt_masks (torch.Tensor): Bool ground truth (B, 1, H, W).
        pred_masks (torch.Tensor, optional): Bool prediction (B, 1, H, W);
            None samples from the ground truth.
        method (str): 'uniform' (anywhere in the error) or 'center' (centre
            of the largest error).

    Returns:
        PointPrompts: coords (B, 1, 2) and labels (B, 1).
    """
    if method == 'uniform':
        return sample_random_points_from_errors(gt_masks, pred_masks)
    if method == 'center':
        return sample_one_point_from_error_center(gt_masks, pred_masks)
    raise ValueError(f'point sampling method must be one of {SAMPLING_METHODS}, got {method!r}')


def concat_points(points: Optional[PointPrompts], new_points: PointPrompts) -> PointPrompts:
    """Append clicks after the existing ones.

    Args:
        points (PointPrompts, optional): Clicks so far (B, P, ...).
        new_points (PointPrompts): Clicks to add (B, P', ...).

    Returns:
        PointPrompts: (B, P + P', ...) clicks.
    """
    if points is None:
        return new_points
    return PointPrompts(
        torch.cat([points.coords, new_points.coords], dim=1),
        torch.cat([points.labels, new_points.labels], dim=1),
    )
