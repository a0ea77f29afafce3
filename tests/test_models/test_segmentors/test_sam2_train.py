"""SAM2Train: the loss on hand-built clips, prompt simulation and correction clicks."""

from typing import Dict, List
from unittest import mock

import numpy as np
import pytest
import torch
from training_helpers import build_tiny_model, clip_batch, clip_sample, rectangle_masks

from mmsam2.models.segmentors import SAM2Train, gather_clip_targets
from mmsam2.models.segmentors import sam2_train as sam2_train_module
from mmsam2.models.utils.prompt_simulation import PromptPlan
from mmsam2.structures import MemoryBank

FAST = dict(num_correction_pt_per_frame=2)


def _record(model: SAM2Train, inputs: torch.Tensor, samples: list) -> tuple:
    """Run the loss, recording the prompt plan and which frames became cond frames."""
    plans: List[PromptPlan] = []
    cond: Dict[int, bool] = {}
    real_add, real_plan = MemoryBank.add, sam2_train_module.plan_prompts

    def add(bank, frame_idx, output, is_cond):
        cond[frame_idx] = is_cond
        real_add(bank, frame_idx, output, is_cond)

    def plan(*args):
        plans.append(real_plan(*args))
        return plans[-1]

    with mock.patch.object(sam2_train_module, 'plan_prompts', side_effect=plan):
        with mock.patch.object(MemoryBank, 'add', add):
            losses = model(inputs, samples, mode='loss')
    return losses, plans[0], cond


def test_loss_mode_and_gradients() -> None:
    model = build_tiny_model(**FAST)
    inputs, samples = clip_batch([2, 1], num_frames=3, size=64)
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_mask', 'loss_dice', 'loss_iou', 'loss_class'}
    assert all(v.dim() == 0 and torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    for part in ('backbone', 'neck', 'memory_attention', 'memory_encoder', 'mask_decoder'):
        grads = [p.grad for p in getattr(model, part).parameters()]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), part


@pytest.mark.parametrize('as_cond', [True, False])
def test_corrected_frames_and_conditioning(as_cond: bool) -> None:
    model = build_tiny_model(
        prob_to_use_pt_input_for_train=1.0,
        prob_to_use_box_input_for_train=0.0,
        num_init_cond_frames_for_train=1,
        num_frames_to_correct_for_train=2,
        rand_frames_to_correct_for_train=False,
        add_all_frames_to_correct_as_cond=as_cond,
        **FAST,
    )
    inputs, samples = clip_batch([1], num_frames=4, size=64)
    steps_per_frame: List[int] = []
    real_track = model.track_clip

    def track(*args):
        steps = real_track(*args)
        steps_per_frame.extend(len(s) for s in steps)
        return steps

    with mock.patch.object(model, 'track_clip', side_effect=track):
        _, plan, cond = _record(model, inputs, samples)
    assert plan.init_cond_frames == [0] and len(plan.frames_to_correct) == 2
    extra = plan.frames_to_correct[1]
    assert plan.point_inputs[0].labels.tolist() in ([[0]], [[1]])
    for t in range(4):
        corrected = t in plan.frames_to_correct
        assert steps_per_frame[t] == (1 + FAST['num_correction_pt_per_frame'] if corrected else 1)
    assert cond[0] is True
    assert cond[extra] is as_cond
    assert not any(cond[t] for t in range(4) if t not in plan.frames_to_correct)


def test_mask_prompts_without_corrections() -> None:
    model = build_tiny_model(prob_to_use_pt_input_for_train=0.0, **FAST)
    model.rng = np.random.default_rng(3)
    inputs, samples = clip_batch([2], num_frames=3, size=64)
    _, plan, cond = _record(model, inputs, samples)
    assert plan.point_inputs == {} and plan.frames_to_correct == []
    assert set(plan.mask_inputs) == set(plan.init_cond_frames)
    assert [t for t, c in cond.items() if c] == plan.init_cond_frames


