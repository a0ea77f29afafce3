"""SAM2VideoPredictor API: prompts, objects, propagation, input kinds and errors.

A SAM 2.1 tiny model with random weights at 128 px tracks a few small
synthetic frames; behaviour, not accuracy, is tested (parity with Meta is in
test_video_predictor_parity.py).
"""

import os.path as osp
from collections import Counter
from typing import Iterator, List

import numpy as np
import pytest
import torch
from PIL import Image
from video_test_utils import make_frames, write_video

from mmsam2.apis import SAM2VideoPredictor, VideoInferenceState, VideoPredictorError
from mmsam2.apis.video_prompts import to_mask_prompt, to_point_prompts
from mmsam2.fileio.frame_sources import ArrayFrames
from mmsam2.structures import PromptError

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
HEIGHT, WIDTH, NUM_FRAMES = 48, 64, 5  # make_frames() defaults


@pytest.fixture(scope='module')
def predictor() -> SAM2VideoPredictor:
    torch.manual_seed(0)
    return SAM2VideoPredictor.from_config(CONFIG, cfg_options={'model.image_size': 128})


@pytest.fixture(scope='module')
def frames() -> np.ndarray:
    return make_frames()


@pytest.fixture
def state(predictor, frames) -> VideoInferenceState:
    return predictor.init_state(frames)


def _forward_masks(predictor: SAM2VideoPredictor, video) -> List[torch.Tensor]:
    state = predictor.init_state(video)
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    return [m for _, _, m in predictor.propagate_in_video(state)]


def test_prompts_return_masks_of_all_objects(predictor, state) -> None:
    frame_idx, obj_ids, masks = predictor.add_new_points_or_box(
        state, 0, 1, points=[[15, 20]], labels=[1]
    )
    assert (frame_idx, obj_ids, masks.shape) == (0, [1], (1, 1, HEIGHT, WIDTH))
    assert masks.dtype == torch.float32
    _, obj_ids, masks = predictor.add_new_points_or_box(state, 0, 2, box=[30, 5, 60, 40])
    assert obj_ids == [1, 2] and masks.shape == (2, 1, HEIGHT, WIDTH)
    _, obj_ids, masks = predictor.add_new_points(
        state, 2, 3, points=np.array([[0.5, 0.5]]), labels=np.array([1]), normalize_coords=False
    )
    assert obj_ids == [1, 2, 3]
    assert (masks[:2] == -1024.0).all()  # objects 1 and 2 have no output on frame 2 yet


def test_clicks_accumulate_or_replace(predictor, state) -> None:
    predictor.add_new_points_or_box(state, 1, 1, points=[[15, 20]], labels=[1])
    predictor.add_new_points_or_box(
        state, 1, 1, points=[[40, 40]], labels=[0], clear_old_points=False
    )
    assert state.objects[1].point_inputs[1].labels.tolist() == [[1, 0]]
    predictor.add_new_points_or_box(state, 1, 1, box=[1, 1, 30, 30], points=[[10, 10]], labels=[1])
    assert state.objects[1].point_inputs[1].labels.tolist() == [[2, 3, 1]]


def test_forward_and_reverse_propagation(predictor, state) -> None:
    predictor.add_new_points_or_box(state, 2, 1, points=[[15, 20]], labels=[1])
    predictor.add_new_points_or_box(state, 2, 2, box=[30, 5, 60, 40])
    forward = list(predictor.propagate_in_video(state))
    assert [f for f, _, _ in forward] == [2, 3, 4]
    assert all(ids == [1, 2] and m.shape == (2, 1, HEIGHT, WIDTH) for _, ids, m in forward)
    backward = list(predictor.propagate_in_video(state, reverse=True))
    assert [f for f, _, _ in backward] == [2, 1, 0]
    limited = predictor.propagate_in_video(state, start_frame_idx=3, max_frame_num_to_track=1)
    assert [f for f, _, _ in limited] == [3, 4]
    # the prompted frame's output is reused, not recomputed
    assert torch.equal(forward[0][2], backward[0][2])


def test_object_added_after_tracking_started(predictor, state) -> None:
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    list(predictor.propagate_in_video(state))
    _, obj_ids, masks = predictor.add_new_points_or_box(state, 3, 7, points=[[50, 30]], labels=[1])
    assert obj_ids == [1, 7] and masks.shape[0] == 2
    assert (masks[0] != -1024.0).any()  # object 1's tracked mask on frame 3
    out = list(predictor.propagate_in_video(state, start_frame_idx=3))
    assert [f for f, _, _ in out] == [3, 4] and all(m.shape[0] == 2 for _, _, m in out)
    assert sorted(state.objects[7].outputs.cond) == [3]


