"""The video predictor keeps bounded state on long videos and streams.

A model with a short memory (3 memories, 4 object pointers: it reads at most 3
frames back) makes the pruning visible after a few frames.
"""

import os.path as osp
from typing import List, Tuple

import pytest
import torch
from video_test_utils import make_frames

from mmsam2.apis import SAM2VideoPredictor, init_model
from mmsam2.apis.memory_retention import memory_reach, memory_read_frames
from mmsam2.apis.video_benchmark import streaming_peak_rss, synthetic_video

CONFIG = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
SHORT_MEMORY = {
    'model.image_size': 128,
    'model.num_maskmem': 3,
    'model.max_obj_ptrs_in_encoder': 4,
}


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_model(CONFIG, cfg_options=SHORT_MEMORY)


def test_memory_reach(model) -> None:
    assert memory_reach(model) == 3
    assert memory_read_frames(model, 10, False, None) == {7, 8, 9}
    assert memory_read_frames(model, 1, True, 3) == {2}
    default = init_model(CONFIG, cfg_options={'model.image_size': 128})
    assert memory_reach(default) == 15  # 16 object pointers reach 15 frames back


def _session(predictor: SAM2VideoPredictor, frames) -> Tuple[List[torch.Tensor], int]:
    """Forward tracking, a second object, forward again, then backwards; the masks
    and the number of kept tracked outputs."""
    state = predictor.init_state(frames)
    predictor.add_new_points_or_box(state, 0, 1, points=[[15, 20]], labels=[1])
    masks = [m for _, _, m in predictor.propagate_in_video(state)]
    predictor.add_new_points_or_box(state, 4, 2, box=[30, 5, 60, 40])
    masks += [m for _, _, m in predictor.propagate_in_video(state)]
    masks += [m for _, _, m in predictor.propagate_in_video(state, start_frame_idx=4, reverse=True)]
    stored = sum(len(obj.outputs.non_cond) for obj in state.objects.values())
    return masks, stored


def test_pruning_does_not_change_results(model) -> None:
    frames = make_frames(10)
    kept, kept_count = _session(SAM2VideoPredictor(model, keep_all_outputs=True), frames)
    pruned, pruned_count = _session(SAM2VideoPredictor(model), frames)
    assert all(torch.equal(a, b) for a, b in zip(kept, pruned))
    assert kept_count == 2 * 9 and pruned_count < kept_count


def test_stream_state_stays_bounded(model) -> None:
    predictor = SAM2VideoPredictor(model, frame_buffer_size=4, feature_cache_size=2)
    state = predictor.init_state(synthetic_video(20, 48, 64))
    predictor.add_new_points_or_box(state, 0, 1, points=[[32, 24]], labels=[1])
    sizes = []
    for frame_idx, _, _ in predictor.propagate_in_video(state):
        obj = state.objects[1]
        sizes.append(
            (frame_idx, len(obj.outputs.non_cond), len(obj.frames_tracked), len(state.features))
        )
    assert sizes[-1][0] == 19
    reach = predictor.memory_reach
    # outputs near the last frame and near prompted frame 0 only
    assert max(s[1] for s in sizes) == sizes[-1][1] == 2 * reach + 1
    assert max(s[2] for s in sizes) <= 4  # tracked-frame records follow the frame buffer
    assert max(s[3] for s in sizes) <= 2
    assert len(state.frames._buffer) <= 4


@pytest.mark.slow
def test_stream_memory_is_flat(model) -> None:
    peaks = streaming_peak_rss(SAM2VideoPredictor(model), [20, 80], 64, 64)
    assert peaks[80] <= 1.1 * peaks[20], peaks
