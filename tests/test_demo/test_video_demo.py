"""demo/video_demo.py end to end (subprocess) and its prompt parsing."""

import os.path as osp
import subprocess
import sys

import av
import numpy as np
import pytest
import torch
from PIL import Image

from mmsam2.apis import init_model
from mmsam2.apis.video_demo_runner import (
    VideoPrompt,
    merge_prompts,
    parse_box_prompt,
    parse_point_prompt,
)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
DEMO = osp.join(ROOT, 'demo', 'video_demo.py')
CONFIG = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
CARPHONE = osp.join(ROOT, '..', 'shared', 'data', 'carphone_pristine.mp4')
NUM_FRAMES = 6


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, DEMO, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope='module')
def present_checkpoint(tmp_path_factory) -> str:
    """Random weights whose object score is always positive, so masks are drawn."""
    torch.manual_seed(0)
    model = init_model(CONFIG, cfg_options={'model.image_size': 128})
    state = model.state_dict()
    state['mask_decoder.pred_obj_score_head.layers.2.bias'].fill_(20.0)
    path = tmp_path_factory.mktemp('ckpt') / 'present.pth'
    torch.save({'state_dict': state}, path)
    return str(path)


def _decoded_frames(path: str) -> list:
    with av.open(path) as container:
        return [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]


@pytest.fixture
def frame_folder(tmp_path) -> str:
    """NUM_FRAMES random 48 x 64 JPEG frames."""
    rng = np.random.default_rng(0)
    folder = tmp_path / 'frames'
    folder.mkdir()
    for t in range(NUM_FRAMES):
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(
            folder / f'{t:05d}.jpg'
        )
    return str(folder)


def _track(folder: str, out: str, checkpoint: str, *extra: str) -> subprocess.CompletedProcess:
    """Run the demo with a click on object 1, a box on object 3, both directions."""
    return _run(
        folder, CONFIG,
        '--checkpoint', checkpoint,
        '--prompt', '2:1:20,20,1;40,30,0',
        '--box', '2:3:30,10,60,40',
        '--reverse',
        '--out-dir', out,
        '--cfg-options', 'model.image_size=128',
        *extra,
    )  # fmt: skip


def _masks(out) -> np.ndarray:
    """(T, H, W) object ids of the demo's palette PNGs."""
    return np.stack([np.asarray(Image.open(p)) for p in sorted((out / 'masks').iterdir())])


def test_video_demo_on_frame_folder(tmp_path, frame_folder: str, present_checkpoint: str) -> None:
    out = tmp_path / 'out'
    done = _track(frame_folder, str(out), present_checkpoint)
    assert done.returncode == 0, done.stderr
    assert f'{NUM_FRAMES} tracked frames' in done.stdout
    pngs = sorted(p.name for p in (out / 'masks').iterdir())
    assert pngs == [f'{t:05d}.png' for t in range(NUM_FRAMES)]
    ids = np.asarray(Image.open(out / 'masks' / '00002.png'))
    assert set(np.unique(ids)) <= {0, 1, 3} and ids.any()
    video = _decoded_frames(str(out / 'overlay.mp4'))
    assert len(video) == NUM_FRAMES and video[0].shape == (48, 64, 3)
    original = np.asarray(Image.open(osp.join(frame_folder, '00002.jpg'))).astype(int)
    assert np.abs(video[2].astype(int) - original).mean() > 5  # masks are drawn


def test_video_demo_amp(tmp_path, frame_folder: str, present_checkpoint: str) -> None:
    """--amp writes the same outputs; masks match float32 on the prompted frame.

    Later frames are not compared: with random weights the three candidate
    masks get near-equal predicted IoUs, so bfloat16 rounding may pick
    another one (agreement on real footage: tests/test_apis/test_video_predictor_amp.py).
    """
    full, amp = tmp_path / 'fp32', tmp_path / 'bf16'
    assert _track(frame_folder, str(full), present_checkpoint).returncode == 0
    done = _track(frame_folder, str(amp), present_checkpoint, '--amp')
    assert done.returncode == 0, done.stderr
    assert f'{NUM_FRAMES} tracked frames' in done.stdout
    reference, masks = _masks(full), _masks(amp)
    assert masks.shape == reference.shape and (reference[2] > 0).any()
    assert (masks[2] == reference[2]).mean() > 0.95
    assert len(_decoded_frames(str(amp / 'overlay.mp4'))) == NUM_FRAMES


def test_video_demo_refuses_float16_on_cpu(tmp_path, frame_folder: str) -> None:
    done = _run(
        frame_folder, CONFIG, '--prompt', '0:1:5,5,1', '--out-dir', str(tmp_path),
        '--amp', '--amp-dtype', 'float16',
    )  # fmt: skip
    assert done.returncode == 1 and 'on a CPU runs in bfloat16' in done.stderr


@pytest.mark.skipif(not osp.isfile(CARPHONE), reason=f'shared test clip {CARPHONE} is absent')
def test_video_demo_on_real_clip(tmp_path) -> None:
    done = _run(
        CARPHONE, CONFIG,
        '--prompt', '115:1:80,60,1',
        '--out-dir', str(tmp_path),
        '--cfg-options', 'model.image_size=128',
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / 'masks').iterdir())) == 5
    assert len(_decoded_frames(str(tmp_path / 'overlay.mp4'))) == 120


def test_video_demo_rejects_bad_prompts(tmp_path) -> None:
    done = _run(str(tmp_path), CONFIG, '--prompt', '0:1:5,5', '--out-dir', str(tmp_path))
    assert done.returncode == 2 and 'must be x,y,label' in done.stderr


def test_prompt_parsing() -> None:
    clicks = parse_point_prompt('3:2:10,20,1;30.5,40,0')
    assert clicks == VideoPrompt(3, 2, [[10.0, 20.0], [30.5, 40.0]], [1, 0])
    box = parse_box_prompt('3:2:1,2,30,40')
    assert box == VideoPrompt(3, 2, box=[1.0, 2.0, 30.0, 40.0])
    merged = merge_prompts([clicks, parse_point_prompt('0:1:5,5,1'), box])
    assert merged == [
        VideoPrompt(3, 2, clicks.points, [1, 0], box.box),
        VideoPrompt(0, 1, [[5, 5]], [1]),
    ]
    for text, match in [
        ('3:2', 'must look like'),
        ('a:2:1,1,1', 'must be integers'),
        ('0:255:1,1,1', 'object id in 1..254'),
        ('0:1:1,1,2', 'label 0 or 1'),
        ('0:1:x,1,1', 'comma-separated numbers'),
    ]:
        with pytest.raises(ValueError, match=match):
            parse_point_prompt(text)
    with pytest.raises(ValueError, match='needs 4 numbers'):
        parse_box_prompt('0:1:1,2,3')
    with pytest.raises(ValueError, match='two boxes'):
        merge_prompts([box, box])
