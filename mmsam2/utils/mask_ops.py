"""Connected-component operations on masks and mask scores (CPU, OpenCV).

Meta's SAM 2 fills small holes and removes small sprinkles with a CUDA
extension and silently skips both when it is missing; these functions do the
same work with ``cv2.connectedComponentsWithStats`` (8-connectivity) on any
device.
"""

from typing import Tuple

import cv2
import numpy as np
import torch


def connected_components(masks: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Label the 8-connected components of binary masks.

    Args:
        masks (torch.Tensor): Binary masks (..., H, W), e.g. (N, 1, H, W).

    Returns:
        Tuple[torch.Tensor, torch.Tensor]: Component labels (1, 2, ... within
        each mask, 0 off the mask) and the area of each pixel's component
        (0 off the mask), both int32 with the shape and device of ``masks``.
    """
    flat = masks.detach().reshape(-1, *masks.shape[-2:]).to('cpu', torch.uint8).numpy()
    labels = np.zeros(flat.shape, np.int32)
    areas = np.zeros(flat.shape, np.int32)
    for i, mask in enumerate(flat):
        _, labels[i], stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        component_areas = stats[:, cv2.CC_STAT_AREA].astype(np.int32)
        component_areas[0] = 0  # label 0 is the background of this mask
        areas[i] = component_areas[labels[i]]
    shape = masks.shape
    return (
        torch.from_numpy(labels).reshape(shape).to(masks.device),
        torch.from_numpy(areas).reshape(shape).to(masks.device),
    )


def small_components(masks: torch.Tensor, max_area: float) -> torch.Tensor:
    """Pixels of the connected components whose area is at most ``max_area``.

    Args:
        masks (torch.Tensor): Binary masks (..., H, W).
        max_area (float): Largest area (pixels) of a component counted as small.

    Returns:
        torch.Tensor: Bool tensor, same shape: True on the small components.
    """
    labels, areas = connected_components(masks)
    return (labels > 0) & (areas <= max_area)


def fill_holes_in_mask_scores(
    mask_scores: torch.Tensor, max_area: float, threshold: float = 0.0, margin: float = 0.1
) -> torch.Tensor:
    """Fill small holes: background components of at most ``max_area`` pixels.

    Background is where the score is ``<= threshold``. As in Meta's SAM 2, any
    such component counts (not only enclosed ones); its scores become
    ``threshold + margin``.

    Args:
        mask_scores (torch.Tensor): Mask logits (..., H, W), e.g. (N, 1, H, W).
        max_area (float): Largest hole area filled; <= 0 fills nothing.
        threshold (float): Score separating foreground (above) from
            background. Defaults to 0.0.
        margin (float): Filled holes get ``threshold + margin``. Defaults to
            0.1 (Meta's video predictor).

    Returns:
        torch.Tensor: The scores with holes filled (a new tensor).
    """
    if max_area <= 0:
        return mask_scores.clone()
    holes = small_components(mask_scores <= threshold, max_area)
    return torch.where(holes, threshold + margin, mask_scores)


def remove_sprinkles_in_mask_scores(
    mask_scores: torch.Tensor, max_area: float, threshold: float = 0.0, margin: float = 0.1
) -> torch.Tensor:
    """Remove sprinkles: foreground components of at most ``max_area`` pixels.

    Args:
        mask_scores (torch.Tensor): Mask logits (..., H, W), e.g. (N, 1, H, W).
        max_area (float): Largest sprinkle area removed; <= 0 removes nothing.
        threshold (float): Score separating foreground (above) from
            background. Defaults to 0.0.
        margin (float): Removed sprinkles get ``threshold - margin``.
            Defaults to 0.1.

    Returns:
        torch.Tensor: The scores without sprinkles (a new tensor).
    """
    if max_area <= 0:
        return mask_scores.clone()
    sprinkles = small_components(mask_scores > threshold, max_area)
    return torch.where(sprinkles, threshold - margin, mask_scores)


def remove_small_regions(
    mask: np.ndarray, area_thresh: float, mode: str
) -> Tuple[np.ndarray, bool]:
    """Remove small islands from a binary mask, or fill its small holes.

    Args:
        mask (np.ndarray): Binary mask (H, W).
        area_thresh (float): Regions smaller than this (pixels) are changed.
        mode (str): ``'holes'`` fills background regions smaller than the
            threshold; ``'islands'`` removes foreground regions smaller than it
            (keeping the largest one if all are small).

    Returns:
        Tuple[np.ndarray, bool]: The bool mask and whether it changed.
    """
    if mode not in ('holes', 'islands'):
        raise ValueError(f"mode must be 'holes' or 'islands', got {mode!r}")
    mask = mask.astype(bool)
    target = ~mask if mode == 'holes' else mask
    num, labels, stats, _ = cv2.connectedComponentsWithStats(
        target.astype(np.uint8), connectivity=8
    )
    areas = stats[1:, cv2.CC_STAT_AREA]
    small = np.flatnonzero(areas < area_thresh) + 1
    if small.size == 0:
        return mask, False
    if mode == 'holes':
        return mask | np.isin(labels, small), True
    large = np.setdiff1d(np.arange(1, num), small)
    if large.size == 0:
        large = np.array([np.argmax(areas) + 1])
    return np.isin(labels, large), True


def batched_mask_to_box(masks: torch.Tensor) -> torch.Tensor:
    """Tight boxes around binary masks.

    Args:
        masks (torch.Tensor): Binary masks (..., H, W).

    Returns:
        torch.Tensor: Boxes (..., 4) int64 as (x0, y0, x1, y1) with inclusive
        pixel edges; (0, 0, 0, 0) for an empty mask.
    """
    masks = masks.bool()
    rows, cols = masks.any(dim=-1), masks.any(dim=-2)
    h, w = masks.shape[-2:]
    top = torch.argmax(rows.byte(), dim=-1)
    bottom = h - 1 - torch.argmax(rows.flip(-1).byte(), dim=-1)
    left = torch.argmax(cols.byte(), dim=-1)
    right = w - 1 - torch.argmax(cols.flip(-1).byte(), dim=-1)
    boxes = torch.stack([left, top, right, bottom], dim=-1).long()
    return boxes * rows.any(dim=-1, keepdim=True)
