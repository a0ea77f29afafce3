"""Synthetic VOS benchmarks for the dataset tests (small: 3 videos, 12 frames, 48x64)."""

import os.path as osp
from typing import Callable

import pytest

from mmsam2.datasets import generate_synthetic_vos

SMALL = dict(num_videos=3, num_frames=12, size=(48, 64), max_objects=3, seed=0)
"""Videos 000 and 001 go to the first split, 002 to the second; the first
video of each split has 3 objects: 1 stays, 2 leaves and comes back, 3 first
appears on frame 5."""


@pytest.fixture(scope='session')
def synthetic_spec() -> dict:
    """Arguments of :func:`generate_synthetic_vos` used by these tests."""
    return dict(SMALL)


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """Shared, read-only synthetic benchmark per format: fmt -> out_dir."""
    roots = {}

    def get(fmt: str) -> str:
        if fmt not in roots:
            roots[fmt] = str(tmp_path_factory.mktemp(fmt))
            generate_synthetic_vos(roots[fmt], fmt, **SMALL)
        return roots[fmt]

    return get


@pytest.fixture
def fresh_root(tmp_path) -> Callable[[str], str]:
    """A private synthetic benchmark that a test may break: fmt -> out_dir."""

    def make(fmt: str) -> str:
        out_dir = osp.join(str(tmp_path), fmt)
        generate_synthetic_vos(out_dir, fmt, **SMALL)
        return out_dir

    return make
