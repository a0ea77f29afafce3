import pytest
import torch

from mmsam2.structures import FrameOutput, MemoryBank, PointPrompts


def test_point_prompts_validation() -> None:
    p = PointPrompts(torch.zeros(2, 3, 2), torch.ones(2, 3, dtype=torch.int32))
    assert p.num_points == 3
    with pytest.raises(ValueError, match='do not match'):
        PointPrompts(torch.zeros(2, 3, 2), torch.ones(2, 2, dtype=torch.int32))
    with pytest.raises(ValueError, match=r'\(B, P, 2\)'):
        PointPrompts(torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.int32))


def _output() -> FrameOutput:
    t = torch.zeros(1, 1, 4, 4)
    return FrameOutput(t, t, torch.zeros(1, 8), torch.zeros(1, 1), t, t, torch.zeros(1, 1))


def test_memory_bank_moves_frames_between_dicts() -> None:
    bank = MemoryBank()
    out = _output()
    bank.add(3, out, is_cond=False)
    assert 3 in bank.non_cond_frames
    bank.add(3, out, is_cond=True)
    assert 3 in bank.cond_frames and 3 not in bank.non_cond_frames
