"""tools/analysis_tools/synthetic_leaderboard.sh end to end, on tiny data and 2 iterations."""

import os
import os.path as osp
import shutil
import subprocess

import pytest

from mmsam2.datasets.synthetic import generate_synthetic_vos

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'analysis_tools', 'synthetic_leaderboard.sh')
BACKBONES = ('hiera-t-tiny', 'r18-tiny', 'swin-t-tiny', 'vit-t-tiny')


@pytest.mark.slow
@pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')
def test_leaderboard_script_trains_evaluates_and_tabulates(tmp_path) -> None:
    data, hard = str(tmp_path / 'easy'), str(tmp_path / 'hard')
    generate_synthetic_vos(data, num_videos=4, num_val_videos=1, num_frames=8)
    generate_synthetic_vos(
        hard, num_videos=2, num_val_videos=1, num_frames=12, num_distractors=1, seed=7
    )
    work = tmp_path / 'work'
    env = dict(os.environ, DATA=data, HARD=hard, WORK=str(work), ITERS='2')
    result = subprocess.run(
        ['bash', SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in BACKBONES:
        assert (work / 'train' / name / 'last_checkpoint').is_file()
    table = (work / 'leaderboard.md').read_text()
    sections = table.split('## ')
    easy = next(s for s in sections if s.startswith('synthetic-davis-val'))
    hard_rows = next(s for s in sections if s.startswith('synthetic-hard-davis-val'))
    for name in BACKBONES:
        assert f'sam2.1_{name}_vos_synthetic-val' in easy
    for policy in ('motion-aware', 'long-video'):
        assert f'sam2.1-{policy}_hiera-t-tiny_vos_synthetic-val' in easy
        assert f'sam2.1-{policy}_hiera-t-tiny_vos_synthetic-hard-val' in hard_rows
    assert 'sam2.1_hiera-t-tiny_vos_synthetic-hard-val' in hard_rows
