"""SAM2VideoPredictor against Meta's sam2==1.1.0 ``SAM2VideoPredictor``.

Both predictors get the same random SAM 2.1 tiny weights at 256 px and read
the same folder of 8 synthetic JPEG frames; every mask they return
(``video_res_masks`` of prompts and of each propagated frame) must agree to
1e-4 in fp32.

Alignment: Meta's predictor casts stored memory features to bfloat16. The
tests replace the ``torch`` name inside ``sam2.sam2_video_predictor`` (with
pytest's ``monkeypatch``) by a proxy that forwards every attribute to torch
except ``bfloat16``, which it maps to ``torch.float32``, so Meta keeps its
memory in fp32 like mmsam2's default ``memory_dtype``. Meta's video builder
overrides are applied (``binarize_mask_from_pts_for_mem_enc=true``) and hole
filling is off on both sides (``fill_hole_area=0``; Meta's needs a CUDA
extension and is skipped on CPU).

The *default* path is tested too: ``SAM2VideoPredictor.from_config(cfg, ckpt)``
against ``build_sam2_video_predictor(cfg, ckpt)``, both with default arguments
(the input size aside) and the same Meta-format checkpoint, so Meta's
``apply_postprocessing=True`` settings (dynamic multimask, binarised click
masks for memory, ``fill_hole_area=8``) are on. Meta's connected components
are replaced by a CPU implementation so that its hole filling runs as on a GPU.
"""

import itertools
from typing import Callable, Dict, Iterator, List, Optional

import numpy as np
import pytest
import torch
from meta_reference import (
    META_CONFIGS,
    Float32Torch,
    build_meta_video_predictor,
    cpu_connected_components,
    import_meta_sam2,
)
from parity_helpers import report_worst, sam2_config
from PIL import Image

from mmsam2.apis import SAM2VideoPredictor

CONFIG = sam2_config()
IMAGE_SIZE = 256
NUM_FRAMES = 8
TOL = 1e-4

pytestmark = pytest.mark.parity


def _frame(t: int, rng: np.random.Generator) -> np.ndarray:
    """A 120x160 frame with two moving rectangles and noise."""
    image = np.full((120, 160, 3), 40, np.int64)
    image[20 + 2 * t : 70 + 2 * t, 30 + 3 * t : 90 + 3 * t] = (200, 60, 60)
    image[60:110, 100 - 2 * t : 150 - 2 * t] = (60, 200, 90)
    image += rng.integers(-20, 20, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope='module')
