"""demo/image_demo.py end to end (subprocess) with the tiny model at 128 px."""

import os.path as osp
import subprocess
import sys

import numpy as np
from image_helpers import shapes_image
from PIL import Image

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
DEMO = osp.join(ROOT, 'demo', 'image_demo.py')
CONFIG = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, DEMO, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_image_demo_writes_overlay(tmp_path) -> None:
    image = tmp_path / 'shapes.png'
    Image.fromarray(shapes_image(96, 128)).save(image)
    out = tmp_path / 'out' / 'overlay.png'
    done = _run(
        str(image),
        CONFIG,
        '--points', '35,45,100,30',
        '--labels', '1,0',
        '--box', '5,5,80,90',
        '--out', str(out),
        '--cfg-options', 'model.image_size=128',
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '1 mask(s) drawn' in done.stdout
    drawn, original = np.asarray(Image.open(out)), np.asarray(Image.open(image))
    assert drawn.shape == original.shape and (drawn != original).any()
