"""SAM2ImagePredictor: parity with Meta's predictor, input checks, mask post-processing.

Parity: Meta's ``SAM2ImagePredictor`` and ours wrap the same random SAM 2.1
tiny weights at 256 px (``max_hole_area=0``: Meta skips hole filling on CPU)
and get the same prompts; masks must be identical and logits / IoUs agree to
1e-4.
"""

from typing import Dict, Iterator

import numpy as np
import pytest
import torch
from image_helpers import shapes_image
from meta_reference import meta_backbone_feature_sizes
from parity_helpers import meta_and_ours, report_worst, sam2_config
from PIL import Image

from mmsam2.apis import SAM2ImagePredictor
from mmsam2.apis.image_predictor import ImageNotSetError
from mmsam2.structures import PromptError

CONFIG = sam2_config()
IMAGE_SIZE = 256
TOL = 1e-4
LOW_RES = IMAGE_SIZE // 4


@pytest.fixture(scope='module')
def worst() -> Iterator[Dict[str, float]]:
    """Largest logit / IoU difference per case, printed at the end."""
    yield from report_worst('image predictor parity')


@pytest.fixture(scope='module')
def models():
    return meta_and_ours(IMAGE_SIZE)


@pytest.fixture(scope='module')
def predictors(models):
    from sam2.sam2_image_predictor import SAM2ImagePredictor as MetaPredictor

    meta, ours = models
    meta_predictor = MetaPredictor(meta)
    # Meta hard-codes the feature sizes of 1024 px inputs; this model is at 256 px.
    meta_predictor._bb_feat_sizes = meta_backbone_feature_sizes(IMAGE_SIZE)
    ours_predictor = SAM2ImagePredictor(ours)
    image = shapes_image()
    meta_predictor.set_image(image)
    ours_predictor.set_image(image)
    return meta_predictor, ours_predictor


def _compare(meta_out, ours_out, logits: bool) -> float:
    """Max abs difference of (masks, ious, low-res logits); binary masks must be equal."""
    diffs = []
    for name, m, o in zip(('masks', 'ious', 'low_res'), meta_out, ours_out):
        assert m.shape == o.shape and m.dtype == o.dtype, (name, m.shape, o.shape)
        if name == 'masks' and not logits:
            np.testing.assert_array_equal(m, o)
        diffs.append(float(np.abs(m - o).max()))
    assert max(diffs) <= TOL, diffs
    return max(diffs)


PROMPT_CASES = {
    'one click, multimask': dict(point_coords=[[90.0, 80.0]], point_labels=[1]),
    'clicks, single mask': dict(
        point_coords=[[90.0, 80.0], [200.0, 60.0], [30.0, 180.0]],
        point_labels=[1, 0, 1],
        multimask_output=False,
    ),
    'box': dict(box=[150.0, 30.0, 260.0, 120.0], multimask_output=False),
    'box + clicks, logits': dict(
        box=np.array([150, 30, 260, 120]),
        point_coords=np.array([[200, 70]]),
        point_labels=np.array([1]),
        return_logits=True,
    ),
    'boxes (2 objects)': dict(box=[[150, 30, 260, 120], [40, 50, 120, 130]]),
    'clicks (2 objects)': dict(
        point_coords=[[[90, 80], [30, 30]], [[200, 60], [280, 190]]],
        point_labels=[[1, 0], [1, 0]],
        multimask_output=False,
    ),
    'relative coords': dict(point_coords=[[0.3, 0.4]], point_labels=[1], normalize_coords=False),
}


@pytest.mark.parity
@pytest.mark.parametrize('case', list(PROMPT_CASES))
def test_predict_parity(case: str, predictors, worst) -> None:
    meta_predictor, ours_predictor = predictors
    kwargs = PROMPT_CASES[case]
    worst[case] = _compare(
        meta_predictor.predict(**kwargs),
        ours_predictor.predict(**kwargs),
        kwargs.get('return_logits', False),
    )


