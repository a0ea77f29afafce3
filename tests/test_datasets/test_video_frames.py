import pickle

import numpy as np
import pytest
from mmengine.dataset import pseudo_collate
from PIL import Image

from mmsam2.datasets import VideoFrames, VOSDatasetError, image_size, sort_frame_names


@pytest.fixture
def frame_paths(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for t in range(4):
        path = str(tmp_path / f'{t:05d}.png')  # lossless, to compare pixels
        Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


def test_decodes_rgb_uint8_on_index(frame_paths):
    frames = VideoFrames(frame_paths, size=(6, 8))
    assert len(frames) == 4
    frame = frames[2]
    assert frame.shape == (6, 8, 3) and frame.dtype == np.uint8
    assert np.array_equal(frame, np.array(Image.open(frame_paths[2])))
    assert np.array_equal(frames[-1], frames[3])
    assert [f.shape for f in frames] == [(6, 8, 3)] * 4
    frame[0, 0] = 0  # writable


def test_slicing_and_pickling(frame_paths):
    frames = VideoFrames(frame_paths)
    subset = frames[1::2]
    assert isinstance(subset, VideoFrames) and subset.frame_paths == frame_paths[1::2]
    clone = pickle.loads(pickle.dumps(frames))
    assert clone.frame_paths == frames.frame_paths
    assert repr(VideoFrames(frame_paths, (6, 8))) == 'VideoFrames(num_frames=4, size=(6, 8))'


def test_lazy(tmp_path, frame_paths):
    frames = VideoFrames(frame_paths + [str(tmp_path / 'gone.jpg')])  # nothing read yet
    assert frames[0].shape == (6, 8, 3)
    with pytest.raises(VOSDatasetError, match='frame not found'):
        frames[4]


def test_size_check(frame_paths):
    with pytest.raises(VOSDatasetError, match='frame is 6x8'):
        VideoFrames(frame_paths, size=(8, 6))[0]


def test_collate_passes_frames_through(frame_paths):
    frames = VideoFrames(frame_paths)
    batch = pseudo_collate([dict(frames=frames)])
    assert batch['frames'][0] is frames


def test_image_size_and_sorting(frame_paths):
    assert image_size(frame_paths[0]) == (6, 8)
    assert sort_frame_names(['10', '9', '100']) == ['9', '10', '100']
    assert sort_frame_names(['b', 'a10', 'a9']) == ['a10', 'a9', 'b']