def test_decisions_follow_the_seeded_generator() -> None:
    inputs, samples = clip_batch([1, 1], num_frames=3, size=64)
    runs = []
    for _ in range(2):
        model = build_tiny_model(**FAST)
        torch.manual_seed(0)
        losses, plan, _ = _record(model, inputs, samples)
        runs.append((plan.init_cond_frames, plan.frames_to_correct, losses))
    assert runs[0][:2] == runs[1][:2]
    for key in runs[0][2]:
        torch.testing.assert_close(runs[0][2][key], runs[1][2][key])


def test_freeze_image_encoder() -> None:
    model = build_tiny_model(freeze_image_encoder=True, **FAST)
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert not any(p.requires_grad for p in model.neck.parameters())
    assert all(p.requires_grad for p in model.mask_decoder.parameters())
    inputs, samples = clip_batch([1], num_frames=3, size=64)
    sum(model(inputs, samples, mode='loss').values()).backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert any(p.grad is not None for p in model.mask_decoder.parameters())


def test_eval_mode_per_frame_backbone_gives_the_same_loss() -> None:
    inputs, samples = clip_batch([2, 1], num_frames=3, size=64)
    losses = []
    for per_frame in (True, False):
        model = build_tiny_model(forward_backbone_per_frame_for_eval=per_frame, **FAST).eval()
        with torch.no_grad(), mock.patch.object(
            model, 'forward_image', wraps=model.forward_image
        ) as encode:
            losses.append(model(inputs, samples, mode='loss'))
        assert encode.call_count == (3 if per_frame else 1)
    for key in losses[0]:
        torch.testing.assert_close(losses[0][key], losses[1][key], rtol=1e-5, atol=1e-5)


def test_activation_checkpointing_keeps_loss_and_gradients() -> None:
    options = dict(
        prob_to_use_pt_input_for_train=1.0,
        prob_to_use_box_input_for_train=1.0,  # 2 box corners: single-mask corrections
        **FAST,
    )
    inputs, samples = clip_batch([1], num_frames=2, size=64)
    results = []
    for ckpt in (False, True):
        model = build_tiny_model(use_act_ckpt_iterative_pt_sampling=ckpt, **options)
        torch.manual_seed(0)
        with mock.patch.object(
            sam2_train_module, 'checkpoint', wraps=sam2_train_module.checkpoint
        ) as checkpointed:
            loss = sum(model(inputs, samples, mode='loss').values())
        assert checkpointed.called == ckpt
        loss.backward()
        results.append((loss.detach(), model.mask_decoder.iou_token.weight.grad.clone()))
    torch.testing.assert_close(results[0][0], results[1][0])
    torch.testing.assert_close(results[0][1], results[1][1])


def test_gather_clip_targets() -> None:
    samples = [clip_sample(rectangle_masks(3, k, 16)) for k in (2, 1)]
    gt, index = gather_clip_targets(samples, num_frames=3, image_size=16)
    assert gt.shape == (3, 3, 1, 16, 16) and gt.dtype == torch.bool
    assert index.tolist() == [[0, 0, 3], [1, 1, 4], [2, 2, 5]]
    with pytest.raises(ValueError, match='frame samples'):
        gather_clip_targets(samples, num_frames=4, image_size=16)
    with pytest.raises(ValueError, match='input size'):
        gather_clip_targets(samples, num_frames=3, image_size=32)
    with pytest.raises(ValueError, match='at least one object'):
        gather_clip_targets([clip_sample(rectangle_masks(3, 0, 16))], 3, 16)


def test_bfloat16_autocast() -> None:
    # what --amp does on a GPU (AmpOptimWrapper); CPU autocast checks the dtypes
    model = build_tiny_model(prob_to_use_pt_input_for_train=1.0, **FAST)
    inputs, samples = clip_batch([2], num_frames=3, size=64)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model(inputs, samples, mode='loss')
    assert all(v.dtype == torch.float32 and torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
