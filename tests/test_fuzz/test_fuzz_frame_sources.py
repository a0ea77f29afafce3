"""Fuzz the video predictor's frame sources (and the image readers) with hypothesis.

Any video input either gives (H, W, 3) uint8 frames of one size, or raises
:class:`VideoPredictorError` (a ``ValueError``) with a message; an exception
of the user's own frame iterator reaches the caller unchanged, as it does
without prefetching.
"""

import io
import itertools

import numpy as np
import pytest
from fuzz_helpers import any_array, fuzz_settings, junk
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from mmsam2.apis import VideoPredictorError
from mmsam2.apis.image_predictor import image_to_array
from mmsam2.fileio.frame_sources import LiveFrames, open_frame_source
from mmsam2.utils.image_io import UnsupportedImageModeError, pil_to_rgb

PIL_MODES = ['1', 'L', 'P', 'RGB', 'RGBA', 'CMYK', 'YCbCr', 'LA', 'I', 'I;16', 'I;16B', 'F']


def _pil_image(mode: str, height: int, width: int, seed: int) -> Image.Image:
    size = len(Image.new(mode, (width, height)).tobytes())
    return Image.frombytes(mode, (width, height), np.random.default_rng(seed).bytes(size))


pil_images = st.builds(
    _pil_image,
    st.sampled_from(PIL_MODES),
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(0, 2**16),
)

frames_arrays = hnp.arrays(
    st.sampled_from([np.uint8, np.uint16, np.float32, np.int64, np.bool_]),
    st.one_of(
        hnp.array_shapes(min_dims=2, max_dims=5, min_side=0, max_side=4),
        st.tuples(st.integers(0, 3), st.integers(1, 4), st.integers(1, 4), st.just(3)),
    ),
)


def _read_all(source, limit: int = 8) -> list:
    """Every frame of a source (at most ``limit``), as tracking reads them."""
    frames = []
    for index in itertools.count():
        if index >= limit or not source.exists(index):
            break
        frames.append(source[index])
    return frames


def _check_frames(frames: list) -> None:
    event('accepted')  # --hypothesis-show-statistics shows how many were accepted
    for frame in frames:
        assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8
        assert frame.ndim == 3 and frame.shape[2] == 3 and frame.shape[:2] == frames[0].shape[:2]
        assert min(frame.shape[:2]) > 0


def _assert_clear(err: Exception) -> None:
    assert isinstance(err, VideoPredictorError) and str(err), repr(err)
    event('rejected')


@fuzz_settings(150)
@given(
    video=st.one_of(
        frames_arrays,
        st.lists(st.one_of(frames_arrays, pil_images), max_size=3),
        st.lists(pil_images, min_size=1, max_size=3),
        st.binary(max_size=64),
        junk(),
    ),
    as_stream=st.booleans(),
)
def test_any_video_input(video, as_stream: bool) -> None:
    if as_stream and isinstance(video, list):
        video = iter(video)
    try:
        source = open_frame_source(video)
        frames = _read_all(source)
    except VideoPredictorError as err:
        _assert_clear(err)
        return
    _check_frames(frames)


@fuzz_settings(40)
@given(
    files=st.lists(
        st.one_of(
            st.tuples(pil_images, st.sampled_from(['.png', '.jpg'])),
            st.tuples(st.binary(max_size=32), st.sampled_from(['.png', '.jpg'])),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_folder_of_any_files(tmp_path_factory, files) -> None:
    folder = tmp_path_factory.mktemp('frames')
    for index, (content, suffix) in enumerate(files):
        path = folder / f'{index:05d}{suffix}'
        if isinstance(content, bytes):
            path.write_bytes(content)
            continue
        try:
            content.save(path)
        except (OSError, ValueError, KeyError):  # a mode this format cannot store
            path.write_bytes(b'')
    try:
        frames = _read_all(open_frame_source(str(folder)))
    except VideoPredictorError as err:
        _assert_clear(err)
        return
    _check_frames(frames)


@fuzz_settings(150)
@given(image=pil_images)
def test_pil_images_one_rule(image) -> None:
    try:
        rgb = pil_to_rgb(image)
    except UnsupportedImageModeError as err:
        assert image.mode in ('I', 'F') and str(err)
        with pytest.raises(ValueError, match='value range is unknown'):
            image_to_array(image)
        return
    assert rgb.dtype == np.uint8 and rgb.shape == (image.height, image.width, 3)
    np.testing.assert_array_equal(image_to_array(image), rgb)
    if image.mode.startswith('I;16'):
        np.testing.assert_array_equal(rgb[..., 0], np.asarray(image).astype(np.int64) >> 8)


class CameraError(Exception):
    """A failure of the user's frame source."""


@fuzz_settings(100)
@given(
    num_good=st.integers(0, 5),
    fails=st.booleans(),
    buffer_size=st.integers(1, 3),
    reads=st.lists(st.integers(-2, 7), max_size=8),
)
def test_stream_errors_reach_the_caller(num_good, fails, buffer_size, reads) -> None:
    frame = np.zeros((4, 5, 3), np.uint8)

    def camera():
        yield from [frame] * num_good
        if fails:
            raise CameraError('unplugged')

    source = LiveFrames(camera(), buffer_size)
    for index in reads:
        try:
            if source.exists(index):
                assert source[index].shape == (4, 5, 3)
        except CameraError:
            assert fails and index >= num_good  # only pulling past the good frames fails
            with pytest.raises(CameraError):  # and the stream stays broken
                source.exists(index)
        except VideoPredictorError as err:  # a frame no longer buffered
            _assert_clear(err)
            assert 'no longer buffered' in str(err)
    if not fails:
        assert not source.exists(num_good)


@fuzz_settings(40)
@given(data=st.binary(min_size=0, max_size=256))
def test_video_bytes(data: bytes) -> None:
    try:
        frames = _read_all(open_frame_source(data))
    except VideoPredictorError as err:
        _assert_clear(err)
        return
    _check_frames(frames)


def test_unreadable_file_object_is_a_clear_error() -> None:
    with pytest.raises(VideoPredictorError, match='cannot open video'):
        open_frame_source(io.BytesIO(b'\0' * 10).getvalue())
    with pytest.raises(VideoPredictorError):
        open_frame_source(any_array)  # a function is no video
