"""Reading and writing RGB images (Pillow)."""

import os
import os.path as osp

import numpy as np
from PIL import Image, UnidentifiedImageError


def read_rgb_image(path: str) -> np.ndarray:
    """Read an image file as RGB.

    Args:
        path (str): Image file (any format Pillow reads; grey, palette and
            RGBA images are converted).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB image.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'image file not found: {path}')
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert('RGB'))
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f'cannot read image {path}: {err}') from err


def write_rgb_image(image: np.ndarray, path: str) -> None:
    """Write an RGB image, creating the parent folder.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        path (str): Output file; the format follows the extension.
    """
    parent = osp.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(path)
