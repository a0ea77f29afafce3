"""Fixtures of the tracker tests: one synthetic video with ground truth, one CPU thread."""

import json
import os.path as osp
from typing import Dict

import pytest
import torch
from tracking_helpers import read_id_maps

from mmsam2.datasets import generate_synthetic_vos


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Small models run faster (and far faster on a busy machine) on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def synthetic_video(tmp_path_factory) -> Dict:
    """A 20-frame DAVIS-layout video: object 1 stays, 2 leaves and comes back, 3 enters.

    Returns:
        dict: ``root`` (data root), ``frames`` (frame folder), ``ann_dir``,
        ``categories`` (object id -> class), ``id_maps`` (T, H, W).
    """
    root = str(tmp_path_factory.mktemp('synthetic_track'))
    generate_synthetic_vos(
        root, 'davis', num_videos=1, num_frames=20, size=(64, 96), seed=0, num_val_videos=1
    )
    ann_dir = osp.join(root, 'Annotations', '480p', 'video_000')
    with open(osp.join(root, 'categories.json')) as file:
        categories = {int(k): v for k, v in json.load(file)['video_000'].items()}
    return dict(
        root=root,
        frames=osp.join(root, 'JPEGImages', '480p', 'video_000'),
        ann_dir=ann_dir,
        categories=categories,
        id_maps=read_id_maps(ann_dir),
    )