def test_correction_click_on_tracked_frame(predictor, state) -> None:
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    list(predictor.propagate_in_video(state))
    predictor.add_new_points_or_box(state, 2, 1, points=[[40, 40]], labels=[0])
    assert 2 in state.objects[1].temp_outputs.non_cond  # a correction, not a new start
    list(predictor.propagate_in_video(state))
    assert sorted(state.objects[1].outputs.cond) == [0]
    corrected = SAM2VideoPredictor(predictor.model, add_all_frames_to_correct_as_cond=True)
    corrected.add_new_points_or_box(state, 2, 1, points=[[40, 40]], labels=[0])
    list(corrected.propagate_in_video(state))
    assert sorted(state.objects[1].outputs.cond) == [0, 2]


def test_add_new_mask(predictor, state) -> None:
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[10:30, 5:25] = True
    _, obj_ids, masks = predictor.add_new_mask(state, 0, 4, mask)
    assert obj_ids == [4]
    assert ((masks[0, 0] > 0).numpy() == mask).mean() > 0.95  # the mask is used as output
    assert 0 in state.objects[4].mask_inputs
    predictor.add_new_points_or_box(state, 0, 4, points=[[15, 20]], labels=[1])
    assert 0 not in state.objects[4].mask_inputs and 0 in state.objects[4].point_inputs
    assert len(list(predictor.propagate_in_video(state))) == NUM_FRAMES


def test_clear_remove_and_reset(predictor, state) -> None:
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    predictor.add_new_points_or_box(state, 1, 2, points=[[50, 30]], labels=[1])
    list(predictor.propagate_in_video(state))
    frame_idx, obj_ids, masks = predictor.clear_all_prompts_in_frame(state, 1, 2)
    assert (frame_idx, obj_ids, masks.shape[0]) == (1, [1, 2], 2)
    assert 1 not in state.objects[2].outputs.cond and 1 in state.objects[2].outputs.non_cond
    assert predictor.clear_all_prompts_in_frame(state, 1, 2, need_output=False) is None
    with pytest.raises(VideoPredictorError, match='object 2 has no prompt'):
        list(predictor.propagate_in_video(state))
    obj_ids, updated = predictor.remove_object(state, 2)
    assert obj_ids == [1] and updated == []
    predictor.add_new_points_or_box(state, 2, 3, points=[[50, 30]], labels=[1])
    obj_ids, updated = predictor.remove_object(state, 1)
    assert obj_ids == [3] and [f for f, _ in updated] == [0]
    assert updated[0][1].shape == (1, 1, HEIGHT, WIDTH)
    assert predictor.remove_object(state, 99) == ([3], [])
    assert predictor.remove_object(state, 3) == ([], [])
    predictor.add_new_points_or_box(state, 0, 5, points=[[15, 20]], labels=[1])
    predictor.reset_state(state)
    assert state.obj_ids == []
    with pytest.raises(VideoPredictorError, match='no prompts yet'):
        list(predictor.propagate_in_video(state))


def test_input_kinds_agree(predictor, frames, tmp_path) -> None:
    expected = _forward_masks(predictor, frames)
    png_dir = tmp_path / 'png'
    png_dir.mkdir()
    for t, frame in enumerate(frames):
        Image.fromarray(frame).save(png_dir / f'{t}.png')

    def stream() -> Iterator[np.ndarray]:
        yield from frames

    for video in ([Image.fromarray(f) for f in frames], str(png_dir)):
        actual = _forward_masks(predictor, video)
        assert all(torch.equal(a, e) for a, e in zip(actual, expected))
    # a stream has no known length, which changes the temporal encoding of object
    # pointers of videos shorter than max_obj_ptrs_in_encoder (a little)
    actual = _forward_masks(predictor, stream())
    assert len(actual) == NUM_FRAMES
    assert all(torch.allclose(a, e, atol=1e-3) for a, e in zip(actual, expected))


@pytest.mark.parametrize('suffix,codec', [('.mp4', 'libx264'), ('.avi', 'mpeg4')])
def test_video_files(predictor, frames, tmp_path, suffix: str, codec: str) -> None:
    path = write_video(str(tmp_path / f'clip{suffix}'), frames, codec)
    state = predictor.init_state(path)
    assert (state.num_frames, state.video_height, state.video_width) == (NUM_FRAMES, HEIGHT, WIDTH)
    predictor.add_new_points_or_box(state, 4, 1, points=[[15, 20]], labels=[1])
    assert [f for f, _, _ in predictor.propagate_in_video(state, reverse=True)] == [4, 3, 2, 1, 0]
    with open(path, 'rb') as file:
        assert predictor.init_state(file.read()).num_frames == NUM_FRAMES


