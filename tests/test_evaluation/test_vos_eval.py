"""Folder evaluation and the eval_vos.py command line, end to end on tiny PNG folders."""

import csv
import json
import os.path as osp
import runpy
import sys

import pytest

from mmsam2.evaluation.functional import evaluate_results, run_vos_evaluation

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
EVAL_VOS = osp.join(REPO, 'tools', 'analysis_tools', 'eval_vos.py')


def run_cli(script: str, args, monkeypatch) -> None:
    monkeypatch.setattr(sys, 'argv', [script, *args])
    runpy.run_path(script, run_name='__main__')


def test_cli_davis_protocol(vos_folders, tmp_path, monkeypatch, capsys):
    roots = vos_folders('davis')
    split = tmp_path / 'val.txt'
    split.write_text('b\n')
    out = tmp_path / 'out'
    args = [roots['gt'], roots['pred'], '--protocol', 'davis', '--workers', '2']
    args += ['--out-dir', str(out), '--split-file', str(split), '--model-name', 'drift']
    run_cli(EVAL_VOS, args, monkeypatch)
    assert 'J&F-Mean' in capsys.readouterr().out
    with open(out / 'per-sequence_results-val.csv') as file:
        rows = list(csv.reader(file))
    assert [r[0] for r in rows] == ['Sequence', 'b_1', 'b_2']
    assert rows[1][1:] == ['1.000', '1.000']
    assert float(rows[2][1]) < 1
    with open(out / 'vos_results_davis-val.json') as file:
        record = json.load(file)
    assert record['model'] == 'drift' and record['num_videos'] == 1


def test_cli_sav_protocol_with_seen_split(vos_folders, tmp_path, monkeypatch):
    roots = vos_folders('sav')
    unseen = tmp_path / 'unseen_videos.txt'
    unseen.write_text('b\n')
    args = [roots['gt'], roots['pred'], '--protocol', 'sav', '--workers', '1']
    args += ['--seen-split', str(unseen), '--benchmark', 'sav-val']
    run_cli(EVAL_VOS, args, monkeypatch)
    # files go to the prediction root by default, as with the official tools
    with open(osp.join(roots['pred'], 'results.csv')) as file:
        lines = file.read().splitlines()
    assert lines[0].startswith('sequence') and lines[1].startswith('Global score')
    assert [line.split(',')[:2] for line in lines[2:]] == [
        ['a           ', '001'],
        ['a           ', '002'],
        ['b           ', '001'],
        ['b           ', '002'],
    ]
    with open(osp.join(roots['pred'], 'vos_results_sav-val.json')) as file:
        metrics = json.load(file)['metrics']
    assert metrics['J_seen'] == 100.0 and metrics['J_unseen'] < 100.0


def test_layouts_and_workers_agree(vos_folders):
    davis, sav = vos_folders('davis'), vos_folders('sav')
    serial = evaluate_results(davis['gt'], davis['pred'], 'davis', progress=False)
    parallel = evaluate_results(davis['gt'], davis['pred'], 'davis', workers=2, progress=False)
    per_object = evaluate_results(sav['gt'], sav['pred'], 'davis', progress=False)
    for other in (parallel, per_object):
        assert list(other) == list(serial)
        for video in serial:
            for a, b in zip(serial[video], other[video]):
                assert (a.j == b.j).all() and (a.f == b.f).all()


def test_json_seen_split_and_missing_prediction(vos_folders, tmp_path):
    roots = vos_folders('davis')
    split = tmp_path / 'split.json'
    split.write_text(json.dumps({'a': True, 'b': {'1': True, '2': False}}))
    metrics = run_vos_evaluation(
        roots['gt'], roots['pred'], out_dir=str(tmp_path), seen_split=str(split), progress=False
    )
    assert metrics['J_seen'] == 1.0 and metrics['J_unseen'] < 1.0
    with pytest.raises(FileNotFoundError, match='no prediction folder'):
        evaluate_results(roots['gt'], str(tmp_path / 'nothing'), progress=False)
