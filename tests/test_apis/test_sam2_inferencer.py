"""SAM2Inferencer: prompt and auto modes, inputs, written overlays and masks."""

import json
import os.path as osp

import numpy as np
import pytest
import torch
from image_helpers import shapes_image
from mmengine.config import Config
from mmengine.structures import InstanceData
from PIL import Image
from pycocotools import mask as mask_utils

from mmsam2.apis import SAM2Inferencer
from mmsam2.registry import INFERENCERS

CONFIG = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
OPTS = {'model.image_size': 128}
AMG = dict(points_per_side=4, pred_iou_thresh=0.0, stability_score_thresh=0.0)


@pytest.fixture(scope='module')
def inferencer() -> SAM2Inferencer:
    torch.manual_seed(0)
    return SAM2Inferencer(CONFIG, cfg_options=OPTS, amg_cfg=AMG)


@pytest.fixture(scope='module')
def image_file(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp('images') / 'shapes.jpg')
    Image.fromarray(shapes_image(120, 160)).save(path)
    return path


def test_prompt_mode_writes_overlay_and_masks(inferencer, image_file, tmp_path) -> None:
    result = inferencer(image_file, points=[[45, 55], [120, 40]], labels=[1, 0], out_dir=tmp_path)
    pred = result['predictions'][0]
    assert pred['masks'].shape == (1, 120, 160) and pred['masks'].dtype == bool
    assert pred['scores'].shape == (1,) and pred['bboxes'].shape == (1, 4)
    assert pred['prompts']['labels'] == [1, 0] and pred['img_path'] == image_file
    overlay = result['visualization'][0]
    written = np.asarray(Image.open(tmp_path / 'vis' / 'shapes.png'))
    np.testing.assert_array_equal(written, overlay)
    original = np.asarray(Image.open(image_file))
    assert overlay.shape == original.shape and (overlay != original).any()
    with open(tmp_path / 'preds' / 'shapes.json') as f:
        dumped = json.load(f)
    np.testing.assert_array_equal(
        mask_utils.decode(dumped['masks'][0]).astype(bool), pred['masks'][0]
    )
    assert dumped['img_path'] == image_file and len(dumped['scores']) == 1


def test_arrays_dicts_and_boxes(inferencer) -> None:
    image = shapes_image(120, 160)
    own = dict(img=image, boxes=[[80, 10, 150, 80], [20, 30, 80, 90]])
    result = inferencer([image, own], boxes=[10, 10, 100, 100], multimask_output=False)
    first, second = result['predictions']
    assert first['masks'].shape == (1, 120, 160) and first['prompts']['boxes'] == [10, 10, 100, 100]
    assert second['masks'].shape == (2, 120, 160) and len(second['prompts']['boxes']) == 2
    assert first['img_path'] is None and len(result['visualization']) == 2


def test_auto_mode_and_datasamples(inferencer) -> None:
    result = inferencer(shapes_image(120, 160), mode='auto', return_datasamples=True)
    pred = result['predictions'][0]
    assert isinstance(pred, InstanceData) and len(pred) > 0
    areas = pred.masks.reshape(len(pred), -1).sum(axis=1)
    assert (np.diff(areas) <= 0).all()  # largest first
    assert pred.bboxes.shape == (len(pred), 4) and pred.scores.shape == (len(pred),)


def test_errors(inferencer) -> None:
    with pytest.raises(ValueError, match="use mode='auto'"):
        inferencer(shapes_image(40, 40))
    with pytest.raises(ValueError, match='mode must be one of'):
        inferencer(shapes_image(40, 40), mode='everything')
    with pytest.raises(ValueError, match='outside'):
        inferencer(shapes_image(40, 40), points=[[50, 10]], labels=[1])
    with pytest.raises(TypeError, match='image path or an RGB array'):
        inferencer([dict(img=3)], boxes=[0, 0, 5, 5])
    with pytest.raises(FileNotFoundError):
        inferencer('missing.png', boxes=[0, 0, 5, 5])
    with pytest.raises(ValueError, match='output_mode'):
        SAM2Inferencer(CONFIG, cfg_options=OPTS, amg_cfg=dict(output_mode='coco_rle'))


def test_registry_build() -> None:
    cfg = Config.fromfile(CONFIG)
    built = INFERENCERS.build(
        dict(
            type='SAM2Inferencer',
            model=cfg,
            cfg_options=OPTS,
            predictor_cfg=dict(mask_threshold=1.0),
        )
    )
    assert isinstance(built, SAM2Inferencer)
    assert built.model.image_size == 128 and built.predictor.mask_threshold == 1.0
