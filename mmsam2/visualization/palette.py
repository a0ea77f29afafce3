"""The DAVIS colour palette, and object colours that follow it."""

from typing import Sequence

import numpy as np


def davis_palette(num_colors: int = 256) -> np.ndarray:
    """Colours of the DAVIS / PASCAL VOC palette (the "bitget" colour map).

    Colour ``i`` spreads the bits of ``i`` over the channels: bit ``3k + c``
    of ``i`` becomes bit ``7 - k`` of channel ``c`` (R, G, B). Colour 0 is
    black, 1 dark red (128, 0, 0), 2 dark green (0, 128, 0), 3 olive, ...

    Args:
        num_colors (int): Number of colours. Defaults to 256.

    Returns:
        np.ndarray: (num_colors, 3) uint8 RGB colours.
    """
    ids = np.arange(num_colors)[:, None, None]
    bit = np.arange(8)[None, :, None]
    channel = np.arange(3)[None, None, :]
    bits = (ids >> (3 * bit + channel)) & 1
    return (bits << (7 - bit)).sum(axis=1).astype(np.uint8)


DAVIS_PALETTE = davis_palette()
"""(256, 3) uint8: colour ``i`` is the colour of object id ``i`` in DAVIS PNGs."""


def object_colors(obj_ids: Sequence[int]) -> np.ndarray:
    """Colour of each object: the DAVIS colour of its id.

    Ids 1..254 get the colour DAVIS annotation PNGs give them; other ids (0,
    255 and above, negative) wrap onto 1..254, so an object is never drawn
    black (background) or in the void colour.

    Args:
        obj_ids (Sequence[int]): Object ids.

    Returns:
        np.ndarray: (N, 3) uint8 RGB colours.
    """
    ids = np.asarray(obj_ids, dtype=np.int64).reshape(-1)
    return DAVIS_PALETTE[1 + (ids - 1) % 254]
