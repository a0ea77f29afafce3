"""The DAVIS / PASCAL VOC colour palette used by VOS annotation PNGs and overlays."""

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
