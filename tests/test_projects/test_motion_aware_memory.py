"""projects/motion_aware_memory: Kalman filter, motion-weighted mask choice, memory flags."""

import os.path as osp

import pytest
import torch
from memory_policy_helpers import ROOT, synthetic_clip, tiny_model, track
from mmengine.config import Config
from policy_project_helpers import run_policy_config_test, sam2_and_policy_tracks

from mmsam2.apis import SAM2VideoPredictor
from mmsam2.models.memory_policies import TrackStep
from mmsam2.models.segmentors.sam2 import ImageFeatures, MaskCandidates
from mmsam2.registry import MODELS
from mmsam2.structures import FrameOutput, MemoryBank
from projects.motion_aware_memory.motion_aware_memory import (
    BoxKalmanFilter,
    MotionAwareMemoryPolicy,
    MotionState,
    box_iou,
    masks_to_boxes,
    xyah_to_xyxy,
    xyxy_to_xyah,
)

CONFIGS = osp.join(ROOT, 'projects', 'motion_aware_memory', 'configs')
TINY_CONFIG = osp.join(CONFIGS, 'sam2.1-motion-aware_hiera-t-tiny_vos_synthetic-hard-val.py')


def test_box_helpers() -> None:
    masks = torch.zeros(2, 8, 10, dtype=torch.bool)
    masks[0, 2:5, 3:7] = True
    boxes, empty = masks_to_boxes(masks)
    assert boxes[0].tolist() == [3, 2, 7, 5] and boxes[1].tolist() == [0, 0, 0, 0]
    assert empty.tolist() == [False, True]
    a = torch.tensor([0.0, 0.0, 2.0, 2.0])
    assert box_iou(a, torch.tensor([1.0, 0.0, 3.0, 2.0])) == pytest.approx(1 / 3)
    assert box_iou(a, torch.zeros(4)) == 0
    assert torch.allclose(xyah_to_xyxy(xyxy_to_xyah(boxes[:1])), boxes[:1])


def test_kalman_filter_follows_constant_velocity() -> None:
    kf = BoxKalmanFilter()
    box = torch.tensor([[10.0, 20.0, 30.0, 50.0]])
    velocity = torch.tensor([[2.0, -1.0, 2.0, -1.0]])
    mean, cov = kf.initiate(xyxy_to_xyah(box))
    for t in range(1, 12):
        mean, cov = kf.predict(mean, cov)
        mean, cov = kf.update(mean, cov, xyxy_to_xyah(box + t * velocity))
    predicted, _ = kf.predict(mean, cov)
    truth = box + 12 * velocity
    assert torch.allclose(xyah_to_xyxy(predicted[:, :4]), truth, atol=0.5)
    assert torch.allclose(cov, cov.transpose(1, 2), atol=1e-4)
    assert (torch.linalg.eigvalsh(cov) > 0).all()


def _step(memory: MemoryBank, batch: int = 1) -> TrackStep:
    feats = ImageFeatures([torch.zeros(batch, 1, 1, 1)], [torch.zeros(batch, 1, 1, 1)])
    return TrackStep(5, False, feats, None, None, memory, 10)


def _previous(policy: MotionAwareMemoryPolicy, box, stable: int) -> FrameOutput:
    """An output of frame 4 whose filter sits still at ``box`` (low-res pixels)."""
    mean, cov = policy.kalman.initiate(xyxy_to_xyah(torch.tensor([box], dtype=torch.float)))
    state = MotionState(
        mean, cov, torch.tensor([True]), torch.tensor([stable]), torch.tensor([True])
    ).to_state()
    zeros = torch.zeros(1, 1, 16, 16)
    return FrameOutput(
        zeros, zeros, torch.zeros(1, 8), torch.ones(1, 1), zeros, zeros, None, policy_state=state
    )


def _candidates(ious) -> MaskCandidates:
    """Two masks: 0 far from the filter's box (top left), 1 on it (bottom right)."""
    masks = torch.full((1, 2, 16, 16), -10.0)
    masks[0, 0, 0:4, 0:4] = 10.0
    masks[0, 1, 10:14, 10:14] = 10.0
    return MaskCandidates(
        masks, masks, torch.tensor([ious]), torch.zeros(1, 2, 8), torch.ones(1, 1)
    )


