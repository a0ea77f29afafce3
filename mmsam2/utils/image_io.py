"""Reading and writing RGB images (Pillow)."""

import os
import os.path as osp

import numpy as np
from PIL import Image, UnidentifiedImageError

SIXTEEN_BIT_MODES = ('I;16', 'I;16L', 'I;16B', 'I;16N')
"""Pillow modes of 16-bit single-channel images (e.g. 16-bit grey PNG / TIFF)."""


class UnsupportedImageModeError(ValueError):
    """A PIL image whose values cannot be mapped to 8-bit RGB without guessing."""


def pil_to_rgb(image: Image.Image) -> np.ndarray:
    """Convert a PIL image to 8-bit RGB, scaling 16-bit images as a viewer shows them.

    The one rule of every frame and image reader of mmsam2 (folders of frames,
    dataset frames, the predictors' PIL inputs). Pillow's ``convert('RGB')``
    clips 16-bit grey images (mode ``I;16``) to 255, which turns a normal
    16-bit frame almost white; here their values are scaled to 8 bits by
    keeping the high byte (``value >> 8``), as Pillow itself does for 16-bit
    RGB / RGBA PNGs and OpenCV for any 16-bit image. 32-bit integer (``I``)
    and float (``F``) images have no known range and are rejected, except
    ``I`` images decoded from a PNG (16-bit grey PNGs in older Pillow
    versions), which are scaled like ``I;16``. Every other mode (grey,
    palette, RGBA, CMYK, ...) is converted by Pillow.

    Args:
        image (PIL.Image.Image): The image.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB array (writable).
    """
    mode = image.mode
    if mode in SIXTEEN_BIT_MODES or (mode == 'I' and image.format == 'PNG'):
        values = np.asarray(image).astype(np.int64)
        if values.min(initial=0) < 0 or values.max(initial=0) > 0xFFFF:
            raise UnsupportedImageModeError(
                f'a {mode} image with values outside [0, 65535] cannot be read as 16-bit'
            )
        grey = (values >> 8).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    if mode in ('I', 'F') or mode.startswith(('I;', 'F;')):
        raise UnsupportedImageModeError(
            f'cannot read a PIL image of mode {mode!r} as RGB: its value range is unknown '
            '(32-bit integer or float). Convert it to 8-bit RGB (uint8) first'
        )
    try:
        return np.array(image.convert('RGB'))
    except ValueError as err:  # a mode Pillow cannot convert
        raise UnsupportedImageModeError(
            f'cannot read a PIL image of mode {mode!r} as RGB: {err}'
        ) from err


def read_rgb_image(path: str) -> np.ndarray:
    """Read an image file as RGB.

    Args:
        path (str): Image file (any format Pillow reads; grey, palette and
            RGBA images are converted, 16-bit ones scaled to 8 bits, see
            :func:`pil_to_rgb`).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB image.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'image file not found: {path}')
    try:
        with Image.open(path) as image:
            return pil_to_rgb(image)
    except (UnidentifiedImageError, OSError, UnsupportedImageModeError) as err:
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
