"""VOSMetric and SAVMetric: data-sample forms, registry, result files."""

import json
import os.path as osp

import numpy as np
import pytest
from vos_data import moving_boxes

from mmsam2.evaluation import SAVMetric, VOSMetric
from mmsam2.evaluation.functional import davis_summary, davis_video_scores
from mmsam2.registry import METRICS


def samples():
    gt_b, pred_b = moving_boxes(7), moving_boxes(7, shift_per_frame=1)
    return [
        {'video_name': 'a', 'gt_masks': moving_boxes(5), 'pred_masks': moving_boxes(5)},
        {
            'video_name': 'b',
            'gt_masks': gt_b,
            'pred_masks': {1: pred_b == 1, 2: pred_b == 2},
            'frame_names': [f'{t:05d}' for t in range(7)],
        },
    ]


def test_registry_and_array_samples():
    metric = METRICS.build(dict(type='VOSMetric'))
    assert isinstance(metric, VOSMetric)
    metric.process(None, samples())
    metrics = metric.compute_metrics(metric.results)
    gt_b, pred_b = moving_boxes(7), moving_boxes(7, shift_per_frame=1)
    objects = davis_video_scores('a', moving_boxes(5), moving_boxes(5))
    objects += davis_video_scores('b', gt_b, pred_b)
    expected, _ = davis_summary(objects)
    assert metrics == pytest.approx(expected)
    assert metrics['J-Mean'] < 1
    # per video only small per-frame arrays are kept
    assert all(o.j.shape == (3,) or o.j.shape == (5,) for r in metric.results for o in r['objects'])


def test_evaluate_adds_prefix():
    metric = VOSMetric()
    metric.process(None, samples())
    results = metric.evaluate(2)
    assert set(results) == {f'vos/{k}' for k in VOSMetric().summarize([])[0]}
    sav = SAVMetric()
    sav.process(None, samples())
    assert set(sav.evaluate(2)) == {'sav/J&F-Mean', 'sav/J-Mean', 'sav/F-Mean'}


def test_path_samples_match_array_samples(vos_folders):
    for layout in ('davis', 'sav'):
        roots = vos_folders(layout)
        by_path, by_array = VOSMetric(), VOSMetric()
        by_path.process(
            None,
            [
                {
                    'video_name': v,
                    'gt_masks': osp.join(roots['gt'], v),
                    'pred_masks': osp.join(roots['pred'], v),
                }
                for v in ('a', 'b')
            ],
        )
        by_array.process(None, samples())
        assert by_path.compute_metrics(by_path.results) == pytest.approx(
            by_array.compute_metrics(by_array.results)
        )


def test_out_dir_writes_tables_and_result_file(tmp_path):
    metric = VOSMetric(out_dir=str(tmp_path), benchmark='davis2017-val', model_name='sam2.1-t')
    batch = samples()
    for sample in batch:
        sample.update(inference_time=0.5, num_frames=10, num_params=38_900_000)
    metric.process(None, batch)
    metrics = metric.compute_metrics(metric.results)
    assert osp.isfile(tmp_path / 'global_results-val.csv')
    assert osp.isfile(tmp_path / 'per-sequence_results-val.csv')
    with open(tmp_path / 'vos_results_davis2017-val.json') as file:
        record = json.load(file)
    assert record['benchmark'] == 'davis2017-val' and record['model'] == 'sam2.1-t'
    assert record['JF'] == pytest.approx(100 * metrics['J&F-Mean'])
    assert record['fps'] == pytest.approx(20.0) and record['params'] == pytest.approx(38.9)
    assert (record['num_videos'], record['num_objects']) == (2, 4)


def test_sav_metric(tmp_path):
    metric = SAVMetric(out_dir=str(tmp_path))
    batch = samples()
    batch[0]['seen'] = True
    batch[1]['seen'] = {'1': True, '2': False}
    metric.process(None, batch)
    metrics = metric.compute_metrics(metric.results)
    assert metrics['J_seen'] == 100.0 and metrics['J_unseen'] < 100.0
    expected = metrics['J_seen'] + metrics['F_seen'] + metrics['J_unseen'] + metrics['F_unseen']
    assert metrics['overall'] == pytest.approx(expected / 4)
    assert osp.isfile(tmp_path / 'results.csv')
    with open(tmp_path / 'vos_results_sav-val.json') as file:
        assert json.load(file)['JF'] == pytest.approx(metrics['overall'])


def test_vos_metric_seen_unseen_columns(tmp_path):
    metric = VOSMetric(out_dir=str(tmp_path), set_name='valid')
    batch = samples()
    batch[0]['seen'] = True
    batch[1]['seen'] = False
    metric.process(None, batch)
    metrics = metric.compute_metrics(metric.results)
    assert metrics['J_seen'] == 1.0 and metrics['J_unseen'] < 1.0
    with open(tmp_path / 'global_results-valid.csv') as file:
        header = file.readline().strip().split(',')
    assert header[-5:] == ['J_seen', 'F_seen', 'J_unseen', 'F_unseen', 'overall']


def test_long_video_decay_is_fixed_by_default():
    # 260 frames -> 258 evaluated: the official uint8 bins give NaN
    gt = np.zeros((260, 16, 16), dtype=np.uint8)
    gt[:, 4:12, 4:12] = 1
    pred = gt.copy()
    pred[130:] = 0
    sample = {'video_name': 'long', 'gt_masks': gt, 'pred_masks': pred}
    fixed, official = VOSMetric(), VOSMetric(official_decay=True)
    fixed.process(None, [sample])
    official.process(None, [sample])
    assert fixed.compute_metrics(fixed.results)['J-Decay'] == 1.0
    assert np.isnan(official.compute_metrics(official.results)['J-Decay'])
