"""Memory policies: SAM 2's default, selective memory, per-object memories in one batch."""

import pytest
import torch
from memory_policy_helpers import synthetic_clip, tiny_model, track

from mmsam2.apis import SAM2VideoPredictor
from mmsam2.apis.video_state import TrackedOutput
from mmsam2.models.memory_policies import (
    MaskChoice,
    MemoryRead,
    PointerMemory,
    RowMemory,
    SAM2MemoryPolicy,
    SelectiveMemoryPolicy,
    SpatialMemory,
    TrackStep,
    group_row_reads,
    pick_confident_frames,
)
from mmsam2.registry import TASK_UTILS


@TASK_UTILS.register_module(force=True)
class AlternatingMemoryPolicy(SelectiveMemoryPolicy):
    """Object b admits frame t to memory when (t + b) is even: objects of one
    batch remember different frames."""

    def choose_masks(self, model, step: TrackStep, candidates) -> MaskChoice:
        best = super().choose_masks(model, step, candidates).best
        rows = torch.arange(candidates.ious.shape[0], device=candidates.ious.device)
        offset = 0 if step.features.feats[-1].shape[0] > 1 else self.object_offset
        return MaskChoice(best, dict(admit=(rows + step.frame_idx + offset) % 2 == 0))

    object_offset = 0


@pytest.fixture(scope='module')
def clip():
    return synthetic_clip(num_frames=14, num_objects=2)


def test_default_policy_is_sam2s() -> None:
    model = tiny_model()
    assert type(model.memory_policy) is SAM2MemoryPolicy
    explicit = tiny_model(dict(type='SAM2MemoryPolicy'))
    assert type(explicit.memory_policy) is SAM2MemoryPolicy
    assert model.memory_policy.reach(model) == 15  # 16 object pointers
    policy = TASK_UTILS.build(dict(type='SelectiveMemoryPolicy', memory_lookback=20))
    assert tiny_model(policy).memory_policy is policy
    with pytest.raises(ValueError, match='memory_lookback'):
        SelectiveMemoryPolicy(memory_lookback=0)


def test_admitting_every_frame_is_sam2(clip) -> None:
    frames, masks = clip
    reference = track(tiny_model(), frames, masks)
    selective = tiny_model(dict(type='SelectiveMemoryPolicy', memory_lookback=20))
    assert all(torch.equal(a, b) for a, b in zip(reference, track(selective, frames, masks)))
    confident_pointers = tiny_model(
        dict(type='SelectiveMemoryPolicy', memory_lookback=20, confident_pointers=True)
    )
    result = track(confident_pointers, frames, masks)
    assert all(torch.equal(a, b) for a, b in zip(reference, result))


def test_objects_of_a_batch_keep_their_own_memory(clip) -> None:
    frames, masks = clip
    model = tiny_model(dict(type='AlternatingMemoryPolicy', memory_lookback=8))
    together = track(model, frames, masks)
    alone = []
    for offset, obj_id in enumerate(masks):
        model.memory_policy.object_offset = offset
        alone.append(track(model, frames, {obj_id: masks[obj_id]}))
    model.memory_policy.object_offset = 0
    for t, batched in enumerate(together):
        separate = torch.cat([run[t] for run in alone])
        assert torch.allclose(batched, separate, atol=1e-4), t
    # every second frame is forgotten by each object: not SAM 2's result any more
    reference = track(tiny_model(), frames, masks)
    assert not all(torch.equal(a, b) for a, b in zip(reference, together))


def test_predictor_keeps_what_the_policy_can_read(clip) -> None:
    frames, masks = clip
    model = tiny_model(dict(type='SelectiveMemoryPolicy', memory_lookback=5))
    predictor = SAM2VideoPredictor(model)
    assert predictor.memory_reach == 15  # object pointers reach further than 5 frames
    model.memory_policy = SelectiveMemoryPolicy(memory_lookback=20)
    assert SAM2VideoPredictor(model).memory_reach == 20
    policy = dict(type='AlternatingMemoryPolicy', memory_lookback=4)
    model = tiny_model(policy, max_obj_ptrs_in_encoder=3)
    kept = track(model, frames, masks, keep_all_outputs=True)
    pruned = track(model, frames, masks)
    assert all(torch.equal(a, b) for a, b in zip(kept, pruned))
    predictor = SAM2VideoPredictor(model)
    state = predictor.init_state(list(frames))
    predictor.add_new_mask(state, 0, 1, masks[1])
    for _ in predictor.propagate_in_video(state):
        pass
    assert predictor.memory_reach == 4
    last = len(frames) - 1  # kept: within 4 frames of the last tracked frame or of the prompt
    expected = {t for t in range(1, last + 1) if t >= last - 4 or t <= 4}
    assert set(state.objects[1].outputs.non_cond) == expected