def video_dir(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp('jpeg_video')
    rng = np.random.default_rng(0)
    for t in range(NUM_FRAMES):
        Image.fromarray(_frame(t, rng)).save(folder / f'{t:05d}.jpg')
    return str(folder)


@pytest.fixture(scope='module')
def predictors():
    import_meta_sam2()
    torch.manual_seed(0)
    meta = build_meta_video_predictor('sam2.1', 'tiny', IMAGE_SIZE)
    ours = SAM2VideoPredictor.from_config(
        CONFIG,
        cfg_options={
            'model.image_size': IMAGE_SIZE,
            'model.binarize_mask_from_pts_for_mem_enc': True,
        },
        fill_hole_area=0,
    )
    ours.model.load_state_dict(meta.state_dict())
    return meta, ours


@pytest.fixture(scope='module')
def worst() -> Iterator[Dict[str, float]]:
    """Largest difference per case, printed at the end of the module."""
    yield from report_worst('video predictor parity')


@pytest.fixture
def fp32_meta(monkeypatch) -> None:
    import sam2.sam2_video_predictor as meta_module

    monkeypatch.setattr(meta_module, 'torch', Float32Torch())


def _compare(
    predictors, video_dir: str, scenario: Callable[[object, object], List[torch.Tensor]]
) -> float:
    meta, ours = predictors
    with torch.inference_mode():
        expected = scenario(meta, meta.init_state(video_dir))
    actual = scenario(ours, ours.init_state(video_dir))
    assert len(actual) == len(expected)
    for e, a in zip(expected, actual):
        assert e.shape == a.shape, (e.shape, a.shape)
    return max((e - a).abs().max().item() for e, a in zip(expected, actual))


def _object_added_mid_video(predictor, state) -> List[torch.Tensor]:
    """Clicks on frame 0 (object 1), tracking, a box on frame 3 (object 2), forward
    tracking again, then reverse tracking from frame 3."""
    outputs = [predictor.add_new_points_or_box(state, 0, 1, [[50, 40], [60, 50]], [1, 1])[2]]
    outputs += [m for _, _, m in predictor.propagate_in_video(state, max_frame_num_to_track=2)]
    outputs.append(predictor.add_new_points_or_box(state, 3, 2, box=[95, 55, 150, 110])[2])
    outputs += [m for _, _, m in predictor.propagate_in_video(state)]
    backward = predictor.propagate_in_video(state, start_frame_idx=3, reverse=True)
    outputs += [m for _, _, m in backward]
    return outputs


def _mask_and_correction(predictor, state) -> List[torch.Tensor]:
    """A mask (object 1) and clicks (object 2) on frame 1 (tracked as one batch),
    a correction click on tracked frame 4, forward and reverse tracking."""
    mask = np.zeros((120, 160), bool)
    mask[22:72, 33:93] = True
    outputs = [predictor.add_new_mask(state, 1, 1, mask)[2]]
    outputs.append(predictor.add_new_points_or_box(state, 1, 2, [[120, 80]], [1])[2])
    outputs += [m for _, _, m in predictor.propagate_in_video(state)]
    outputs.append(predictor.add_new_points_or_box(state, 4, 1, [[70, 50]], [0])[2])
    outputs += [m for _, _, m in predictor.propagate_in_video(state, start_frame_idx=4)]
    outputs += [m for _, _, m in predictor.propagate_in_video(state, reverse=True)]
    return outputs


@pytest.mark.parametrize(
    'name,scenario',
    [('object added mid-video', _object_added_mid_video), ('mask', _mask_and_correction)],
)
def test_video_predictor_parity(
    predictors, video_dir: str, fp32_meta: None, worst: Dict[str, float], name: str, scenario
) -> None:
    diff = _compare(predictors, video_dir, scenario)
    worst[name] = diff
    assert diff <= TOL


# ---------------------------------------------------------------- default builders
# 128 px: hole filling and binarisation follow the sign of each low-res logit, and a
# logit within float rounding (~3e-7) of 0 can fall on different sides in the two
# predictors. At 256 px this scenario has one (7e-9 in Meta's, -4e-8 in ours): one hole
# is filled by mmsam2 only and that frame differs by 0.075. At 128 px it has none.
DEFAULT_PATH_SIZE = 128


@pytest.fixture(scope='module')
def meta_checkpoint(predictors, tmp_path_factory) -> str:
    """The random weights of ``predictors`` as a Meta checkpoint (``{'model': state dict}``)."""
    path = tmp_path_factory.mktemp('checkpoint') / 'sam2.1_hiera_tiny_random.pt'
    torch.save({'model': predictors[0].state_dict()}, path)
    return str(path)


@pytest.fixture
def meta_hole_filling(monkeypatch) -> None:
    """Meta's hole filling runs on CPU (its CUDA connected components replaced)."""
    import sam2.utils.misc as meta_misc

    monkeypatch.setattr(meta_misc, 'get_connected_components', cpu_connected_components)


def _objects_added_during_tracking(predictor, state) -> Iterator[torch.Tensor]:
    """Objects 1 (two clicks) and 2 (a click) on frame 0, tracking to frame 3, object 3
    (a click) on frame 5, a correction click for object 1 on tracked frame 2, forward
    tracking, then reverse tracking from frame 5; yields every returned mask."""
    add = predictor.add_new_points_or_box
    yield add(state, 0, 1, [[50, 40], [60, 50]], [1, 1])[2]
    yield add(state, 0, 2, [[120, 80]], [1])[2]
    for _, _, masks in predictor.propagate_in_video(state, max_frame_num_to_track=3):
        yield masks
    yield add(state, 5, 3, [[20, 100]], [1])[2]
    yield add(state, 2, 1, [[80, 60]], [0])[2]
    for _, _, masks in predictor.propagate_in_video(state):
        yield masks
    for _, _, masks in predictor.propagate_in_video(state, start_frame_idx=5, reverse=True):
        yield masks


def test_default_builders_parity(
    meta_checkpoint: str,
    video_dir: str,
    fp32_meta: None,
    meta_hole_filling: None,
    worst: Dict[str, float],
) -> None:
    """``from_config(cfg, ckpt)`` gives Meta's ``build_sam2_video_predictor(cfg, ckpt)``."""
    from sam2.build_sam import build_sam2_video_predictor

    meta = build_sam2_video_predictor(
        META_CONFIGS[('sam2.1', 'tiny')],
        meta_checkpoint,
        'cpu',
        hydra_overrides_extra=[f'++model.image_size={DEFAULT_PATH_SIZE}'],
    )
    assert meta.fill_hole_area == 8 and meta.binarize_mask_from_pts_for_mem_enc
    with torch.inference_mode():
        expected = list(_objects_added_during_tracking(meta, meta.init_state(video_dir)))
    size = {'model.image_size': DEFAULT_PATH_SIZE}

    def diff(num_outputs: Optional[int] = None, **kwargs) -> float:
        ours = SAM2VideoPredictor.from_config(CONFIG, meta_checkpoint, cfg_options=size, **kwargs)
        run = _objects_added_during_tracking(ours, ours.init_state(video_dir))
        actual = list(itertools.islice(run, num_outputs))
        assert len(actual) == (num_outputs or len(expected))
        assert [a.shape for a in actual] == [e.shape for e in expected[: len(actual)]]
        return max((e - a).abs().max().item() for e, a in zip(expected, actual))

    worst['default builders'] = diff()
    assert worst['default builders'] <= TOL
    # without Meta's settings the prompts and the tracking to frame 3 already differ
    worst['apply_postprocessing=False'] = diff(6, apply_postprocessing=False)
    assert worst['apply_postprocessing=False'] > 0.05