@pytest.mark.parity
def test_embedding_and_mask_input_parity(predictors, worst) -> None:
    meta_predictor, ours_predictor = predictors
    embed_diff = (meta_predictor.get_image_embedding() - ours_predictor.get_image_embedding()).abs()
    worst['image embedding'] = embed_diff.max().item()
    assert worst['image embedding'] <= TOL
    click = dict(point_coords=[[90.0, 80.0]], point_labels=[1])
    _, ious, low_res = ours_predictor.predict(**click)
    assert low_res.shape == (3, LOW_RES, LOW_RES)
    refine = dict(
        point_coords=[[90.0, 80.0], [110.0, 95.0]],
        point_labels=[1, 1],
        mask_input=low_res[np.argmax(ious)][None],
        multimask_output=False,
    )
    worst['mask input'] = _compare(
        meta_predictor.predict(**refine), ours_predictor.predict(**refine), False
    )


@pytest.mark.parity
@pytest.mark.filterwarnings('ignore:The given NumPy array is not writable')  # Meta's ToTensor
def test_pil_and_batch_parity(models, worst) -> None:
    from sam2.sam2_image_predictor import SAM2ImagePredictor as MetaPredictor

    meta, ours = models
    meta_predictor, ours_predictor = MetaPredictor(meta), SAM2ImagePredictor(ours)
    meta_predictor._bb_feat_sizes = meta_backbone_feature_sizes(IMAGE_SIZE)  # 1024 px in Meta
    pil = Image.fromarray(shapes_image(160, 120))
    meta_predictor.set_image(pil)
    ours_predictor.set_image(pil)
    assert ours_predictor._orig_hw == [(160, 120)]
    click = dict(point_coords=[[60, 70]], point_labels=[1])
    worst['PIL image'] = _compare(
        meta_predictor.predict(**click), ours_predictor.predict(**click), False
    )

    images = [shapes_image(), shapes_image(120, 100)]
    meta_predictor.set_image_batch(images)
    ours_predictor.set_image_batch(images)
    prompts = dict(
        point_coords_batch=[np.array([[90.0, 80.0]]), np.array([[50.0, 60.0]])],
        point_labels_batch=[np.array([1]), np.array([1])],
        box_batch=[None, np.array([10, 10, 90, 110])],
        multimask_output=True,
    )
    meta_out, ours_out = (
        meta_predictor.predict_batch(**prompts),
        ours_predictor.predict_batch(**prompts),
    )
    assert [m.shape for m in ours_out[0]] == [(3, 200, 300), (3, 120, 100)]
    worst['set_image_batch / predict_batch'] = max(
        _compare(m, o, False) for m, o in zip(zip(*meta_out), zip(*ours_out))
    )


