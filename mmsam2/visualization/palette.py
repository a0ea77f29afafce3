"""The DAVIS colour palette, and object colours that follow it."""

from typing import Sequence

import numpy as np

from mmsam2.utils.palette import DAVIS_PALETTE, davis_palette

__all__ = ['DAVIS_PALETTE', 'davis_palette', 'object_colors']


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
