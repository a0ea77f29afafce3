"""Building blocks of the automatic mask generator: point grids, crops, scores.

The names and semantics follow ``sam2.utils.amg`` of Meta's SAM 2, so code
written against it keeps working.
"""

import math
from itertools import product
from typing import Any, Dict, Iterator, List, Sequence, Tuple, Union

import numpy as np
import torch

Field = Union[list, np.ndarray, torch.Tensor]


class MaskData:
    """Per-mask fields (tensors, arrays or lists of equal length) filtered together.

    Args:
        **fields: Named fields, each a ``torch.Tensor``, ``np.ndarray`` or
            ``list`` indexed by mask along its first dimension.
    """

    def __init__(self, **fields: Field) -> None:
        self._fields: Dict[str, Field] = {}
        for key, value in fields.items():
            self[key] = value

    def __setitem__(self, key: str, value: Field) -> None:
        if not isinstance(value, (list, np.ndarray, torch.Tensor)):
            raise TypeError(f'MaskData field {key!r} must be a list, array or tensor')
        self._fields[key] = value

    def __getitem__(self, key: str) -> Field:
        return self._fields[key]

    def __delitem__(self, key: str) -> None:
        del self._fields[key]

    def __contains__(self, key: str) -> bool:
        return key in self._fields

    def items(self) -> Iterator[Tuple[str, Field]]:
        """(name, field) pairs."""
        return iter(self._fields.items())

    def filter(self, keep: torch.Tensor) -> None:
        """Keep the masks selected by a bool mask or an index tensor, in place."""
        keep = torch.as_tensor(keep).cpu()
        index = keep.nonzero().squeeze(1) if keep.dtype == torch.bool else keep.long()
        for key, value in self._fields.items():
            if isinstance(value, torch.Tensor):
                self._fields[key] = value[index.to(value.device)]
            elif isinstance(value, np.ndarray):
                self._fields[key] = value[index.numpy()]
            else:
                self._fields[key] = [value[i] for i in index.tolist()]

    def cat(self, other: 'MaskData') -> None:
        """Append the masks of ``other`` (fields missing here are taken as is)."""
        for key, value in other.items():
            if key not in self._fields:
                self._fields[key] = value
            elif isinstance(value, torch.Tensor):
                self._fields[key] = torch.cat([self._fields[key], value])
            elif isinstance(value, np.ndarray):
                self._fields[key] = np.concatenate([self._fields[key], value])
            else:
                self._fields[key] = self._fields[key] + list(value)

    def to_numpy(self) -> None:
        """Turn every tensor field into a float32 array, in place."""
        for key, value in self._fields.items():
            if isinstance(value, torch.Tensor):
                self._fields[key] = value.detach().float().cpu().numpy()


def batch_iterator(batch_size: int, *args: Sequence) -> Iterator[List[Any]]:
    """Yield aligned slices of ``batch_size`` items of every argument.

    Args:
        batch_size (int): Items per batch (the last batch may be smaller).
        *args (Sequence): Sequences of the same length.

    Yields:
        List: One slice per argument.
    """
    if not args or any(len(a) != len(args[0]) for a in args):
        raise ValueError('batch_iterator needs sequences of one common length')
    for start in range(0, len(args[0]), batch_size):
        yield [a[start : start + batch_size] for a in args]


def box_xyxy_to_xywh(box: Union[np.ndarray, torch.Tensor]) -> Union[np.ndarray, torch.Tensor]:
    """(x0, y0, x1, y1) -> (x0, y0, w, h) for one box (a copy)."""
    out = box.clone() if isinstance(box, torch.Tensor) else np.array(box, copy=True)
    out[2:] = box[2:] - box[:2]
    return out


def build_point_grid(n_per_side: int) -> np.ndarray:
    """Points at the centres of an ``n x n`` grid of cells over [0, 1]^2.

    Args:
        n_per_side (int): Points per side.

    Returns:
        np.ndarray: (n * n, 2) (x, y) points, row by row.
    """
    offset = 0.5 / n_per_side
    centres = np.linspace(offset, 1 - offset, n_per_side)
    xs, ys = np.meshgrid(centres, centres)
    return np.stack([xs, ys], axis=-1).reshape(-1, 2)


def build_all_layer_point_grids(
    n_per_side: int, n_layers: int, scale_per_layer: int
) -> List[np.ndarray]:
    """Point grids of crop layers 0..n_layers, ``n_per_side / scale**i`` per side."""
    return [build_point_grid(int(n_per_side / scale_per_layer**i)) for i in range(n_layers + 1)]