def test_predict_output_types(predictors) -> None:
    _, predictor = predictors
    masks, ious, low_res = predictor.predict(point_coords=[[90, 80]], point_labels=[1])
    assert masks.dtype == np.float32 and set(np.unique(masks)) <= {0.0, 1.0}
    assert masks.shape == (3, 200, 300) and ious.shape == (3,)
    masks, ious, low_res = predictor.predict(box=[10, 10, 100, 100], multimask_output=False)
    assert masks.shape == (1, 200, 300) and low_res.shape == (1, LOW_RES, LOW_RES)
    assert np.abs(low_res).max() <= 32.0
    assert predictor.get_image_embedding().shape == (1, 256, IMAGE_SIZE // 16, IMAGE_SIZE // 16)


# ------------------------------------------------------------------ errors
def test_predict_before_set_image(models) -> None:
    predictor = SAM2ImagePredictor(models[1])
    for call in (
        lambda: predictor.predict(point_coords=[[1, 1]], point_labels=[1]),
        predictor.get_image_embedding,
        lambda: predictor.predict_batch([[[1, 1]]], [[1]]),
    ):
        with pytest.raises(ImageNotSetError, match='set_image'):
            call()
    assert issubclass(ImageNotSetError, RuntimeError) and issubclass(ImageNotSetError, ValueError)


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(point_coords=[[350.0, 10.0]], point_labels=[1]), 'outside the 300x200 image'),
        (dict(point_coords=[[-5.0, 10.0]], point_labels=[1]), 'outside'),
        (dict(box=[10, 10, 320, 100]), 'box corners lie outside'),
        (
            dict(point_coords=[[1.2, 0.5]], point_labels=[1], normalize_coords=False),
            'relative',
        ),
        (dict(point_coords=[[10.0, 10.0]]), 'given together'),
        (dict(point_labels=[1]), 'given together'),
        (dict(point_coords=[[10, 10], [20, 20]], point_labels=[1]), 'point_labels must have'),
        (dict(point_coords=[10, 10], point_labels=[1]), r'\(N, 2\) or \(B, N, 2\)'),
        (dict(point_coords=[[10, 10]], point_labels=[5]), 'point_labels must be in'),
        (dict(box=[10, 10, 100]), 'box must be'),
        (
            dict(box=[[0, 0, 50, 50], [10, 10, 60, 60]], point_coords=[[5, 5]], point_labels=[1]),
            '2 boxes but 1 sets of points',
        ),
        (dict(point_coords=[[5, 5]], point_labels=[1], mask_input=np.zeros((1, 32, 32))), '64'),
    ],
)
def test_bad_prompts(predictors, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        predictors[1].predict(**kwargs)


NAN, INF = float('nan'), float('inf')


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(point_coords=[[NAN, 10.0]], point_labels=[1]), 'point_coords must be finite'),
        (dict(point_coords=[[10.0, INF]], point_labels=[1]), 'point_coords must be finite'),
        (dict(point_coords=[[10.0, -INF]], point_labels=[1]), 'point_coords must be finite'),
        (dict(box=[NAN, 10, 100, 100]), 'box must be finite'),
        (dict(box=[100, 10, 50, 100]), 'x0 <= x1'),
        (dict(box=[[0, 0, 50, 50], [10, 60, 60, 20]]), 'y0 <= y1'),
        (dict(point_coords=[[10, 10]], point_labels=[2]), 'labels 2 / 3 are box corners'),
        (dict(point_coords=[[10, 10], [20, 20]], point_labels=[2, 3]), 'point_labels must be in'),
        (dict(point_coords=[[10, 10]], point_labels=[1.5]), 'point_labels must be in'),
        (dict(point_coords=[[10, 10]], point_labels=[NAN]), 'point_labels must be in'),
        (dict(point_coords=np.zeros((0, 2)), point_labels=np.zeros(0)), 'holds no click'),
        (dict(box=np.zeros((0, 4))), r'\(B >= 1\)'),
        (dict(point_coords=[['a', 'b']], point_labels=[1]), 'real numbers'),
        (dict(point_coords=[[1, 2], [3]], point_labels=[1, 1]), 'regular array'),
        (
            dict(point_coords=[[5, 5]], point_labels=[1], mask_input=np.full((1, 64, 64), NAN)),
            'mask_input must be finite',
        ),
    ],
)
def test_bad_prompt_values(predictors, kwargs: dict, match: str) -> None:
    # the video predictor rejects the same values (shared checks, see prompt_checks.py)
    with pytest.raises(PromptError, match=match):
        predictors[1].predict(**kwargs)


def test_padding_label_is_accepted(predictors) -> None:
    # -1 pads click sets of different lengths in a batch (as in Meta's predictor)
    masks, ious, _ = predictors[1].predict(
        point_coords=[[[90, 80], [0, 0]], [[200, 60], [30, 30]]],
        point_labels=[[1, -1], [1, 0]],
        multimask_output=False,
    )
    assert masks.shape == (2, 1, 200, 300) and np.isfinite(ious).all()


def test_mask_inputs_alone_for_several_objects(predictors) -> None:
    # found by fuzzing: B mask inputs without clicks used to fail inside the mask decoder
    _, _, low_res = predictors[1].predict(point_coords=[[90, 80]], point_labels=[1])
    masks, ious, refined = predictors[1].predict(mask_input=low_res[:2, None])
    assert masks.shape == (2, 3, 200, 300) and ious.shape == (2, 3)
    assert refined.shape == (2, 3, LOW_RES, LOW_RES) and np.isfinite(refined).all()


def test_prompt_tolerance_on_image_border(predictors) -> None:
    # Corners on the border (and up to one pixel beyond) are accepted.
    predictors[1].predict(box=[0, 0, 300.5, 200], multimask_output=False)
    predictors[1].predict(point_coords=[[1.0, 0.0]], point_labels=[1], normalize_coords=False)


