"""FrameDetector: pipelines for frames in memory, text prompts, filtering of detections."""

import numpy as np
import pytest
from tracking_helpers import ARRAY_PIPELINE, CLASSES, OracleDetector

from mmsam2.models.trackers import (
    FrameDetector,
    build_detector,
    ndarray_pipeline,
    parse_text_prompt,
)


def test_ndarray_pipeline_reads_arrays_and_keeps_text() -> None:
    pipeline = [
        dict(type='LoadImageFromFile', backend_args=None),
        dict(type='mmdet.Resize', scale=(640, 640), keep_ratio=True),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='PackDetInputs', meta_keys=('img_id', 'text')),
    ]
    adapted = ndarray_pipeline(pipeline)
    assert [step['type'] for step in adapted] == [
        'LoadImageFromNDArray',
        'mmdet.Resize',
        'PackDetInputs',
    ]
    assert adapted[-1]['meta_keys'] == ('img_id', 'text', 'custom_entities')
    assert pipeline[0]['type'] == 'LoadImageFromFile'  # input unchanged


def test_parse_text_prompt() -> None:
    assert parse_text_prompt('person . bicycle .') == ['person', 'bicycle']
    assert parse_text_prompt(['traffic light', ' car ']) == ['traffic light', 'car']
    with pytest.raises(ValueError, match='names no class'):
        parse_text_prompt(' . ')


@pytest.fixture
def oracle(synthetic_video):
    return build_detector(
        dict(
            type='OracleDetector',
            ann_dir=synthetic_video['ann_dir'],
            categories=synthetic_video['categories'],
            classes=CLASSES,
        )
    )


def test_detections_in_frame_pixels(oracle, synthetic_video) -> None:
    assert isinstance(oracle, OracleDetector)
    detector = FrameDetector(oracle, ARRAY_PIPELINE, CLASSES)
    image = np.zeros((64, 96, 3), np.uint8)
    detections = detector(image, 0)
    ids = synthetic_video['id_maps'][0]
    objects = [k for k in (1, 2, 3) if (ids == k).any()]
    assert len(detections) == len(objects)
    assert detections.bboxes.dtype == np.float32
    assert detections.masks.shape == (len(objects), 64, 96)
    ys, xs = np.nonzero(ids == objects[0])
    box = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
    np.testing.assert_array_equal(detections.bboxes[0], box)
    labels = [CLASSES.index(synthetic_video['categories'][k]) for k in objects]
    assert detections.labels.tolist() == labels


def test_score_threshold_and_class_filter(oracle, synthetic_video) -> None:
    image = np.zeros((64, 96, 3), np.uint8)
    assert len(FrameDetector(oracle, ARRAY_PIPELINE, CLASSES, score_thr=0.95)(image, 0)) == 0
    wanted = synthetic_video['categories'][1]
    kept = FrameDetector(oracle, ARRAY_PIPELINE, CLASSES, class_filter=[wanted])(image, 0)
    assert kept.labels.tolist() == [CLASSES.index(wanted)] * len(kept) and len(kept)
    with pytest.raises(ValueError, match='not among the classes'):
        FrameDetector(oracle, ARRAY_PIPELINE, CLASSES, class_filter=['hexagon'])
