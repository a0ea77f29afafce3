"""CSV and JSON result files: columns and number format."""

import csv
import json
import math

from vos_data import moving_boxes

from mmsam2.evaluation.functional import (
    DAVIS_GLOBAL_COLUMNS,
    davis_summary,
    davis_video_scores,
    sav_summary,
    sav_video_scores,
    write_davis_csvs,
    write_result_json,
    write_sav_csv,
)


def read_rows(path):
    with open(path) as file:
        return list(csv.reader(file))


def test_davis_csvs_have_the_official_columns(tmp_path):
    gt, pred = moving_boxes(7), moving_boxes(7, shift_per_frame=1)
    metrics, rows = davis_summary(davis_video_scores('bear', gt, pred))
    paths = write_davis_csvs(str(tmp_path), metrics, rows, set_name='val')
    assert paths['global'].endswith('global_results-val.csv')
    assert paths['per_sequence'].endswith('per-sequence_results-val.csv')
    global_rows = read_rows(paths['global'])
    assert global_rows[0] == list(DAVIS_GLOBAL_COLUMNS)
    assert global_rows[0] == [
        'J&F-Mean',
        'J-Mean',
        'J-Recall',
        'J-Decay',
        'F-Mean',
        'F-Recall',
        'F-Decay',
    ]
    assert len(global_rows) == 2
    assert global_rows[1][1] == f'{metrics["J-Mean"]:.3f}'
    assert all(len(v.split('.')[1]) == 3 for v in global_rows[1])
    sequence_rows = read_rows(paths['per_sequence'])
    assert sequence_rows[0] == ['Sequence', 'J-Mean', 'F-Mean']
    assert [r[0] for r in sequence_rows[1:]] == ['bear_1', 'bear_2']
    assert sequence_rows[1][1:] == ['1.000', '1.000']


def test_nan_is_written_as_an_empty_field(tmp_path):
    metrics = dict.fromkeys(DAVIS_GLOBAL_COLUMNS, 0.5)
    metrics['J-Decay'] = math.nan
    paths = write_davis_csvs(str(tmp_path), metrics, [], set_name='test-dev')
    values = read_rows(paths['global'])[1]
    assert values == ['0.500', '0.500', '0.500', '', '0.500', '0.500', '0.500']


def test_sav_results_csv_layout(tmp_path):
    gt = {'000': moving_boxes(5) == 1, '001': moving_boxes(5) == 2}
    metrics, rows = sav_summary(sav_video_scores('sav_000001', gt, gt))
    path = write_sav_csv(str(tmp_path), metrics, rows)
    with open(path) as file:
        lines = file.read().splitlines()
    assert lines == [
        'sequence    ,obj,  J&F,    J,    F',
        'Global score,   , 100.0, 100.0, 100.0',
        'sav_000001  ,000, 100.0, 100.0, 100.0',
        'sav_000001  ,001, 100.0, 100.0, 100.0',
    ]


def test_result_json(tmp_path):
    metrics, rows = davis_summary(davis_video_scores('a', moving_boxes(5), moving_boxes(5)))
    table = write_davis_csvs(str(tmp_path), metrics, rows)['per_sequence']
    path = write_result_json(
        str(tmp_path),
        'davis2017-val',
        'davis',
        metrics,
        100.0,
        num_videos=1,
        num_objects=2,
        per_sequence=table,
        model='m',
        config='c.py',
        fps=None,
        params=38.9,
    )
    assert path.endswith('vos_results_davis2017-val.json')
    with open(path) as file:
        record = json.load(file)
    assert record['J'] == record['F'] == record['JF'] == 100.0
    assert record['per_sequence'] == 'per-sequence_results-val.csv'
    assert record['fps'] is None and record['params'] == 38.9
    assert record['metrics']['J-Mean'] == 1.0
    assert set(record) == {
        'benchmark',
        'protocol',
        'model',
        'config',
        'J',
        'F',
        'JF',
        'fps',
        'params',
        'num_videos',
        'num_objects',
        'per_sequence',
        'metrics',
    }


def test_result_json_with_seen_unseen_uses_overall(tmp_path):
    metrics = {
        'J-Mean': 0.0,
        'F-Mean': 0.0,
        'J&F-Mean': 0.0,
        'J_seen': 0.8,
        'F_seen': 0.9,
        'J_unseen': 0.6,
        'F_unseen': 0.7,
        'overall': 0.75,
    }
    path = write_result_json(str(tmp_path), 'ytvos19', 'davis', metrics, 100.0, 1, 1)
    with open(path) as file:
        record = json.load(file)
    assert (record['J'], record['F'], record['JF']) == (70.0, 80.0, 75.0)
