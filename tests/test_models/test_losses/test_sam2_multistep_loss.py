"""SAM2MultiStepLoss: behaviour, and parity with Meta's training/loss_fns.py."""

from dataclasses import dataclass
from typing import Dict, List

import pytest
import torch
from meta_training_reference import import_meta_loss_fns

from mmsam2.models.losses import SAM2MultiStepLoss, dice_loss, iou_loss, sigmoid_focal_loss
from mmsam2.registry import MODELS

TOL = 1e-5
WEIGHTS = dict(loss_mask=20.0, loss_dice=1.0, loss_iou=1.0, loss_class=1.0)


@dataclass
class Step:
    multimasks_high_res: torch.Tensor
    ious: torch.Tensor
    object_score_logits: torch.Tensor


def _predictions(
    num_frames: int, num_objects: int, steps_per_frame: List[int], size: int = 16, seed: int = 0
) -> List[List[Step]]:
    """Random logits; the first step of a frame has 3 candidates, later ones 1."""
    g = torch.Generator().manual_seed(seed)
    frames = []
    for t in range(num_frames):
        steps = []
        for s in range(steps_per_frame[t]):
            m = 3 if s == 0 else 1
            steps.append(
                Step(
                    torch.randn(num_objects, m, size, size, generator=g) * 4,
                    torch.rand(num_objects, m, generator=g),
                    torch.randn(num_objects, 1, generator=g) * 3,
                )
            )
        frames.append(steps)
    return frames


