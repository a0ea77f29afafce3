"""A small synthetic clip (results dict of the clip datasets) for the transform tests."""

from typing import Callable

import numpy as np
import pytest

from mmsam2.datasets.base_clip_dataset import clip_results


def synthetic_clip(
    num_frames: int = 3, height: int = 24, width: int = 32, same_frames: bool = False
) -> dict:
    """A clip with 2 objects: a block on the left and a block on the right.

    Args:
        num_frames (int): T. Defaults to 3.
        height (int): H. Defaults to 24.
        width (int): W. Defaults to 32.
        same_frames (bool): Every frame the same (else textured differently).
            Defaults to False.

    Returns:
        dict: The results dict, with a red marker pixel at (2, 3) on every frame.
    """
    rng = np.random.default_rng(0)
    imgs, gt_masks = [], []
    base = rng.integers(40, 200, (height, width, 3), dtype=np.uint8)
    for t in range(num_frames):
        img = base.copy() if same_frames else rng.integers(40, 200, (height, width, 3), np.uint8)
        img[2, 3] = (255, 0, 0)
        masks = np.zeros((2, height, width), bool)
        masks[0, 6:14, 4 + t : 12 + t] = True
        masks[1, 8:18, 20:28] = True
        imgs.append(img)
        gt_masks.append(masks)
    return clip_results('clip', list(range(num_frames)), imgs, gt_masks, [3, 7])


@pytest.fixture
def make_clip() -> Callable[..., dict]:
    """Factory of :func:`synthetic_clip` results."""
    return synthetic_clip