@pytest.mark.parametrize(
    'image, error, match',
    [
        (np.zeros((20, 30, 3), np.float32), ValueError, 'uint8'),
        (np.zeros((20, 30), np.uint8), ValueError, r'\(H, W, 3\)'),
        (np.zeros((20, 30, 4), np.uint8), ValueError, r'\(H, W, 3\)'),
        (np.zeros((0, 30, 3), np.uint8), ValueError, 'empty'),
        (torch.zeros(20, 30, 3, dtype=torch.uint8), TypeError, 'np.ndarray or a PIL'),
    ],
)
def test_bad_images(models, image, error, match: str) -> None:
    predictor = SAM2ImagePredictor(models[1])
    with pytest.raises(error, match=match):
        predictor.set_image(image)
    with pytest.raises(error, match=match):
        predictor.set_image_batch([image])


def test_batch_and_single_modes_do_not_mix(models) -> None:
    predictor = SAM2ImagePredictor(models[1])
    with pytest.raises(ValueError, match='non-empty list'):
        predictor.set_image_batch([])
    predictor.set_image_batch([shapes_image(64, 64), shapes_image(48, 80)])
    with pytest.raises(ValueError, match='predict_batch'):
        predictor.predict(point_coords=[[1, 1]], point_labels=[1])
    with pytest.raises(ValueError, match='1 prompts for 2 images'):
        predictor.predict_batch(box_batch=[np.array([0, 0, 10, 10])])
    predictor.set_image(shapes_image(64, 64))
    with pytest.raises(ValueError, match='single image'):
        predictor.predict_batch(box_batch=[np.array([0, 0, 10, 10])])
    predictor.reset_predictor()
    assert not predictor._is_image_set and predictor._features is None


# ------------------------------------------------------- post-processing
def _ring_logits() -> torch.Tensor:
    """(1, 1, 16, 16) logits: a ring (+1) around a 2x2 hole, a 1-pixel sprinkle, background -1."""
    logits = -torch.ones(1, 1, 16, 16)
    logits[..., 2:8, 2:8] = 1.0
    logits[..., 4:6, 4:6] = -1.0  # hole of 4 pixels
    logits[..., 12, 12] = 1.0  # sprinkle of 1 pixel
    return logits


def test_postprocess_fills_holes_and_removes_sprinkles(models) -> None:
    logits = _ring_logits()
    plain = SAM2ImagePredictor(models[1])._postprocess_masks(logits, (16, 16))
    torch.testing.assert_close(plain, logits)  # same size: resize is the identity

    filled = SAM2ImagePredictor(models[1], max_hole_area=4)._postprocess_masks(logits, (16, 16))
    assert (filled[..., 4:6, 4:6] == 10.0).all()
    assert filled[..., 12, 12] == 1.0 and (filled[..., 0, :] == -1.0).all()

    cleaned = SAM2ImagePredictor(models[1], max_sprinkle_area=1, mask_threshold=0.5)
    out = cleaned._postprocess_masks(logits, (32, 32))
    assert out.shape == (1, 1, 32, 32)
    assert out[..., 24:26, 24:26].max() < 0.5 and out[..., 6, 6] > 0.5  # sprinkle gone, ring kept

    small = SAM2ImagePredictor(models[1], max_hole_area=3)._postprocess_masks(logits, (16, 16))
    torch.testing.assert_close(small, logits)  # the 4-pixel hole is too big


def test_hole_filling_end_to_end(models) -> None:
    # Every background component is at most S/4 * S/4 pixels: all are holes.
    predictor = SAM2ImagePredictor(models[1], max_hole_area=LOW_RES * LOW_RES)
    predictor.set_image(shapes_image())
    masks, _, low_res = predictor.predict(point_coords=[[90, 80]], point_labels=[1])
    assert masks.all()
    assert (low_res <= 0).any()  # the returned low-res logits are not post-processed


def test_from_config() -> None:
    predictor = SAM2ImagePredictor.from_config(
        CONFIG, cfg_options={'model.image_size': 128}, mask_threshold=0.5
    )
    assert predictor.model.image_size == 128 and predictor.mask_threshold == 0.5
    assert predictor.device == torch.device('cpu')