def generate_crop_boxes(
    im_size: Tuple[int, int], n_layers: int, overlap_ratio: float
) -> Tuple[List[List[int]], List[int]]:
    """Crop boxes of every layer: the whole image, then 2x2, 4x4, ... overlapping crops.

    Args:
        im_size (Tuple[int, int]): Image (h, w).
        n_layers (int): Number of crop layers after the whole image.
        overlap_ratio (float): Overlap of neighbouring crops of layer 1 as a
            fraction of the short image side (halved at each further layer).

    Returns:
        Tuple[List[List[int]], List[int]]: Crop boxes (x0, y0, x1, y1) and
        the layer of each.
    """
    im_h, im_w = im_size
    boxes, layers = [[0, 0, im_w, im_h]], [0]
    for layer in range(1, n_layers + 1):
        n_crops = 2**layer
        overlap = int(overlap_ratio * min(im_h, im_w) * (2 / n_crops))
        crop_w = math.ceil((overlap * (n_crops - 1) + im_w) / n_crops)
        crop_h = math.ceil((overlap * (n_crops - 1) + im_h) / n_crops)
        x0s = [(crop_w - overlap) * i for i in range(n_crops)]
        y0s = [(crop_h - overlap) * i for i in range(n_crops)]
        for x0, y0 in product(x0s, y0s):
            boxes.append([x0, y0, min(x0 + crop_w, im_w), min(y0 + crop_h, im_h)])
            layers.append(layer)
    return boxes, layers


def uncrop_boxes_xyxy(boxes: torch.Tensor, crop_box: Sequence[int]) -> torch.Tensor:
    """Move boxes (..., 4) from crop to image coordinates."""
    x0, y0 = crop_box[:2]
    return boxes + torch.tensor([x0, y0, x0, y0], device=boxes.device)


def uncrop_points(points: torch.Tensor, crop_box: Sequence[int]) -> torch.Tensor:
    """Move points (..., 2) from crop to image coordinates."""
    x0, y0 = crop_box[:2]
    return points + torch.tensor([x0, y0], device=points.device)


def uncrop_masks(
    masks: torch.Tensor, crop_box: Sequence[int], orig_h: int, orig_w: int
) -> torch.Tensor:
    """Zero-pad crop masks (..., h, w) to image masks (..., orig_h, orig_w)."""
    x0, y0, x1, y1 = crop_box
    if (x0, y0, x1, y1) == (0, 0, orig_w, orig_h):
        return masks
    return torch.nn.functional.pad(masks, (x0, orig_w - x1, y0, orig_h - y1), value=0)


def is_box_near_crop_edge(
    boxes: torch.Tensor,
    crop_box: Sequence[int],
    orig_box: Sequence[int],
    atol: float = 20.0,
) -> torch.Tensor:
    """Boxes within ``atol`` of an edge of the crop that is not an image edge.

    Args:
        boxes (torch.Tensor): Boxes (N, 4) in crop coordinates.
        crop_box (Sequence[int]): The crop (x0, y0, x1, y1) in the image.
        orig_box (Sequence[int]): The image box (0, 0, w, h).
        atol (float): Distance in pixels. Defaults to 20.0.

    Returns:
        torch.Tensor: Bool (N, ).
    """
    crop = torch.as_tensor(crop_box, dtype=torch.float, device=boxes.device)
    image = torch.as_tensor(orig_box, dtype=torch.float, device=boxes.device)
    boxes = uncrop_boxes_xyxy(boxes, crop_box).float()
    near_crop = torch.isclose(boxes, crop[None], atol=atol, rtol=0)
    near_image = torch.isclose(boxes, image[None], atol=atol, rtol=0)
    return (near_crop & ~near_image).any(dim=1)


def calculate_stability_score(
    masks: torch.Tensor, mask_threshold: float, threshold_offset: float
) -> torch.Tensor:
    """IoU of the masks thresholded at ``threshold +- offset``.

    The mask at the higher threshold lies inside the other, so the IoU is the
    ratio of their areas.

    Args:
        masks (torch.Tensor): Mask logits (..., H, W).
        mask_threshold (float): Binarisation threshold.
        threshold_offset (float): Offset of the two thresholds.

    Returns:
        torch.Tensor: Scores (..., ) in [0, 1].
    """
    inner = (masks > mask_threshold + threshold_offset).sum(dim=(-2, -1))
    outer = (masks > mask_threshold - threshold_offset).sum(dim=(-2, -1))
    return inner / outer
