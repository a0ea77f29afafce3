"""projects/long_video_memory: pathway scores, selection, lineage and tracking."""

import os.path as osp

import torch
from memory_policy_helpers import ROOT, synthetic_clip, tiny_model, track
from mmengine.config import Config
from policy_project_helpers import run_policy_config_test, sam2_and_policy_tracks

from mmsam2.apis import SAM2VideoPredictor
from mmsam2.registry import MODELS
from mmsam2.structures import MemoryBank
from projects.long_video_memory.long_video_memory import (
    LongVideoMemoryPolicy,
    Pathways,
    candidate_scores,
    select_pathways,
)

CONFIGS = osp.join(ROOT, 'projects', 'long_video_memory', 'configs')
TINY_CONFIG = osp.join(CONFIGS, 'sam2.1-long-video_hiera-t-tiny_vos_synthetic-hard-val.py')


def test_candidate_scores_add_log_iou_and_collapse_absent_objects() -> None:
    base = torch.tensor([0.0, -1.0])
    ious = torch.tensor([[0.5, 1.0, 0.25], [0.2, 0.9, 0.3]])
    scores = candidate_scores(base, ious, torch.tensor([3.0, -3.0]), eps=0.0)
    assert torch.allclose(scores[0], torch.log(ious[0]))
    assert torch.isinf(scores[1, 0]) and torch.isinf(scores[1, 2])  # absent: one candidate
    assert scores[1, 1] == -1.0 + torch.log(torch.tensor(0.9))


def test_select_pathways_keeps_the_best_or_diverse_ones() -> None:
    # two objects; object 0 runs rows 0 and 1, object 1 runs row 2
    scores = torch.tensor([[-0.1, -2.0, -3.0], [-0.2, -0.3, -4.0], [-1.0, -0.5, -9.0]])
    ious = torch.tensor([[0.9, 0.1, 0.05], [0.9, 0.7, 0.02], [0.4, 0.6, 0.0]])
    owner = torch.tensor([0, 0, 1])
    sure = torch.tensor([5.0, 5.0, 5.0])
    src, cand, score, valid = select_pathways(scores, ious, sure, owner, 2, 3, uncertainty=2.0)
    assert src[0].tolist() == [0, 1, 1] and cand[0].tolist() == [0, 0, 1]
    assert torch.allclose(score[0], torch.tensor([0.0, -0.1, -0.2]))
    assert src[1].tolist() == [2, 2, 2] and cand[1].tolist() == [1, 0, 2]
    assert valid.all()
    # uncertain presence: identical (presence, IoU) candidates are not kept twice
    unsure = torch.tensor([0.5, 0.5, 0.5])
    src, cand, _, valid = select_pathways(scores, ious, unsure, owner, 2, 3, uncertainty=2.0)
    kept = list(zip(src[0].tolist(), cand[0].tolist()))
    assert kept == [(0, 0), (1, 1), (0, 1)]  # (1, 0) has the IoU of (0, 0): skipped
    assert valid.all()
    # fewer candidates than pathways: the rest are unused copies of pathway 0
    absent = torch.tensor([[0.0, -float('inf'), -float('inf')]])
    src, cand, score, valid = select_pathways(
        absent, ious[:1], torch.tensor([-5.0]), torch.tensor([0]), 1, 3, uncertainty=2.0
    )
    assert valid[0].tolist() == [True, False, False] and torch.isinf(score[0, 1:]).all()


