"""Frame sources of the video predictor: folders, video files, arrays and streams."""

import os.path as osp

import numpy as np
import pytest
from PIL import Image
from video_test_utils import make_frames, write_video

from mmsam2.apis import VideoPredictorError
from mmsam2.datasets import VideoFrames
from mmsam2.fileio.frame_sources import (
    ArrayFrames,
    FolderFrames,
    LiveFrames,
    VideoFileFrames,
    open_frame_source,
)

SHARED_DATA = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..', 'shared', 'data'))
BIKES = osp.join(SHARED_DATA, 'bikes.mp4')


def _sequential(source) -> list:
    return [source[i] for i in range(source.num_frames)]


def test_open_frame_source_dispatch(tmp_path) -> None:
    frames = make_frames(3)
    Image.fromarray(frames[0]).save(tmp_path / '0.jpg')
    video = write_video(str(tmp_path / 'a.mp4'), frames)
    assert isinstance(open_frame_source(str(tmp_path)), FolderFrames)
    assert isinstance(open_frame_source(video), VideoFileFrames)
    assert isinstance(open_frame_source(frames), ArrayFrames)
    assert isinstance(open_frame_source(list(frames)), ArrayFrames)
    assert isinstance(open_frame_source(f for f in frames), LiveFrames)
    lazy = open_frame_source(VideoFrames([str(tmp_path / '0.jpg')]))  # decodes on access
    assert isinstance(lazy, ArrayFrames) and lazy.num_frames == 1
    source = ArrayFrames(frames)
    assert open_frame_source(source) is source


def test_folder_sorted_by_number(tmp_path) -> None:
    frames = make_frames(11)
    for t, frame in enumerate(frames):
        Image.fromarray(frame).save(tmp_path / f'{t}.png')
    (tmp_path / 'notes.txt').write_text('not a frame')
    source = FolderFrames(str(tmp_path))
    assert source.frame_names[:3] == ['0', '1', '2'] and source.frame_names[-1] == '10'
    assert np.array_equal(source[10], frames[10])
    Image.fromarray(frames[0]).save(tmp_path / '3.jpg')
    with pytest.raises(VideoPredictorError, match='share a name'):
        FolderFrames(str(tmp_path))


@pytest.mark.parametrize(
    'name,codec,options',
    [
        ('gop.mp4', 'libx264', {'g': '4', 'bf': '2'}),  # B-frames, seeking by keyframe
        ('gop.mkv', 'libx264', {'g': '5'}),
        ('b_frames.avi', 'libx264', {'g': '4', 'bf': '2'}),  # unreliable timestamps
        ('intra.avi', 'mpeg4', {}),
    ],
)
def test_video_file_random_access(tmp_path, name: str, codec: str, options: dict) -> None:
    frames = make_frames(13)
    path = write_video(str(tmp_path / name), frames, codec, options)
    expected = _sequential(VideoFileFrames(path))
    assert len(expected) == 13
    for i, frame in enumerate(expected):  # lossy, but each decoded frame is nearest its original
        errors = np.abs(frames.astype(int) - frame).mean(axis=(1, 2, 3))
        assert errors.argmin() == i
    source = VideoFileFrames(path, cache_size=3)
    for i in (12, 11, 5, 0, 6, 7, 12, 3, 2, 1):
        assert np.array_equal(source[i], expected[i]), i
    with pytest.raises(VideoPredictorError, match='out of range'):
        source[13]


@pytest.mark.skipif(not osp.isfile(BIKES), reason=f'shared test clip {BIKES} is not available')
def test_real_clip_random_access() -> None:
    source = VideoFileFrames(BIKES, cache_size=4)
    assert (source.num_frames, source.size, source.fps) == (250, (272, 640), 25.0)
    expected = {i: frame for i, frame in enumerate(_sequential(VideoFileFrames(BIKES)))}
    for i in (249, 248, 100, 31, 30, 29, 0, 137):
        assert np.array_equal(source[i], expected[i]), i


def test_live_frames_buffer() -> None:
    frames = make_frames(6)
    source = LiveFrames(iter(frames), buffer_size=2)
    assert source.num_frames is None and source.num_seen == 0
    assert source.exists(3) and source.num_seen == 4
    assert source.first_available_frame() == 2
    assert np.array_equal(source[3], frames[3])
    with pytest.raises(VideoPredictorError, match='no longer buffered'):
        source[1]
    with pytest.raises(VideoPredictorError, match='has not arrived yet'):
        source.check_prompt_frame(4)
    source.check_prompt_frame(2)
    assert not source.exists(6) and source.ended
    with pytest.raises(VideoPredictorError, match='ended after 6 frames'):
        source[7]
