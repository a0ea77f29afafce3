"""Helpers writing tiny DAVIS- and SA-V-layout folders of palette / binary PNGs."""

import os
import os.path as osp
from typing import Dict

import numpy as np
from PIL import Image

PALETTE = [0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0] + [255] * (3 * 252)


def save_palette_png(path: str, id_map: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    image = Image.fromarray(id_map.astype(np.uint8), mode='P')
    image.putpalette(PALETTE)
    image.save(path)


def save_davis(root: str, videos: Dict[str, np.ndarray]) -> None:
    """Write ``<root>/<video>/<frame>.png`` from (T, H, W) id maps."""
    for name, video in videos.items():
        for t, id_map in enumerate(video):
            save_palette_png(osp.join(root, name, f'{t:05d}.png'), id_map)


def save_sav(root: str, videos: Dict[str, np.ndarray]) -> None:
    """Write ``<root>/<video>/<obj_id>/<frame>.png`` binary masks from (T, H, W) id maps."""
    for name, video in videos.items():
        for obj in sorted(set(np.unique(video).tolist()) - {0}):
            folder = osp.join(root, name, f'{obj:03d}')
            os.makedirs(folder, exist_ok=True)
            for t, id_map in enumerate(video):
                mask = ((id_map == obj) * 255).astype(np.uint8)
                Image.fromarray(mask).save(osp.join(folder, f'{t:05d}.png'))


def moving_boxes(num_frames: int, shift_per_frame: int = 0, size=(24, 32)) -> np.ndarray:
    """(T, H, W) id map: two boxes, the second moving right by ``shift_per_frame``."""
    video = np.zeros((num_frames, *size), dtype=np.uint8)
    for t in range(num_frames):
        video[t, 2:10, 2:12] = 1
        left = min(14 + shift_per_frame * t, size[1] - 8)
        video[t, 12:20, left : left + 8] = 2
    return video