def test_stream_is_consumed_as_tracking_goes(predictor, frames) -> None:
    pulled = []

    def camera() -> Iterator[np.ndarray]:
        for t, frame in enumerate(frames):
            pulled.append(t)
            yield frame

    state = predictor.init_state(camera())
    assert state.num_frames is None and pulled == [0]
    with pytest.raises(VideoPredictorError, match='has not arrived yet'):
        predictor.add_new_points_or_box(state, 2, 1, points=[[15, 20]], labels=[1])
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    tracked = predictor.propagate_in_video(state)
    assert next(tracked)[0] == 0 and pulled == [0]
    assert next(tracked)[0] == 1 and pulled == [0, 1]
    tracked.close()
    predictor.add_new_points_or_box(state, 1, 2, points=[[50, 30]], labels=[1])
    # a stream resumes at the newest prompt, then after the last tracked frame
    resumed = predictor.propagate_in_video(state, max_frame_num_to_track=1)
    assert [f for f, _, _ in resumed] == [1, 2]
    assert [f for f, _, _ in predictor.propagate_in_video(state)] == [3, 4]
    assert [f for f, _, _ in predictor.propagate_in_video(state, 4, 2, reverse=True)] == [4, 3, 2]


def test_stream_forgets_old_frames(frames) -> None:
    torch.manual_seed(0)
    small_buffer = SAM2VideoPredictor.from_config(
        CONFIG, cfg_options={'model.image_size': 128}, frame_buffer_size=2
    )
    state = small_buffer.init_state(iter(frames))
    small_buffer.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    assert len(list(small_buffer.propagate_in_video(state))) == NUM_FRAMES
    with pytest.raises(VideoPredictorError, match='no longer buffered'):
        small_buffer.add_new_points_or_box(state, 1, 1, points=[[15, 20]], labels=[1])
    with pytest.raises(VideoPredictorError, match='pass max_frame_num_to_track <= 1'):
        list(small_buffer.propagate_in_video(state, start_frame_idx=4, reverse=True))


class CountingFrames(ArrayFrames):
    """Frames in memory that count how often each one is decoded."""

    def __init__(self, frames: np.ndarray) -> None:
        super().__init__(frames)
        self.reads = Counter()

    def _read(self, index: int) -> np.ndarray:
        self.reads[index] += 1
        return super()._read(index)


def test_options_offload_prefetch_and_memory_dtype(predictor, frames) -> None:
    expected = _forward_masks(predictor, frames)
    counting = CountingFrames(frames)
    state = predictor.init_state(
        counting, offload_video_to_cpu=True, offload_state_to_cpu=True, async_loading_frames=True
    )
    assert state.storage_device == torch.device('cpu')
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    actual = [m for _, _, m in predictor.propagate_in_video(state)]
    assert all(torch.equal(a, e) for a, e in zip(actual, expected))
    assert counting.reads == {t: 1 for t in range(NUM_FRAMES)}  # decoded ahead, once each
    bf16 = SAM2VideoPredictor(predictor.model, memory_dtype=torch.bfloat16)
    state = bf16.init_state(frames)
    bf16.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    low = [m for _, _, m in bf16.propagate_in_video(state)]
    assert state.objects[1].outputs.cond[0].maskmem_features.dtype == torch.bfloat16
    agree = torch.stack([(a > 0) == (e > 0) for a, e in zip(low, expected)]).float().mean()
    assert agree > 0.9


def test_non_overlap_and_hole_filling(predictor, frames) -> None:
    exclusive = SAM2VideoPredictor(predictor.model, non_overlap_masks=True)
    state = exclusive.init_state(frames)
    exclusive.add_new_points_or_box(state, 0, 1, box=[0, 0, 63, 47])
    _, _, masks = exclusive.add_new_points_or_box(state, 0, 2, box=[0, 0, 63, 47])
    assert ((masks > 0).sum(dim=0) <= 1).all()

    ring = np.zeros((HEIGHT, WIDTH), bool)
    ring[4:44, 8:56] = True
    ring[20:28, 28:36] = False  # a hole of 8 x 8 video pixels, about 5 x 4 low-res ones
    plain = predictor.add_new_mask(predictor.init_state(frames), 0, 1, ring)[2]
    filler = SAM2VideoPredictor(predictor.model, fill_hole_area=64)
    filled = filler.add_new_mask(filler.init_state(frames), 0, 1, ring)[2]
    assert plain[0, 0, 24, 32] < 0 < filled[0, 0, 24, 32]
    assert (filled >= plain).all()