def _targets(num_frames: int, num_objects: int, size: int = 16, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(num_frames, num_objects, size, size, generator=g) > 0.6


def _meta_outputs(frames: List[List[Step]]) -> List[Dict[str, list]]:
    return [
        dict(
            multistep_pred_multimasks_high_res=[s.multimasks_high_res for s in steps],
            multistep_pred_ious=[s.ious for s in steps],
            multistep_object_score_logits=[s.object_score_logits for s in steps],
        )
        for steps in frames
    ]


OPTIONS = [
    dict(),  # Meta's SAM 2.1 training values
    dict(supervise_all_iou=False, iou_use_l1_loss=False),
    dict(pred_obj_scores=False),
    dict(focal_alpha=-1.0, focal_gamma=0.0, focal_gamma_obj_score=2.0, focal_alpha_obj_score=0.5),
]


@pytest.mark.parity
@pytest.mark.parametrize('options', OPTIONS)
@pytest.mark.parametrize('absent', ['some', 'all', 'none'])
def test_loss_matches_meta(options: dict, absent: str) -> None:
    meta_module = import_meta_loss_fns()
    meta_options = {
        **dict(supervise_all_iou=True, iou_use_l1_loss=True, pred_obj_scores=True),
        **options,
    }
    meta = meta_module.MultiStepMultiMasksAndIous(weight_dict=dict(WEIGHTS), **meta_options)
    ours = SAM2MultiStepLoss(weight_dict=dict(WEIGHTS), **options)
    frames = _predictions(3, 4, steps_per_frame=[4, 1, 2])
    targets = _targets(3, 4)
    if absent == 'some':
        targets[0, 1] = False  # object 1 absent from frame 0
        targets[:, 3] = False  # object 3 absent everywhere
    elif absent == 'all':
        targets[:] = False
    expected = meta(_meta_outputs(frames), targets)
    got = ours(frames, targets)
    assert set(got) == set(WEIGHTS)
    for key, weight in WEIGHTS.items():
        torch.testing.assert_close(got[key], expected[key] * weight, rtol=TOL, atol=TOL)
    total = sum(got.values())
    scale = max(1.0, expected['core_loss'].abs().item())
    diff = (total - expected['core_loss']).abs().item()
    print(f'loss parity {options} absent={absent}: total {scale:.3f}, |ours - meta| {diff:.1e}')
    assert diff <= TOL * scale


@pytest.mark.parity
def test_loss_functions_match_meta() -> None:
    meta = import_meta_loss_fns()
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(5, 3, 8, 8, generator=g) * 3
    target = (torch.rand(5, 3, 8, 8, generator=g) > 0.5).float()
    ious = torch.rand(5, 3, generator=g)
    for multi in (False, True):
        pairs = [
            (
                sigmoid_focal_loss(logits, target, 5.0, loss_on_multimask=multi),
                meta.sigmoid_focal_loss(logits, target, 5.0, loss_on_multimask=multi),
            ),
            (
                dice_loss(logits, target, 5.0, multi),
                meta.dice_loss(logits, target if multi else target.flatten(1), 5.0, multi),
            ),
            (
                iou_loss(logits, target, ious, 5.0, multi, True),
                meta.iou_loss(logits, target, ious, 5.0, multi, True),
            ),
        ]
        for ours, ref in pairs:
            torch.testing.assert_close(ours, ref, rtol=TOL, atol=TOL)


def test_only_best_candidate_gets_mask_gradient() -> None:
    loss = SAM2MultiStepLoss(supervise_all_iou=False)
    target = torch.zeros(1, 1, 8, 8, dtype=torch.bool)
    target[0, 0, 2:6, 2:6] = True
    good = target[0].float() * 20 - 10  # matches the target
    masks = torch.stack([-good[0], good[0], torch.zeros(8, 8)])[None].requires_grad_()
    step = Step(masks, torch.full((1, 3), 0.5, requires_grad=True), torch.ones(1, 1))
    losses = loss([[step]], target)
    (losses['loss_mask'] + losses['loss_dice']).backward()
    grad_per_candidate = masks.grad.abs().flatten(2).sum(-1)[0]
    assert grad_per_candidate[1] > 0
    assert grad_per_candidate[0] == 0 and grad_per_candidate[2] == 0


def test_absent_objects_only_supervise_object_score() -> None:
    loss = SAM2MultiStepLoss()
    target = torch.zeros(1, 2, 8, 8, dtype=torch.bool)
    target[0, 0, :4] = True  # object 0 present, object 1 absent
    frames = _predictions(1, 2, [2], size=8)
    for s in frames[0]:
        s.multimasks_high_res.requires_grad_()
        s.object_score_logits.requires_grad_()
    losses = loss(frames, target)
    (losses['loss_mask'] + losses['loss_dice'] + losses['loss_iou']).backward()
    for s in frames[0]:
        assert s.multimasks_high_res.grad[1].abs().sum() == 0
        assert s.multimasks_high_res.grad[0].abs().sum() > 0
    losses = loss(frames, torch.zeros_like(target))
    assert losses['loss_mask'] == 0 and losses['loss_dice'] == 0 and losses['loss_iou'] == 0
    assert losses['loss_class'] > 0


def test_normalised_by_number_of_objects() -> None:
    loss = SAM2MultiStepLoss()
    frames = _predictions(2, 3, [1, 1])
    targets = _targets(2, 3)
    one = loss(frames, targets)
    # the same objects twice: per-object sums double, the normaliser too
    doubled = [
        [Step(*(torch.cat([getattr(s, f)] * 2) for f in Step.__dataclass_fields__)) for s in steps]
        for steps in frames
    ]
    two = loss(doubled, torch.cat([targets, targets], dim=1))
    for key in one:
        torch.testing.assert_close(one[key], two[key], rtol=1e-6, atol=1e-6)


def test_config_and_errors() -> None:
    loss = MODELS.build(
        dict(type='SAM2MultiStepLoss', weight_dict=dict(loss_mask=1, loss_dice=1, loss_iou=1))
    )
    assert loss.weight_dict['loss_class'] == 0.0
    with pytest.raises(ValueError, match='loss_dice'):
        SAM2MultiStepLoss(weight_dict=dict(loss_mask=1.0))
    with pytest.raises(ValueError, match='frames'):
        loss(_predictions(2, 1, [1, 1]), _targets(3, 1))
