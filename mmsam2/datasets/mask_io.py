"""Reading and writing VOS masks.

Two layouts exist on disk: one palette PNG per frame holding every object's
id (DAVIS, YouTube-VOS, MOSE, LVOS; objects cannot overlap) and one binary
PNG per object and frame (SA-V; objects may overlap).
"""

import io
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.fileio.video_frames import open_image
from mmsam2.utils.palette import DAVIS_PALETTE

VOID_ID = 255
"""Id of the pixels DAVIS asks to ignore; never an object."""


def _colour_codes(rgb: np.ndarray) -> np.ndarray:
    """Pack RGB colours into integers.

    Args:
        rgb (np.ndarray): (..., 3) uint8 colours.

    Returns:
        np.ndarray: (...) int64 codes ``r << 16 | g << 8 | b``.
    """
    rgb = rgb.astype(np.int64)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def _rgb_to_ids(rgb: np.ndarray, path: str) -> np.ndarray:
    """Map the colours of an RGB mask to their index in :data:`DAVIS_PALETTE`.

    Args:
        rgb (np.ndarray): (H, W, 3) uint8 colours.
        path (str): The mask file, for the error message.

    Returns:
        np.ndarray: (H, W) uint8 ids.
    """
    codes = _colour_codes(rgb)
    palette_codes = _colour_codes(DAVIS_PALETTE)
    lookup = {int(code): index for index, code in enumerate(palette_codes)}
    unique, inverse = np.unique(codes, return_inverse=True)
    unknown = [int(code) for code in unique if int(code) not in lookup]
    if unknown:
        colours = [((c >> 16) & 255, (c >> 8) & 255, c & 255) for c in unknown[:5]]
        raise VOSDatasetError(
            f'RGB mask has colours {colours} that are not in the DAVIS palette; '
            'save masks as palette PNGs (mmsam2.datasets.write_palette_mask)',
            path,
        )
    ids = np.array([lookup[int(code)] for code in unique], np.uint8)
    return ids[inverse].reshape(rgb.shape[:2])


def read_palette_mask(path: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read an id map: a palette PNG (or a grayscale / RGB one).

    * Palette ('P') PNGs: the pixel indices are the ids. An index outside the
      file's palette raises :class:`VOSDatasetError`.
    * Grayscale PNGs: the values are the ids, except that a binary mask saved
      as 0/255 reads as 0/1 (255 would otherwise be :data:`VOID_ID`).
    * RGB PNGs: colours are looked up in :data:`DAVIS_PALETTE`; a colour
      outside it raises :class:`VOSDatasetError`.

    Args:
        path (str): PNG file.

    Returns:
        Tuple[np.ndarray, Optional[np.ndarray]]: (H, W) uint8 ids, and the
        (K, 3) uint8 palette of the file (:data:`DAVIS_PALETTE` for RGB files,
        None for grayscale ones).
    """
    with open_image(path, 'mask file') as image:
        image.load()
        if image.mode == 'P':
            ids = np.array(image)
            palette = np.asarray(image.getpalette(), np.uint8).reshape(-1, 3)
            if ids.size and int(ids.max()) >= len(palette):
                bad = sorted(int(i) for i in np.unique(ids[ids >= len(palette)]))
                raise VOSDatasetError(
                    f'mask ids {bad} are not in its {len(palette)}-colour palette', path
                )
            return ids, palette
        if image.mode in ('L', '1'):
            ids = np.array(image.convert('L'))
            if set(np.unique(ids).tolist()) <= {0, 255}:
                ids = (ids > 0).astype(np.uint8)
            return ids, None
        if image.mode in ('RGB', 'RGBA'):
            return _rgb_to_ids(np.array(image.convert('RGB')), path), DAVIS_PALETTE
        raise VOSDatasetError(f'unsupported mask mode {image.mode!r}', path)


def encode_palette_png(ids: np.ndarray, palette: np.ndarray = DAVIS_PALETTE) -> bytes:
    """Encode an id map as a palette PNG.

    Args:
        ids (np.ndarray): (H, W) integer ids in [0, 255].
        palette (np.ndarray): (256, 3) uint8 colours. Defaults to
            :data:`DAVIS_PALETTE`.

    Returns:
        bytes: The PNG file's content.
    """
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f'an id map must be (H, W), got {ids.shape}')
    if ids.size and (ids.min() < 0 or ids.max() > 255):
        raise ValueError(f'ids must be in [0, 255], got [{ids.min()}, {ids.max()}]')
    image = Image.fromarray(ids.astype(np.uint8))  # mode 'L', made 'P' by putpalette
    image.putpalette(np.asarray(palette, np.uint8).reshape(-1).tolist())
    buffer = io.BytesIO()
    image.save(buffer, format='PNG')
    return buffer.getvalue()


def write_palette_mask(path: str, ids: np.ndarray, palette: np.ndarray = DAVIS_PALETTE) -> None:
    """Write an id map as a palette PNG (creating its folder).

    Args:
        path (str): Output PNG file.
        ids (np.ndarray): (H, W) integer ids in [0, 255].
        palette (np.ndarray): (256, 3) uint8 colours. Defaults to
            :data:`DAVIS_PALETTE`.
    """
    content = encode_palette_png(ids, palette)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'wb') as file:
        file.write(content)


def read_binary_mask(path: str) -> np.ndarray:
    """Read a one-object mask (any PNG mode): every non-zero pixel is the object.

    Args:
        path (str): PNG file.

    Returns:
        np.ndarray: (H, W) bool mask.
    """
    with open_image(path, 'mask file') as image:
        if image.mode == 'P':
            return np.array(image) > 0
        return np.array(image.convert('L')) > 0


def write_binary_mask(path: str, mask: np.ndarray) -> None:
    """Write a one-object mask as a 0/1 palette PNG (SA-V's format).

    Args:
        path (str): Output PNG file.
        mask (np.ndarray): (H, W) mask; non-zero pixels are the object.
    """
    write_palette_mask(path, (np.asarray(mask) > 0).astype(np.uint8))


def split_id_map(ids: np.ndarray, object_ids: Sequence[int]) -> Dict[int, np.ndarray]:
    """Turn an id map into one boolean mask per object.

    Args:
        ids (np.ndarray): (H, W) id map.
        object_ids (Sequence[int]): Objects to extract; an object missing from
            ``ids`` gets an empty mask.

    Returns:
        Dict[int, np.ndarray]: Object id -> (H, W) bool mask.
    """
    return {obj_id: ids == obj_id for obj_id in object_ids}