def test_prompt_conversion() -> None:
    prompts = to_point_prompts([[32, 24]], [1], [0, 0, 64, 48], (48, 64), 128)
    assert prompts.coords.tolist() == [[[0.0, 0.0], [128.0, 128.0], [64.0, 64.0]]]
    assert prompts.labels.tolist() == [[2, 3, 1]]


@pytest.mark.parametrize(
    'kwargs,match',
    [
        (dict(points=[[1, 1]]), 'points and labels must be given together'),
        (dict(), 'give points'),
        (dict(points=[[1, 1], [2, 2]], labels=[1]), 'got 2 points but labels'),
        (dict(points=[[1, 1, 1]], labels=[1]), r'points must be \(P, 2\)'),
        (dict(points=[[1, 1]], labels=[5]), 'labels must be'),
        (dict(points=[[70, 10]], labels=[1]), 'outside the 64x48 image'),
        (dict(points=[[1.5, 0.5]], labels=[1], normalize_coords=False), 'outside the 64x48'),
        (dict(box=[10, 10, 5, 20]), 'x0 <= x1'),
        (dict(box=[1, 2, 3]), r'box must be \(x0, y0, x1, y1\)'),
        (dict(box=[1, 1, 5, 5], clear_old_points=False), 'a box must come before'),
    ],
)
def test_prompt_errors(predictor, state, kwargs: dict, match: str) -> None:
    with pytest.raises(VideoPredictorError, match=match):
        predictor.add_new_points_or_box(state, 0, 1, **kwargs)
    assert state.obj_ids == []  # a rejected prompt adds no object


def test_frame_and_object_errors(predictor, state) -> None:
    with pytest.raises(VideoPredictorError, match='out of range'):
        predictor.add_new_points_or_box(state, NUM_FRAMES, 1, points=[[1, 1]], labels=[1])
    with pytest.raises(VideoPredictorError, match='frame_idx must be an int'):
        predictor.add_new_mask(state, -1.0, 1, np.ones((4, 4)))
    with pytest.raises(VideoPredictorError, match='mask prompt must be'):
        predictor.add_new_mask(state, 0, 1, np.ones((2, 4, 4)))
    with pytest.raises(VideoPredictorError, match='obj_id must be an int'):
        predictor.add_new_points_or_box(state, 0, 'car', points=[[1, 1]], labels=[1])
    with pytest.raises(VideoPredictorError, match='no prompts yet'):
        list(predictor.propagate_in_video(state))
    predictor.add_new_points_or_box(state, 0, 1, points=[[1, 1]], labels=[1])
    with pytest.raises(VideoPredictorError, match=r'unknown object id 2; the objects are \[1\]'):
        predictor.clear_all_prompts_in_frame(state, 0, 2)
    with pytest.raises(VideoPredictorError, match='unknown object id 2'):
        predictor.remove_object(state, 2, strict=True)
    with pytest.raises(VideoPredictorError, match='out of range'):
        list(predictor.propagate_in_video(state, start_frame_idx=NUM_FRAMES))


def test_video_errors(predictor, tmp_path) -> None:
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'junk.mp4').write_bytes(b'not a video at all')
    uneven = [np.zeros((8, 8, 3), np.uint8), np.zeros((8, 9, 3), np.uint8)]
    cases = [
        (str(tmp_path / 'empty'), 'no frames found in folder'),
        (str(tmp_path / 'missing'), 'no such video file or frame folder'),
        (str(tmp_path / 'junk.mp4'), 'cannot open video'),
        ([], 'the video has no frames'),
        (iter([]), 'the video has no frames'),
        (np.zeros((4, 8, 3), np.uint8), r'must be \(T, H, W, 3\)'),
        ([np.zeros((8, 8), np.uint8)], r'must be an \(H, W, 3\) uint8 RGB array'),
        (42, 'unsupported video input'),
    ]
    for video, match in cases:
        with pytest.raises(VideoPredictorError, match=match):
            predictor.init_state(video)
    state = predictor.init_state(uneven)
    predictor.add_new_points_or_box(state, 0, 1, points=[[1, 1]], labels=[1])
    with pytest.raises(VideoPredictorError, match='all frames of a video must have one size'):
        list(predictor.propagate_in_video(state))


