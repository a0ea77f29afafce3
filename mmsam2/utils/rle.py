"""Run-length encoding of binary masks in COCO's column-major layout.

An uncompressed RLE is ``{'size': [h, w], 'counts': [n0, n1, ...]}``: the
mask read column by column alternates runs of 0 and 1, starting with 0 (a mask
whose first pixel is set starts with a zero-length run). This is the format of
Meta's automatic mask generator and of ``pycocotools.mask.frPyObjects``.
"""

from typing import Any, Dict, List

import numpy as np
import torch
from pycocotools import mask as mask_utils

RLE = Dict[str, Any]


def mask_to_rle(masks: torch.Tensor) -> List[RLE]:
    """Encode binary masks as uncompressed RLEs.

    Args:
        masks (torch.Tensor): Binary masks (B, H, W).

    Returns:
        List[dict]: One RLE per mask.
    """
    b, h, w = masks.shape
    flat = masks.bool().transpose(1, 2).reshape(b, h * w)
    mask_idx, change = (flat[:, 1:] != flat[:, :-1]).nonzero(as_tuple=True)
    per_mask = torch.bincount(mask_idx, minlength=b).tolist()
    starts = torch.split(change + 1, per_mask)
    first = flat[:, 0].tolist() if h * w else [False] * b
    rles = []
    for i in range(b):
        edges = torch.cat([starts[i].new_zeros(1), starts[i], starts[i].new_full((1,), h * w)])
        counts = torch.diff(edges).tolist()
        rles.append({'size': [h, w], 'counts': [0] + counts if first[i] else counts})
    return rles


def rle_to_mask(rle: RLE) -> np.ndarray:
    """Decode an uncompressed RLE.

    Args:
        rle (dict): ``{'size': [h, w], 'counts': [...]}``.

    Returns:
        np.ndarray: Bool mask (h, w).
    """
    h, w = rle['size']
    values = np.arange(len(rle['counts'])) % 2 == 1
    flat = np.repeat(values, rle['counts'])
    return flat.reshape(w, h).T


def area_from_rle(rle: RLE) -> int:
    """Number of set pixels of an uncompressed RLE."""
    return int(sum(rle['counts'][1::2]))


def coco_encode_rle(rle: RLE) -> RLE:
    """Compress an uncompressed RLE with pycocotools (JSON-serialisable).

    Args:
        rle (dict): Uncompressed RLE.

    Returns:
        dict: COCO compressed RLE with ``counts`` as a ``str``.
    """
    h, w = rle['size']
    encoded = mask_utils.frPyObjects(rle, h, w)
    encoded['counts'] = encoded['counts'].decode('utf-8')
    return encoded


def encode_rle(mask: np.ndarray) -> RLE:
    """Compressed COCO RLE of one mask, with ``counts`` as a str (JSON-ready).

    Args:
        mask (np.ndarray): (H, W) mask; non-zero pixels are foreground.

    Returns:
        dict: ``{'size': [H, W], 'counts': str}``.
    """
    rle = mask_utils.encode(np.asfortranarray(np.asarray(mask) != 0, dtype=np.uint8))
    return dict(size=[int(v) for v in rle['size']], counts=rle['counts'].decode('ascii'))
