import json
import os.path as osp
import subprocess
import sys

import pytest

from mmsam2.utils.loss_curve import find_scalars_file, read_loss_curves

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _work_dir(tmp_path) -> str:
    vis = tmp_path / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    rows = [dict(iter=i, loss=10.0 / i, loss_mask=5.0 / i, lr=0.1) for i in range(1, 6)]
    rows.insert(2, dict(**{'vos/J&F-Mean': 0.5}, step=3))
    (vis / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in rows))
    return str(tmp_path)


def test_read_loss_curves(tmp_path) -> None:
    curves = read_loss_curves(find_scalars_file(_work_dir(tmp_path)))
    assert set(curves) == {'loss', 'loss_mask'}
    assert curves['loss'][0] == [1, 2, 3, 4, 5]
    assert curves['loss_mask'][1][-1] == pytest.approx(1.0)
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        find_scalars_file(str(tmp_path / 'nothing'))


def test_plot_tool_writes_png(tmp_path) -> None:
    work = _work_dir(tmp_path)
    res = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'analysis_tools', 'plot_loss.py'), work],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    with open(osp.join(work, 'loss_curve.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