def test_lineage_follows_parents() -> None:
    policy = LongVideoMemoryPolicy(num_pathways=2)

    def frame(fill: float, parent) -> object:
        paths = Pathways(
            memory=torch.full((1, 2, 1, 1, 1), fill) + torch.tensor([0.0, 0.5]).view(1, 2, 1, 1, 1),
            obj_ptr=torch.zeros(1, 2, 4),
            score=torch.zeros(1, 2),
            parent=torch.tensor([parent]),
            valid=torch.ones(1, 2, dtype=torch.bool),
            admit=torch.ones(1, 2, dtype=torch.bool),
        )
        out = type('Out', (), {})()
        out.policy_state = paths.to_state()
        out.maskmem_pos_enc = [torch.zeros(1, 1, 1, 1)]
        return out

    # frame 3's pathways continue pathways (1, 0) of frame 2, which continue (0, 0) of frame 1
    memory = MemoryBank(
        non_cond_frames={1: frame(1, [0, 0]), 2: frame(2, [0, 0]), 3: frame(3, [1, 0])}
    )
    start = torch.tensor([[0, 1]])
    sources = policy.lineage_sources(4, memory, {}, False, start)
    assert [s.frame_idx for s in sources] == [3, 2, 1]
    assert sources[0].rows == [0, 1]  # frame 3: its own pathways
    assert sources[1].rows == [1, 0]  # frame 2: their parents
    assert sources[2].rows == [0, 0]
    values = [[s.output.maskmem_features[r].item() for r in s.rows] for s in sources]
    assert values == [[3.0, 3.5], [2.5, 2.0], [1.0, 1.0]]


def test_one_pathway_admitting_everything_is_sam2() -> None:
    policy = dict(
        type='LongVideoMemoryPolicy',
        num_pathways=1,
        memory_iou_thresh=-1.0,
        memory_obj_score_thresh=-float('inf'),
    )
    reference, result = sam2_and_policy_tracks(policy)
    assert all(torch.equal(a, b) for a, b in zip(reference, result))


def test_pathways_are_tracked_and_objects_keep_their_own() -> None:
    frames, masks = synthetic_clip(num_frames=12, num_distractors=1)
    model = tiny_model(dict(type='LongVideoMemoryPolicy', num_pathways=3))
    together = track(model, frames, masks)
    alone = track(model, frames, masks, together=False)
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(together, alone))
    predictor = SAM2VideoPredictor(model)
    state = predictor.init_state(list(frames))
    for obj_id, mask in masks.items():
        predictor.add_new_mask(state, 0, obj_id, mask)
    for _ in predictor.propagate_in_video(state):
        pass
    out = state.objects[1].outputs.non_cond[len(frames) - 1]
    paths = Pathways.of(out)
    assert paths.memory.shape[:2] == (1, 3) and paths.valid.all()
    assert paths.score[0, 0] == 0 and (paths.score[0, 1:] <= 0).all()
    assert torch.equal(out.maskmem_features, paths.memory[:, 0])


def test_config_builds_the_policy() -> None:
    cfg = Config.fromfile(TINY_CONFIG)
    model = MODELS.build(cfg.model)
    assert isinstance(model.memory_policy, LongVideoMemoryPolicy)
    assert model.memory_policy.num_pathways == 3
    assert model.memory_policy.reach(model) == 64


def test_tools_test_runs_the_policy(tmp_path) -> None:
    result = run_policy_config_test(TINY_CONFIG, str(tmp_path))
    assert 0.0 <= result['JF'] <= 100.0


def test_a_correction_reads_the_best_pathway() -> None:
    frames, masks = synthetic_clip(num_frames=8)
    predictor = SAM2VideoPredictor(tiny_model(dict(type='LongVideoMemoryPolicy')))
    state = predictor.init_state(list(frames))
    predictor.add_new_mask(state, 0, 1, masks[1])
    for _ in predictor.propagate_in_video(state):
        pass
    predictor.add_new_points_or_box(state, 4, 1, points=[[20, 20]], labels=[1])
    corrected = state.objects[1].temp_outputs.non_cond[4]
    assert Pathways.of(corrected) is None  # SAM 2's step on the best pathway's memory
    tracked = [t for t, _, _ in predictor.propagate_in_video(state, start_frame_idx=4)]
    assert tracked == list(range(4, 8))
    assert Pathways.of(state.objects[1].outputs.non_cond[7]).valid.all()
