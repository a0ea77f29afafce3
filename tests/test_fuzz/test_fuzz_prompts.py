"""Fuzz the prompt checks of both predictors with hypothesis.

Any click / label / box / mask either is accepted and gives finite outputs of
the documented shape, or raises :class:`PromptError` (a ``ValueError``) with
a message: never an ``IndexError``, a ``RuntimeError`` from inside the model,
or NaN logits. The checks are shared (``mmsam2.structures.prompt_checks``),
so the same bad value is rejected by both predictors.
"""

import os.path as osp

import numpy as np
import pytest
import torch
from fuzz_helpers import any_array, box_like, clicks, fuzz_settings, junk, labels_like, mostly
from hypothesis import event, given
from hypothesis import strategies as st

from mmsam2.apis import SAM2ImagePredictor, SAM2VideoPredictor, VideoPredictorError
from mmsam2.apis.video_prompts import to_mask_prompt, to_point_prompts
from mmsam2.structures import PromptError
from mmsam2.structures.prompt_checks import OUT_OF_IMAGE_TOLERANCE

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
IMAGE_SIZE = 64  # model input side: small, the fuzzing is about inputs
HEIGHT, WIDTH = 30, 40  # image / video size


def _assert_clear(err: Exception) -> None:
    assert isinstance(err, PromptError) and str(err), repr(err)
    event('rejected')  # --hypothesis-show-statistics shows how many were accepted


# ----------------------------------------------------------- checks alone (fast)
@fuzz_settings(300)
@given(data=st.data(), normalize=st.booleans())
def test_video_point_prompts(data, normalize: bool) -> None:
    width, height = (WIDTH, HEIGHT) if normalize else (1.0, 1.0)
    points, labels = data.draw(
        mostly(
            clicks(width, height),
            st.tuples(
                st.one_of(st.none(), any_array(), junk()),
                st.one_of(st.none(), labels_like(1), any_array(max_dims=2), junk()),
            ),
        ),
        label='clicks',
    )
    box = data.draw(
        mostly(
            st.one_of(st.none(), box_like(width, height)),
            st.one_of(any_array(max_dims=2), junk()),
        ),
        label='box',
    )
    try:
        prompts = to_point_prompts(points, labels, box, (HEIGHT, WIDTH), IMAGE_SIZE, normalize)
    except PromptError as err:
        _assert_clear(err)
        return
    event('accepted')
    coords, point_labels = prompts.coords, prompts.labels
    assert coords.dtype == torch.float32 and point_labels.dtype == torch.int32
    assert coords.dim() == 3 and coords.shape[0] == 1 and coords.shape[1] >= 1
    assert torch.isfinite(coords).all()
    margin = IMAGE_SIZE * OUT_OF_IMAGE_TOLERANCE / min(HEIGHT, WIDTH) + 1e-3
    assert ((coords >= -margin) & (coords <= IMAGE_SIZE + margin)).all()
    user_labels = point_labels[0, 2:] if box is not None else point_labels[0]
    assert set(user_labels.tolist()) <= {0, 1}  # 2 / 3 only for the box corners
    if box is not None:
        assert point_labels[0, :2].tolist() == [2, 3]
        assert (coords[0, 0] <= coords[0, 1]).all()


@fuzz_settings(200)
@given(
    mask=st.one_of(
        any_array(max_dims=3, max_side=6),
        st.builds(
            lambda v, shape: np.full(shape, v),
            st.sampled_from([0.3, 0.5, 0.7, 1, 255, -1, float('nan'), float('inf'), True]),
            st.sampled_from([(IMAGE_SIZE, IMAGE_SIZE), (5, 7)]),
        ),
        junk(),
    ),
    as_tensor=st.booleans(),
)
def test_mask_prompts(mask, as_tensor: bool) -> None:
    if as_tensor and isinstance(mask, np.ndarray) and mask.dtype != np.uint16:
        mask = torch.from_numpy(np.ascontiguousarray(mask))
    try:
        prompt = to_mask_prompt(mask, IMAGE_SIZE)
    except PromptError as err:
        _assert_clear(err)
        return
    event('accepted')
    assert prompt.shape == (1, 1, IMAGE_SIZE, IMAGE_SIZE) and prompt.dtype == torch.float32
    assert set(prompt.unique().tolist()) <= {0.0, 1.0}
    values = torch.as_tensor(np.asarray(mask, dtype=np.float64))
    if values.shape == (IMAGE_SIZE, IMAGE_SIZE):  # one rule: foreground where >= 0.5
        assert torch.equal(prompt[0, 0], (values >= 0.5).float())


# ------------------------------------------------------------ through the models
@pytest.fixture(scope='module')
def image_predictor() -> SAM2ImagePredictor:
    torch.manual_seed(0)
    predictor = SAM2ImagePredictor.from_config(CONFIG, cfg_options={'model.image_size': IMAGE_SIZE})
    predictor.set_image(np.random.default_rng(0).integers(0, 256, (HEIGHT, WIDTH, 3), np.uint8))
    return predictor