def test_pick_confident_frames() -> None:
    confident = torch.tensor([[False, True, True, False, True], [True, True, True, True, True]])
    assert pick_confident_frames(confident, adjacent=True, max_frames=2) == [[0, 1], [0, 1]]
    assert pick_confident_frames(confident, adjacent=False, max_frames=5) == [
        [1, 2, 4],
        [0, 1, 2, 3, 4],
    ]


class _Out:
    """A batch output with the attributes memory reads use."""

    def __init__(self, batch: int, fill: float) -> None:
        self.maskmem_features = torch.full((batch, 2, 3, 3), fill)
        self.maskmem_pos_enc = [torch.zeros(1, 2, 3, 3)]
        self.obj_ptr = torch.full((batch, 4), fill)


def test_group_row_reads_batches_rows_by_memory_size() -> None:
    a, b = _Out(3, 1.0), _Out(3, 2.0)
    shared = MemoryRead(
        [SpatialMemory(torch.zeros(3, 2, 3, 3), torch.zeros(1, 2, 3, 3), 0)],
        [PointerMemory(torch.zeros(3, 4), 5)],
    )
    rows = [
        RowMemory(spatial=[(2, a, 0)], pointers=[(1, a, 0)]),
        RowMemory(spatial=[(1, b, 1), (2, a, 1)], pointers=[]),
        RowMemory(spatial=[(2, b, 2)], pointers=[(3, b, 2)]),
    ]
    reads = group_row_reads(shared, rows)
    assert [read.rows.tolist() for read in reads] == [[0, 2], [1]]
    first, second = reads
    assert [len(first.spatial), len(first.pointers)] == [2, 2]
    assert first.spatial[1].features[:, 0, 0, 0].tolist() == [1.0, 2.0]
    assert first.spatial[1].t_pos == 2
    assert first.pointers[1].t_diff.tolist() == [1, 3]
    assert first.pointers[0].t_diff == 5  # shared pointer, one distance for all rows
    assert second.spatial[1].t_pos == 1 and second.spatial[2].features.shape[0] == 1
    single = group_row_reads(shared, [RowMemory(spatial=[(2, a, i)]) for i in range(3)])
    assert len(single) == 1 and single[0].rows is None


def test_per_row_pointer_distances_match_shared_ones() -> None:
    model = tiny_model()
    ptrs = [PointerMemory(torch.randn(2, model.hidden_dim), t) for t in (1, 3)]
    per_row = [PointerMemory(p.ptr, torch.tensor([p.t_diff, p.t_diff])) for p in ptrs]
    shared_tokens = model._pointer_tokens(ptrs, 20, 2, torch.device('cpu'))
    row_tokens = model._pointer_tokens(per_row, 20, 2, torch.device('cpu'))
    for x, y in zip(shared_tokens, row_tokens):
        assert torch.allclose(x, y, atol=1e-6)


def test_tracked_outputs_carry_policy_state() -> None:
    outs = [
        TrackedOutput(
            pred_masks=torch.zeros(1, 1, 4, 4),
            obj_ptr=torch.zeros(1, 8),
            object_score_logits=torch.zeros(1, 1),
            maskmem_features=torch.zeros(1, 2, 2, 2),
            maskmem_pos_enc=[torch.zeros(1, 2, 2, 2)],
            policy_state={'admit': torch.tensor([i == 0]), 'kf': torch.full((1, 8), float(i))},
        )
        for i in range(2)
    ]
    batch = TrackedOutput.batch(outs, torch.device('cpu'), torch.float32)
    assert batch.policy_state['admit'].tolist() == [True, False]
    assert batch.policy_state['kf'].shape == (2, 8)
    assert batch.select(1).policy_state['kf'][0, 0] == 1.0
    outs[0].policy_state = outs[1].policy_state = None
    assert TrackedOutput.batch(outs, torch.device('cpu'), torch.float32).policy_state is None
