"""The predictor builders apply Meta's builder defaults; the VOS evaluation does not.

Meta's ``build_sam2`` / ``build_sam2_video_predictor`` default to
``apply_postprocessing=True``; ``from_config`` mirrors that (each setting can
still be overridden), while the VOS evaluation keeps the settings of Meta's
``tools/vos_inference.py`` (``apply_postprocessing=False``). Numerical parity
of the default video path with Meta's builder is in
``test_video_predictor_parity.py``.
"""

import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from parity_helpers import CONFIG_DIR, sam2_config

from mmsam2.apis import (
    SAM2AutomaticMaskGenerator,
    SAM2ImagePredictor,
    SAM2VideoPredictor,
    init_model,
)
from mmsam2.apis.inference import (
    META_IMAGE_POSTPROCESSING,
    META_VIDEO_POSTPROCESSING,
    with_postprocessing,
)
from mmsam2.models.segmentors.vos_test import resolve_test_cfg, run_vos_test
from mmsam2.structures import VOSVideo

CONFIG = sam2_config()
SMALL = {'model.image_size': 64}


def _dynamic_multimask(model) -> tuple:
    decoder = model.mask_decoder
    return (
        decoder.dynamic_multimask_via_stability,
        decoder.dynamic_multimask_stability_delta,
        decoder.dynamic_multimask_stability_thresh,
    )


def test_video_predictor_defaults_are_metas() -> None:
    predictor = SAM2VideoPredictor.from_config(CONFIG, cfg_options=SMALL)
    model = predictor.model
    assert model.binarize_mask_from_pts_for_mem_enc is True
    assert model.fill_hole_area == 8 and predictor.fill_hole_area == 8
    assert _dynamic_multimask(model) == (True, 0.05, 0.98)
    assert model.cfg.model.fill_hole_area == 8  # recorded in the model's config


def test_video_predictor_defaults_are_overridable() -> None:
    options = {**SMALL, 'model.fill_hole_area': 0}
    predictor = SAM2VideoPredictor.from_config(CONFIG, cfg_options=options)
    assert predictor.fill_hole_area == 0
    assert predictor.model.binarize_mask_from_pts_for_mem_enc is True
    predictor = SAM2VideoPredictor.from_config(CONFIG, cfg_options=SMALL, fill_hole_area=3)
    assert predictor.fill_hole_area == 3 and predictor.model.fill_hole_area == 8
    nested = {
        **SMALL,
        'model.sam_mask_decoder_extra_args': dict(dynamic_multimask_via_stability=False),
    }
    predictor = SAM2VideoPredictor.from_config(CONFIG, cfg_options=nested)
    assert _dynamic_multimask(predictor.model) == (False, 0.05, 0.98)


def test_apply_postprocessing_false_keeps_the_config() -> None:
    predictor = SAM2VideoPredictor.from_config(
        CONFIG, cfg_options=SMALL, apply_postprocessing=False
    )
    assert predictor.model.binarize_mask_from_pts_for_mem_enc is False
    assert predictor.fill_hole_area == 0
    # mmsam2's model configs already carry the decoder part of Meta's defaults
    assert _dynamic_multimask(predictor.model) == (True, 0.05, 0.98)


def test_image_builders_get_the_image_defaults_only() -> None:
    cfg = Config.fromfile(CONFIG)
    cfg.model.sam_mask_decoder_extra_args = None
    image_predictor = SAM2ImagePredictor.from_config(cfg, cfg_options=SMALL)
    mask_generator = SAM2AutomaticMaskGenerator.from_config(cfg, cfg_options=SMALL)
    for model in (image_predictor.model, mask_generator.predictor.model):
        assert _dynamic_multimask(model) == (True, 0.05, 0.98)
        assert model.binarize_mask_from_pts_for_mem_enc is False and model.fill_hole_area == 0
    plain = SAM2ImagePredictor.from_config(cfg, cfg_options=SMALL, apply_postprocessing=False)
    assert _dynamic_multimask(plain.model)[0] is False


def test_with_postprocessing_copies_the_config() -> None:
    cfg = Config.fromfile(CONFIG)
    cfg.model.sam_mask_decoder_extra_args = None
    out = with_postprocessing(cfg, META_VIDEO_POSTPROCESSING)
    assert cfg.model.sam_mask_decoder_extra_args is None and 'fill_hole_area' not in cfg.model
    assert out.model.fill_hole_area == 8 and out.model.binarize_mask_from_pts_for_mem_enc
    assert out.model.sam_mask_decoder_extra_args == dict(
        dynamic_multimask_via_stability=True,
        dynamic_multimask_stability_delta=0.05,
        dynamic_multimask_stability_thresh=0.98,
    )
    assert set(META_IMAGE_POSTPROCESSING) < set(META_VIDEO_POSTPROCESSING)


VOS_CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, 'sam2.1_vos', '*.py')))


@pytest.mark.parametrize('path', VOS_CONFIGS, ids=osp.basename)
def test_vos_configs_keep_the_paper_settings(path: str) -> None:
    """tools/test.py evaluates as Meta's tools/vos_inference.py: no post-processing."""
    model = Config.fromfile(path).model
    assert not model.get('binarize_mask_from_pts_for_mem_enc', False)
    assert model.get('fill_hole_area', 0) == 0


def test_vos_test_predictor_uses_the_model_as_configured(tmp_path, monkeypatch) -> None:
    """The VOS test step wraps the model as it is (no builder defaults)."""
    import mmsam2.apis.vos_inference as vos_inference

    seen = []

    def record(predictor, *args, **kwargs) -> dict:
        seen.append(predictor)
        return dict(inference_time=0.0, num_frames=0)

    monkeypatch.setattr(vos_inference, 'segment_vos_video', record)
    info = dict(video_name='v', annotated_frames=[], ann_paths={'00000': 'v/00000.png'})
    video = VOSVideo(frames=[], annotations={}, info=info)
    model = init_model(CONFIG, cfg_options=SMALL)
    run_vos_test(model, [video], resolve_test_cfg(dict(output_dir=str(tmp_path))))
    (predictor,) = seen
    assert predictor.fill_hole_area == 0 and predictor.non_overlap_masks
    assert predictor.model.binarize_mask_from_pts_for_mem_enc is False


def test_dynamic_multimask_does_not_act_on_mask_prompts() -> None:
    """Why the VOS protocol (mask prompts) needs no more than fill_hole_area=0 to match
    Meta's apply_postprocessing=False: the decoder's dynamic multimask fallback, which
    mmsam2's configs switch on, leaves its outputs unchanged."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (5, 48, 64, 3), dtype=np.uint8)
    first = np.zeros((48, 64), bool)
    first[10:30, 10:40] = True
    predictor = SAM2VideoPredictor(init_model(CONFIG, cfg_options=SMALL))
    decoder = predictor.model.mask_decoder
    runs, clicks = [], []
    for dynamic in (True, False):
        decoder.dynamic_multimask_via_stability = dynamic
        state = predictor.init_state(frames)
        masks = [predictor.add_new_mask(state, 0, 1, first)[2]]
        masks.append(predictor.add_new_mask(state, 0, 2, ~first)[2])
        masks += [m for _, _, m in predictor.propagate_in_video(state)]
        runs.append(torch.cat(masks))
        state = predictor.init_state(frames)
        clicks.append(predictor.add_new_points_or_box(state, 0, 1, [[20, 20], [30, 25]], [1, 1])[2])
    assert (runs[0] > 0).any() and (runs[0] <= 0).any()
    assert torch.equal(runs[0], runs[1])
    assert (clicks[0] - clicks[1]).abs().max() > 0.1  # it does act on two clicks