@fuzz_settings(100)
@given(
    data=st.data(),
    batch=st.sampled_from([None, 1, 2]),
    use_points=st.booleans(),
    use_box=st.booleans(),
    use_mask=mostly(st.just(False), st.just(True), 2),
    multimask=st.booleans(),
    normalize=st.booleans(),
)
def test_image_predictor_prompts(
    image_predictor, data, batch, use_points, use_box, use_mask, multimask, normalize
) -> None:
    width, height = (WIDTH, HEIGHT) if normalize else (1.0, 1.0)
    kwargs = {}
    if use_points or not (use_box or use_mask):
        points, labels = data.draw(
            mostly(
                clicks(width, height, batch=batch),
                st.tuples(st.one_of(any_array(max_dims=3), junk()), labels_like(1)),
            ),
            label='clicks',
        )
        kwargs.update(point_coords=points, point_labels=labels)
    if use_box:
        box = data.draw(
            mostly(box_like(width, height), st.one_of(any_array(max_dims=2), junk())), label='box'
        )
        kwargs['box'] = [box] * batch if batch is not None and isinstance(box, list) else box
    if use_mask:
        low = IMAGE_SIZE // 4
        kwargs['mask_input'] = data.draw(
            mostly(
                st.builds(
                    np.full,
                    st.sampled_from([(1, low, low), (batch or 1, 1, low, low)]),
                    st.sampled_from([0.0, -5.0, 20.0]),
                ),
                st.one_of(
                    st.builds(
                        np.full,
                        st.sampled_from([(2, 1, low, low), (1, 8, 8)]),
                        st.sampled_from([0.0, float('nan'), float('inf')]),
                    ),
                    any_array(max_dims=4),
                ),
            ),
            label='mask_input',
        )
    try:
        masks, ious, low_res = image_predictor.predict(
            **kwargs, multimask_output=multimask, normalize_coords=normalize
        )
    except PromptError as err:
        _assert_clear(err)
        return
    event('accepted')
    num_masks = 3 if multimask else 1
    assert masks.shape[-3:] == (num_masks, HEIGHT, WIDTH)
    assert ious.shape[-1] == num_masks and low_res.shape[-2:] == (IMAGE_SIZE // 4,) * 2
    assert masks.shape[:-3] == ious.shape[:-1] == low_res.shape[:-3]
    for output in (masks, ious, low_res):
        assert np.isfinite(output).all()


@pytest.fixture(scope='module')
def video_predictor() -> SAM2VideoPredictor:
    torch.manual_seed(0)
    return SAM2VideoPredictor.from_config(CONFIG, cfg_options={'model.image_size': IMAGE_SIZE})


@pytest.fixture(scope='module')
def video_state(video_predictor):
    frames = np.random.default_rng(0).integers(0, 256, (2, HEIGHT, WIDTH, 3), np.uint8)
    return video_predictor.init_state(frames)


@fuzz_settings(100)
@given(
    points_and_labels=mostly(
        clicks(WIDTH, HEIGHT),
        st.tuples(st.one_of(st.none(), any_array(max_dims=3), junk()), labels_like(1)),
    ),
    box=st.one_of(st.none(), box_like(WIDTH, HEIGHT), junk()),
    mask=mostly(
        st.none(),
        st.one_of(
            any_array(max_dims=2, max_side=8),
            st.builds(
                np.full,
                st.sampled_from([(HEIGHT, WIDTH), (IMAGE_SIZE, IMAGE_SIZE)]),
                st.sampled_from([0.3, 0.7, 1.0, float('nan')]),
            ),
        ),
        2,
    ),
)
def test_video_predictor_prompts(video_predictor, video_state, points_and_labels, box, mask):
    points, labels = points_and_labels
    video_predictor.reset_state(video_state)
    try:
        if mask is not None:
            _, obj_ids, masks = video_predictor.add_new_mask(video_state, 1, 5, mask)
        else:
            _, obj_ids, masks = video_predictor.add_new_points_or_box(
                video_state, 1, 5, points=points, labels=labels, box=box
            )
    except VideoPredictorError as err:
        _assert_clear(err)  # prompt errors are both VideoPredictorError and PromptError
        assert video_state.obj_ids == []  # a rejected prompt adds no object
        return
    event('accepted')
    assert obj_ids == [5] and masks.shape == (1, 1, HEIGHT, WIDTH)
    assert torch.isfinite(masks).all()


INDICES = st.one_of(
    st.integers(-3, 4),
    st.integers(-3, 4).map(np.int64),
    st.sampled_from([None, 1.0, True, '1', 2**70, float('nan')]),
)


@fuzz_settings(40)
@given(
    frame_idx=INDICES,
    obj_id=INDICES,
    start=INDICES,
    max_frames=INDICES,
    reverse=st.booleans(),
)
def test_video_indices(video_predictor, video_state, frame_idx, obj_id, start, max_frames, reverse):
    video_predictor.reset_state(video_state)
    try:
        video_predictor.add_new_points_or_box(
            video_state, frame_idx, obj_id, points=[[5, 5]], labels=[1]
        )
    except VideoPredictorError as err:
        assert str(err) and video_state.obj_ids == []
        return
    try:
        tracked = video_predictor.propagate_in_video(video_state, start, max_frames, reverse)
        outputs = list(tracked)
    except VideoPredictorError as err:
        assert str(err)
        return
    for index, obj_ids, masks in outputs:
        assert 0 <= index < 2 and masks.shape == (len(obj_ids), 1, HEIGHT, WIDTH)
        assert torch.isfinite(masks).all()


@fuzz_settings(150)
@given(image=st.one_of(any_array(max_dims=4, max_side=6), junk()))
def test_image_inputs(image) -> None:
    from mmsam2.apis.image_predictor import image_to_array

    try:
        array = image_to_array(image)
    except TypeError as err:  # not an array or a PIL image at all (documented)
        assert not isinstance(image, np.ndarray) and str(err)
        return
    except ValueError as err:
        assert str(err)
        return
    assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3
    assert min(array.shape[:2]) > 0
