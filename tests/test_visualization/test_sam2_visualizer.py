"""DAVIS palette and SAM2Visualizer drawing."""

import numpy as np
import pytest
import torch
from image_helpers import shapes_image
from mmengine.structures import BaseDataElement, InstanceData
from PIL import Image

from mmsam2.registry import VISUALIZERS
from mmsam2.visualization import DAVIS_PALETTE, SAM2Visualizer, davis_palette, object_colors
from mmsam2.visualization.drawing import NEGATIVE_COLOR, POSITIVE_COLOR


def test_davis_palette() -> None:
    palette = davis_palette()
    assert palette.shape == (256, 3) and palette.dtype == np.uint8
    assert palette[:9].tolist() == [
        [0, 0, 0],
        [128, 0, 0],
        [0, 128, 0],
        [128, 128, 0],
        [0, 0, 128],
        [128, 0, 128],
        [0, 128, 128],
        [128, 128, 128],
        [64, 0, 0],
    ]
    assert palette[255].tolist() == [224, 224, 192]
    assert np.array_equal(davis_palette(4), palette[:4])


def test_object_colors_follow_davis_ids() -> None:
    np.testing.assert_array_equal(object_colors([1, 2, 254]), DAVIS_PALETTE[[1, 2, 254]])
    # 0 and 255+ wrap onto 1..254: never background black nor the void colour
    np.testing.assert_array_equal(object_colors([0, 255, 256]), DAVIS_PALETTE[[254, 1, 2]])


@pytest.fixture
def visualizer() -> SAM2Visualizer:
    return SAM2Visualizer(name='test_sam2_visualizer', line_width=0, draw_ids=False)


def _masks(h: int = 50, w: int = 60) -> np.ndarray:
    masks = np.zeros((2, h, w), bool)
    masks[0, 5:30, 5:30] = True
    masks[1, 20:45, 20:55] = True
    return masks


def test_masks_are_blended_in_object_colors(visualizer) -> None:
    image = np.full((50, 60, 3), 100, np.uint8)
    drawn = visualizer.draw_sam2_predictions(image, _masks(), obj_ids=[3, 7])
    assert drawn.shape == image.shape and drawn.dtype == np.uint8
    assert np.array_equal(image, np.full((50, 60, 3), 100, np.uint8))  # input untouched
    outside = ~_masks().any(axis=0)
    assert (drawn[outside] == 100).all()
    expected_3 = np.round(0.5 * 100 + 0.5 * DAVIS_PALETTE[3]).astype(int)
    expected_7 = np.round(0.5 * 100 + 0.5 * DAVIS_PALETTE[7]).astype(int)
    assert np.abs(drawn[10, 10].astype(int) - expected_3).max() <= 1
    assert np.abs(drawn[25, 25].astype(int) - expected_7).max() <= 1  # later mask on top
    default_ids = visualizer.draw_sam2_predictions(image, _masks())
    assert np.abs(default_ids[10, 10].astype(int) - np.round(50 + DAVIS_PALETTE[1] / 2)).max() <= 1


def test_logit_and_tensor_masks(visualizer) -> None:
    image = shapes_image(50, 60)
    logits = torch.where(torch.from_numpy(_masks()), 5.0, -5.0)
    np.testing.assert_array_equal(
        visualizer.draw_sam2_predictions(image, logits),
        visualizer.draw_sam2_predictions(image, _masks()),
    )
    empty = visualizer.draw_sam2_predictions(image, np.zeros((0, 50, 60), bool))
    np.testing.assert_array_equal(empty, image)


def test_prompts_ids_and_outlines() -> None:
    visualizer = SAM2Visualizer(name='test_sam2_visualizer_prompts', point_radius=3)
    image = np.full((50, 60, 3), 100, np.uint8)
    drawn = visualizer.draw_sam2_predictions(
        image,
        _masks(),
        boxes=np.array([[5, 5, 29, 29], [20, 20, 54, 44]]),
        points=np.array([[45.0, 10.0], [10.0, 45.0], [55.0, 5.0]]),
        labels=np.array([1, 0, 2]),
    )
    assert drawn[10, 45].tolist() == list(POSITIVE_COLOR)
    assert drawn[45, 10].tolist() == list(NEGATIVE_COLOR)
    assert drawn[5, 55].tolist() == [100, 100, 100]  # box-corner labels are not drawn
    assert drawn[5, 17].tolist() == DAVIS_PALETTE[1].tolist()  # box / outline colour
    assert (drawn[0:4, 0:4] == 100).all()


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(image=np.zeros((50, 60), np.uint8)), r'RGB \(H, W, 3\)'),
        (dict(masks=np.zeros((2, 40, 60), bool)), r'\(N, 50, 60\)'),
        (dict(obj_ids=[1]), '1 obj_ids for 2 masks'),
        (dict(points=np.zeros((1, 2))), 'labels must be given'),
    ],
)
def test_bad_inputs(visualizer, kwargs: dict, match: str) -> None:
    args = {**dict(image=np.zeros((50, 60, 3), np.uint8), masks=_masks()), **kwargs}
    with pytest.raises(ValueError, match=match):
        visualizer.draw_sam2_predictions(**args)
    with pytest.raises(ValueError, match='alpha'):
        SAM2Visualizer(name='test_sam2_visualizer_alpha', alpha=1.5)


def test_registry_and_add_datasample(tmp_path) -> None:
    visualizer = VISUALIZERS.build(dict(type='SAM2Visualizer', name='test_sam2_visualizer_reg'))
    assert isinstance(visualizer, SAM2Visualizer)
    image = shapes_image(50, 60)
    sample = BaseDataElement(
        gt_instances=InstanceData(masks=_masks()[:1], obj_ids=np.array([4])),
        pred_instances=InstanceData(
            masks=torch.from_numpy(_masks()),
            obj_ids=torch.tensor([4, 5]),
            bboxes=torch.tensor([[5.0, 5.0, 29.0, 29.0], [20.0, 20.0, 54.0, 44.0]]),
            points=torch.tensor([[[10.0, 10.0]], [[30.0, 30.0]]]),
            point_labels=torch.tensor([[1], [1]]),
        ),
    )
    out_file = tmp_path / 'vis' / 'frame.png'
    drawn = visualizer.add_datasample('frame', image, sample, out_file=str(out_file))
    assert drawn.shape == (50, 120, 3)  # ground truth | prediction
    np.testing.assert_array_equal(np.asarray(Image.open(out_file)), drawn)
    pred_only = visualizer.add_datasample('frame', image, sample, draw_gt=False)
    np.testing.assert_array_equal(pred_only, drawn[:, 60:])
    np.testing.assert_array_equal(visualizer.add_datasample('frame', image), image)