def test_motion_weighs_the_mask_choice() -> None:
    policy = MotionAwareMemoryPolicy(stable_frames_thresh=3)
    candidates = _candidates([0.80, 0.72])
    stable = MemoryBank(non_cond_frames={4: _previous(policy, [10, 10, 14, 14], stable=3)})
    best, state = policy.choose_masks(None, _step(stable), candidates)
    assert best.tolist() == [1]  # 0.25 * 1 + 0.75 * 0.72 > 0.75 * 0.80
    assert state['kf_iou'].item() == pytest.approx(1.0) and state['admit'].item()
    assert state['kf_stable'].item() == 4
    # before the filter is stable, the highest predicted IoU wins and motion is not scored
    young = MemoryBank(non_cond_frames={4: _previous(policy, [10, 10, 14, 14], stable=2)})
    best, state = policy.choose_masks(None, _step(young), candidates)
    assert best.tolist() == [0] and torch.isnan(state['kf_iou']).all()
    # no earlier filter: the choice starts one
    best, state = policy.choose_masks(None, _step(MemoryBank()), candidates)
    assert best.tolist() == [0] and state['kf_known'].item() and state['kf_stable'].item() == 1


def test_memory_admission_thresholds() -> None:
    policy = MotionAwareMemoryPolicy(stable_frames_thresh=3)
    memory = MemoryBank(non_cond_frames={4: _previous(policy, [10, 10, 14, 14], stable=5)})
    _, state = policy.choose_masks(None, _step(memory), _candidates([0.40, 0.45]))
    assert not state['admit'].item()  # predicted IoU below 0.5
    assert state['kf_stable'].item() == 6  # still confident enough (> 0.3) for the filter
    far = MemoryBank(non_cond_frames={4: _previous(policy, [0, 12, 3, 15], stable=5)})
    _, state = policy.choose_masks(None, _step(far), _candidates([0.9, 0.1]))
    assert state['kf_iou'].item() == 0 and not state['admit'].item()  # motion disagrees
    _, state = policy.choose_masks(None, _step(memory), _candidates([0.2, 0.25]))
    assert state['kf_stable'].item() == 0  # not confident: the filter restarts later


def test_reduces_to_sam2_without_motion_and_thresholds() -> None:
    policy = dict(
        type='MotionAwareMemoryPolicy',
        kf_score_weight=0.0,
        memory_iou_thresh=-1.0,
        memory_obj_score_thresh=-float('inf'),
        memory_kf_score_thresh=-1.0,
    )
    reference, result = sam2_and_policy_tracks(policy)
    assert all(torch.equal(a, b) for a, b in zip(reference, result))


def test_objects_of_a_batch_keep_their_own_filter() -> None:
    frames, masks = synthetic_clip(num_frames=12, num_distractors=1)
    model = tiny_model(dict(type='MotionAwareMemoryPolicy', stable_frames_thresh=2))
    together = track(model, frames, masks)
    alone = track(model, frames, masks, together=False)
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(together, alone))


def test_config_builds_the_policy() -> None:
    cfg = Config.fromfile(TINY_CONFIG)
    assert cfg.model.memory_policy.type == 'MotionAwareMemoryPolicy'
    model = MODELS.build(cfg.model)
    assert isinstance(model.memory_policy, MotionAwareMemoryPolicy)
    assert model.memory_policy.kf_score_weight == 0.25
    assert model.memory_policy.reach(model) == 64


def test_tools_test_runs_the_policy(tmp_path) -> None:
    result = run_policy_config_test(TINY_CONFIG, str(tmp_path))
    assert 0.0 <= result['JF'] <= 100.0


def test_a_correction_restarts_the_filter() -> None:
    frames, masks = synthetic_clip(num_frames=8)
    policy = dict(type='MotionAwareMemoryPolicy', stable_frames_thresh=2, stable_iou_thresh=-1.0)
    predictor = SAM2VideoPredictor(tiny_model(policy))
    state = predictor.init_state(list(frames))
    predictor.add_new_mask(state, 0, 1, masks[1])
    for _ in predictor.propagate_in_video(state):
        pass
    tracked = state.objects[1].outputs.non_cond
    assert [tracked[t].policy_state['kf_stable'].item() for t in (1, 2, 3)] == [2, 3, 4]
    predictor.add_new_points_or_box(state, 4, 1, points=[[20, 20]], labels=[1])
    corrected = state.objects[1].temp_outputs.non_cond[4].policy_state
    assert corrected['admit'].item() and corrected['kf_stable'].item() == 1
