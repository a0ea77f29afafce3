"""leaderboard.py: result files of several runs -> sorted markdown and CSV tables."""

import csv
import os.path as osp
import runpy
import sys

from mmsam2.evaluation.functional import write_result_json

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LEADERBOARD = osp.join(REPO, 'tools', 'analysis_tools', 'leaderboard.py')


def write_run(work_dir, benchmark, jf, fps=None, model=None):
    metrics = {'J-Mean': jf - 0.01, 'F-Mean': jf + 0.01, 'J&F-Mean': jf}
    write_result_json(
        str(work_dir),
        benchmark,
        'davis',
        metrics,
        100.0,
        1,
        1,
        model=model,
        fps=fps,
        config=f'configs/{osp.basename(str(work_dir))}.py',
    )


def test_leaderboard_cli(tmp_path, monkeypatch, capsys):
    write_run(tmp_path / 'runs' / 'tiny', 'davis2017-val', 0.80, fps=40.0)
    write_run(tmp_path / 'runs' / 'large', 'davis2017-val', 0.90, fps=10.0, model='sam2.1-l')
    write_run(tmp_path / 'runs' / 'small', 'davis2017-val', 0.85)
    write_run(tmp_path / 'other' / 'tiny', 'sav-val', 0.7)
    out, table = tmp_path / 'board' / 'leaderboard.md', tmp_path / 'leaderboard.csv'
    args = [str(tmp_path / 'runs'), str(tmp_path / 'other'), '--out', str(out), '--csv', str(table)]
    monkeypatch.setattr(sys, 'argv', [LEADERBOARD, *args])
    runpy.run_path(LEADERBOARD, run_name='__main__')
    text = out.read_text()
    assert text.strip() == capsys.readouterr().out.strip()
    lines = text.splitlines()
    start = lines.index('## davis2017-val')
    assert lines[start + 2] == '| model | config | J | F | J&F | FPS | Params (M) |'
    rows = lines[start + 4 : start + 7]
    assert rows[0] == '| sam2.1-l | configs/large.py | 89.0 | 91.0 | 90.0 | 10.0 | - |'
    assert [r.split(' | ')[0] for r in rows] == ['| sam2.1-l', '| small', '| tiny']
    assert '## sav-val' in lines
    with open(table) as file:
        records = list(csv.reader(file))
    assert records[0] == ['benchmark', 'model', 'config', 'J', 'F', 'J&F', 'FPS', 'Params (M)']
    assert [r[:2] for r in records[1:]] == [
        ['davis2017-val', 'sam2.1-l'],
        ['davis2017-val', 'small'],
        ['davis2017-val', 'tiny'],
        ['sav-val', 'tiny'],
    ]
