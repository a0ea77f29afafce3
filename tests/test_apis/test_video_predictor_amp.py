"""bfloat16 autocast tracking agrees with float32 on real footage (issue #3's bar: >= 99.5 %)."""

import os.path as osp

import numpy as np
import pytest
import torch

from mmsam2.apis import SAM2VideoPredictor
from mmsam2.apis.video_benchmark import max_abs_diff, sign_agreement
from mmsam2.engine import amp
from mmsam2.engine.amp import inference_autocast
from mmsam2.fileio.frame_sources import open_frame_source

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
CLIPS = [osp.join(ROOT, '..', 'shared', 'data', name) for name in ('bikes.mp4',)]
NUM_FRAMES = 6


def _track(predictor: SAM2VideoPredictor, frames: np.ndarray, amp_dtype) -> list:
    """Masks (1, 1, H, W) of frames 0..T-1 after one click on frame 0."""
    height, width = frames.shape[1:3]
    masks = []
    with torch.inference_mode(), inference_autocast('cpu', amp_dtype):
        state = predictor.init_state(frames)
        predictor.add_new_points_or_box(state, 0, 1, [[width / 2, height / 2]], [1])
        for _, _, frame_masks in predictor.propagate_in_video(state):
            masks.append(frame_masks.float())
    return masks


@pytest.mark.parametrize('clip', CLIPS, ids=osp.basename)
def test_bf16_masks_agree_with_fp32_on_real_clip(clip: str) -> None:
    if not osp.isfile(clip):
        pytest.skip(f'shared test clip {clip} is absent')
    source = open_frame_source(clip)
    frames = np.stack([source[t] for t in range(NUM_FRAMES)])
    torch.manual_seed(0)
    predictor = SAM2VideoPredictor.from_config(CONFIG, cfg_options={'model.image_size': 512})
    full = _track(predictor, frames, None)
    half = _track(predictor, frames, 'bfloat16')
    assert sum(int((m > 0).sum()) for m in full) > 0
    assert max_abs_diff(full, half) > 0  # autocast really ran in bfloat16
    assert sign_agreement(full, half) >= 0.995


def test_inference_autocast_choices() -> None:
    linear = torch.nn.Linear(4, 4)
    with inference_autocast('cpu', 'bfloat16'):
        assert linear(torch.ones(1, 4)).dtype == torch.bfloat16
    with inference_autocast('cpu', None):
        assert linear(torch.ones(1, 4)).dtype == torch.float32
    with pytest.raises(ValueError, match='on a CPU runs in bfloat16'):
        inference_autocast('cpu', 'float16')
    with pytest.raises(ValueError, match='must be one of'):
        inference_autocast('cuda', 'int8')


def test_emulated_bfloat16_is_warned_about(monkeypatch) -> None:
    for name in amp.CPU_BF16_PROBES:
        monkeypatch.setattr(torch.cpu, name, lambda: False)
    assert not amp.cpu_has_native_bfloat16()
    with pytest.warns(UserWarning, match='neither AMX nor AVX512-BF16'):
        inference_autocast('cpu', 'bfloat16')
    monkeypatch.setattr(torch.cpu, amp.CPU_BF16_PROBES[1], lambda: True)
    assert amp.cpu_has_native_bfloat16()
