"""tools/analysis_tools/benchmark.py at a tiny size: output structure, not speed."""

import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmsam2.apis.video_benchmark import (
    max_abs_diff,
    sign_agreement,
    synthetic_clicks,
    synthetic_video,
)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark.py')
CONFIG = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')


def test_benchmark_tool_reports_every_section(tmp_path) -> None:
    pytest.importorskip('sam2', reason="Meta's sam2 is needed for --compare-official")
    out = tmp_path / 'results.json'
    done = subprocess.run(
        [
            sys.executable, TOOL, CONFIG,
            '--image-size', '128',
            '--num-frames', '3',
            '--warmup-frames', '1',
            '--num-objects', '2',
            '--frame-size', '48,64',
            '--encoder-images', '1',
            '--compare-official',
            '--amp', 'bf16',
            '--rss-lengths', '2,5',
            '--out', str(out),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for row in ('image encoder', 'time ratio mmsam2 / Meta', 'speed-up bf16', 'RSS growth'):
        assert row in done.stdout
    results = json.loads(out.read_text())
    assert results['num_frames'] == 3 and results['num_objects'] == 2
    assert set(results) >= {'encoder', 'propagation', 'reference', 'amp', 'rss'}
    assert results['reference']['max_abs_diff'] < 1e-4  # same weights, same frames
    assert results['reference']['ratio'] > 0 and results['amp']['speedup'] > 0
    assert 0.5 < results['amp']['sign_agreement'] <= 1
    assert set(results['rss']['peak_mb']) == {'2', '5'}


def test_synthetic_video_and_clicks() -> None:
    frames = list(synthetic_video(3, 40, 60, num_objects=2))
    assert len(frames) == 3 and frames[0].shape == (40, 60, 3) and frames[0].dtype == np.uint8
    assert not np.array_equal(frames[0], frames[2])  # the discs move
    clicks = synthetic_clicks(2, 40, 60)
    assert [(c[0], c[1], c[3]) for c in clicks] == [(0, 1, [1]), (0, 2, [1])]
    x, y = map(int, clicks[0][2][0])
    assert frames[0][y, x].min() >= 130  # the click lands on a disc


def test_mask_comparisons() -> None:
    reference = [torch.tensor([[[[1.0, -1.0]]], [[[-1.0, -2.0]]]])]  # object 2 is absent
    other = [torch.tensor([[[[2.0, 1.0]]], [[[5.0, 5.0]]]])]
    assert sign_agreement(reference, other) == 0.5
    assert max_abs_diff(reference, other) == 7.0
    with pytest.raises(ValueError, match='1 and 2 frames'):
        max_abs_diff(reference, reference * 2)
