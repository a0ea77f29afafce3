import pytest

from mmsam2.models.utils.memory_selection import (
    recent_memory_frame_indices,
    select_closest_cond_frames,
)


def test_select_all_when_under_limit() -> None:
    cond = {0: 'a', 10: 'b'}
    selected, unselected = select_closest_cond_frames(5, cond, -1)
    assert selected == cond and unselected == {}
    selected, unselected = select_closest_cond_frames(5, cond, 2)
    assert selected == cond and unselected == {}


def test_select_nearest_before_after_then_closest() -> None:
    cond = {t: t for t in (0, 4, 9, 12, 30)}
    selected, unselected = select_closest_cond_frames(10, cond, 3)
    # nearest before (9), nearest at/after (12), then the closest other (4)
    assert sorted(selected) == [4, 9, 12]
    assert sorted(unselected) == [0, 30]


def test_select_rejects_limit_of_one() -> None:
    with pytest.raises(ValueError, match='at least 2'):
        select_closest_cond_frames(3, {0: 0, 1: 1, 2: 2}, 1)


def test_recent_frames_forward_stride_one() -> None:
    pairs = recent_memory_frame_indices(10, num_maskmem=7, stride=1, reverse=False)
    assert pairs == [(1, 4), (2, 5), (3, 6), (4, 7), (5, 8), (6, 9)]


def test_recent_frames_reverse_and_stride() -> None:
    assert recent_memory_frame_indices(10, 4, 1, True) == [(1, 13), (2, 12), (3, 11)]
    # stride 5: the previous frame, then every 5th frame further back
    assert recent_memory_frame_indices(12, 4, 5, False) == [(1, 5), (2, 10), (3, 11)]
    assert recent_memory_frame_indices(12, 4, 5, True) == [(1, 20), (2, 15), (3, 13)]
