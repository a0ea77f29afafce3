"""Prompt simulation: probabilities, frame choices, and the same plans as Meta's SAM2Train."""

import types

import numpy as np
import pytest
import torch
from meta_training_reference import import_meta_training_package

from mmsam2.models.utils.prompt_simulation import PromptSettings, plan_prompts

MOSE_TRAIN = dict(
    prob_to_use_pt_input=0.5,
    prob_to_use_box_input=0.5,
    num_frames_to_correct=2,
    rand_frames_to_correct=True,
    num_init_cond_frames=2,
    rand_init_cond_frames=True,
    point_sampling='uniform',
)


def _gt(num_frames: int = 8, num_objects: int = 2, size: int = 32) -> torch.Tensor:
    gt = torch.zeros(num_frames, num_objects, 1, size, size, dtype=torch.bool)
    gt[:, :, :, 8:20, 4:24] = True
    return gt


def test_probabilities_are_respected() -> None:
    settings = PromptSettings(**MOSE_TRAIN)
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    plans = [plan_prompts(_gt(), settings, rng) for _ in range(400)]
    with_points = [p for p in plans if not p.mask_inputs]
    boxes = [p for p in with_points if p.point_inputs[0].labels[0, 0].item() == 2]
    assert abs(len(with_points) / 400 - 0.5) < 0.07
    assert abs(len(boxes) / len(with_points) - 0.5) < 0.1
    two_init = [p for p in plans if len(p.init_cond_frames) == 2]
    assert abs(len(two_init) / 400 - 0.5) < 0.07
    for p in plans:
        assert p.init_cond_frames[0] == 0
        assert set(p.point_inputs) | set(p.mask_inputs) == set(p.init_cond_frames)
        if p.mask_inputs:
            assert p.frames_to_correct == []
        else:
            assert p.frames_to_correct[: len(p.init_cond_frames)] == p.init_cond_frames
            assert len(p.init_cond_frames) <= len(p.frames_to_correct) <= 2
        order = p.processing_order(8)
        assert sorted(order) == list(range(8)) and order[: len(p.init_cond_frames)] == (
            p.init_cond_frames
        )


def test_single_image_always_uses_clicks() -> None:
    settings = PromptSettings(**{**MOSE_TRAIN, 'prob_to_use_pt_input': 0.0})
    plan = plan_prompts(_gt(num_frames=1), settings, np.random.default_rng(0))
    assert plan.mask_inputs == {} and plan.frames_to_correct == [0]


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match='num_frames_to_correct'):
        PromptSettings(**{**MOSE_TRAIN, 'num_frames_to_correct': 1, 'num_init_cond_frames': 2})
    with pytest.raises(ValueError, match='point sampling'):
        PromptSettings(**{**MOSE_TRAIN, 'point_sampling': 'random'})
    settings = PromptSettings(
        **{
            **MOSE_TRAIN,
            'rand_init_cond_frames': False,
            'num_init_cond_frames': 3,
            'num_frames_to_correct': 3,
        }
    )
    with pytest.raises(ValueError, match='cannot have'):
        plan_prompts(_gt(num_frames=2), settings, np.random.default_rng(0))


def _meta_plan(meta_cls, settings: PromptSettings, gt: torch.Tensor, rng, training: bool):
    """Meta's ``SAM2Train.prepare_prompt_inputs`` on a stand-in model."""
    mode = 'train' if training else 'eval'
    fake = types.SimpleNamespace(training=training, rng=rng, pt_sampling_for_eval='center')
    for name, value in [
        ('prob_to_use_pt_input', settings.prob_to_use_pt_input),
        ('prob_to_use_box_input', settings.prob_to_use_box_input),
        ('num_frames_to_correct', settings.num_frames_to_correct),
        ('rand_frames_to_correct', settings.rand_frames_to_correct),
        ('num_init_cond_frames', settings.num_init_cond_frames),
        ('rand_init_cond_frames', settings.rand_init_cond_frames),
    ]:
        setattr(fake, f'{name}_for_{mode}', value)
    batch = types.SimpleNamespace(masks=gt[:, :, 0], num_frames=gt.shape[0])
    return meta_cls.prepare_prompt_inputs(fake, {}, batch)


@pytest.mark.parity
@pytest.mark.parametrize('training', [True, False])
def test_same_plans_as_meta(training: bool) -> None:
    import_meta_training_package()
    from training.model.sam2 import SAM2Train as MetaSAM2Train

    settings = PromptSettings(
        **{
            **MOSE_TRAIN,
            'num_frames_to_correct': 3,
            'num_init_cond_frames': 3,
            'point_sampling': 'uniform' if training else 'center',
        }
    )
    gt = _gt()
    gt[3, 1] = False  # an absent object
    ours_rng, meta_rng = np.random.default_rng(5), np.random.default_rng(5)
    for step in range(40):
        torch.manual_seed(step)
        ours = plan_prompts(gt, settings, ours_rng)
        torch.manual_seed(step)
        meta = _meta_plan(MetaSAM2Train, settings, gt, meta_rng, training)
        assert ours.init_cond_frames == meta['init_cond_frames']
        assert ours.frames_to_correct == meta['frames_to_add_correction_pt']
        assert set(ours.mask_inputs) == set(meta['mask_inputs_per_frame'])
        assert set(ours.point_inputs) == set(meta['point_inputs_per_frame'])
        for t, points in ours.point_inputs.items():
            ref = meta['point_inputs_per_frame'][t]
            assert torch.equal(points.coords, ref['point_coords'].float())
            assert torch.equal(points.labels, ref['point_labels'].int())