@pytest.mark.parametrize('async_loading', [False, True])
def test_stream_error_reaches_the_caller(predictor, frames, async_loading: bool) -> None:
    # a camera that fails after 3 frames: tracking must raise, not end as if the video had
    # (with async loading the failure happens in the prefetch thread first)
    def camera() -> Iterator[np.ndarray]:
        yield from frames[:3]
        raise OSError('camera unplugged')

    state = predictor.init_state(camera(), async_loading_frames=async_loading)
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    tracked = []
    with pytest.raises(OSError, match='camera unplugged'):
        for frame_idx, _, _ in predictor.propagate_in_video(state):
            tracked.append(frame_idx)
    assert tracked == [0, 1, 2]
    with pytest.raises(OSError, match='camera unplugged'):  # the stream stays broken
        list(predictor.propagate_in_video(state))


def test_mask_prompt_one_rule_for_every_type(predictor, state) -> None:
    size = predictor.image_size
    for value, expected in ((0.3, 0.0), (0.5, 1.0), (0.7, 1.0), (255, 1.0)):
        for shape in ((size, size), (HEIGHT, WIDTH)):  # at model size, or resized
            as_numpy = np.full(shape, value, dtype=np.float32)
            for mask in (as_numpy, torch.from_numpy(as_numpy), as_numpy.tolist()):
                prompt = to_mask_prompt(mask, size)
                assert prompt.shape == (1, 1, size, size)
                assert torch.equal(prompt, torch.full_like(prompt, expected)), (value, type(mask))
    soft = torch.zeros(size, size)
    soft[:, : size // 2] = 0.3  # soft values on the left half: background, not logits -4
    soft[:, size // 2 :] = 0.9
    binary = (soft >= 0.5).float()
    assert torch.equal(to_mask_prompt(soft, size)[0, 0], binary)
    assert torch.equal(to_mask_prompt(soft.numpy(), size), to_mask_prompt(soft, size))
    for bad in (float('nan'), float('inf'), -float('inf')):
        mask = torch.ones(HEIGHT, WIDTH)
        mask[3, 4] = bad
        for given in (mask, mask.numpy()):
            with pytest.raises(PromptError, match='mask prompt must be finite'):
                predictor.add_new_mask(state, 0, 1, given)
    with pytest.raises(VideoPredictorError, match='real numbers'):
        predictor.add_new_mask(state, 0, 1, np.full((4, 4), 'x'))
    assert state.obj_ids == []


@pytest.mark.parametrize(
    'kwargs,match',
    [
        (dict(points=[[1, 1]], labels=[2]), 'labels 2 / 3 are box corners'),
        (dict(points=[[1, 1], [5, 5]], labels=[2, 3]), r'must be in \(0, 1\)'),
        (dict(points=[[1, 1]], labels=[-1]), r'must be in \(0, 1\)'),
        (dict(points=[[1, 1]], labels=[0.5]), r'must be in \(0, 1\)'),
        (dict(points=[[float('nan'), 1]], labels=[1]), 'points must be finite'),
        (dict(points=[[1, float('inf')]], labels=[1]), 'points must be finite'),
        (dict(box=[1, 1, float('nan'), 5]), 'box must be finite'),
        (dict(box=[10, 20, 30, 5]), 'y0 <= y1'),
        (dict(points=np.zeros((0, 2)), labels=[]), 'holds no click'),
        (dict(points=[['a', 'b']], labels=[1]), 'points must be real numbers'),
        (dict(points=[[1, 2], [3]], labels=[1, 1]), 'regular array'),
    ],
)
def test_prompt_values_are_checked(predictor, state, kwargs: dict, match: str) -> None:
    with pytest.raises(PromptError, match=match) as info:
        predictor.add_new_points_or_box(state, 0, 1, **kwargs)
    assert isinstance(info.value, VideoPredictorError)
    assert state.obj_ids == []


def test_numpy_start_frame_with_huge_max_frames(predictor, state) -> None:
    # found by fuzzing: np.int64 start + a Python int beyond int64 raised OverflowError
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    tracked = predictor.propagate_in_video(state, np.int64(0), max_frame_num_to_track=2**70)
    assert [frame_idx for frame_idx, _, _ in tracked] == list(range(NUM_FRAMES))
    backward = predictor.propagate_in_video(state, np.int64(4), 2**70, reverse=True)
    assert [frame_idx for frame_idx, _, _ in backward] == [4, 3, 2, 1, 0]
