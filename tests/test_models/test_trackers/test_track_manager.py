"""Track life cycle: ids, lost counting, ending and the track limit."""

import pytest

from mmsam2.models.trackers import TrackManager


def test_ids_count_up_and_are_never_reused() -> None:
    manager = TrackManager(max_lost_frames=1)
    first = manager.start(0, label=2, score=0.9)
    second = manager.start(0, label=0, score=0.6)
    assert (first.track_id, second.track_id) == (1, 2)
    assert manager.observe(1, {1: False, 2: True}) == [first]
    assert manager.start(1, 1, 0.7).track_id == 3
    assert list(manager.live) == [2, 3] and manager.ended == [first]


def test_track_ends_after_max_lost_frames_in_a_row() -> None:
    manager = TrackManager(max_lost_frames=3)
    track = manager.start(0, 0, 0.9)
    assert manager.observe(1, {1: False}) == []
    assert manager.observe(2, {1: False}) == []
    assert manager.observe(3, {1: True}) == []  # seen again: the count restarts
    assert (track.lost_frames, track.last_seen) == (0, 3)
    for t in (4, 5):
        assert manager.observe(t, {1: False}) == []
    assert manager.observe(6, {1: False}) == [track]
    assert (track.end_frame, track.last_seen, manager.live) == (6, 3, {})


def test_redetection_updates_the_score_only() -> None:
    manager = TrackManager()
    track = manager.start(0, label=1, score=0.5)
    manager.redetect(1, 0.8)
    assert (track.score, track.label, track.start_frame) == (0.8, 1, 0)


def test_track_limit_and_checks() -> None:
    manager = TrackManager(max_tracks=2)
    manager.start(0, 0, 1.0)
    manager.start(0, 0, 1.0)
    assert manager.free_slots == 0
    with pytest.raises(RuntimeError, match='2 tracks are live'):
        manager.start(0, 0, 1.0)
    with pytest.raises(KeyError, match='no visibility'):
        manager.observe(1, {1: True})
    with pytest.raises(ValueError, match='max_lost_frames'):
        TrackManager(max_lost_frames=0)
    with pytest.raises(ValueError, match='max_tracks'):
        TrackManager(max_tracks=0)
