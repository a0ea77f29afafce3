"""Life cycle of the tracks of the detector-prompted tracker (pure Python).

A track starts on a detection, lives while SAM 2 propagates its mask, is
*lost* on frames where its mask is empty (SAM 2's object score below 0) and
ends after ``max_lost_frames`` lost frames in a row. Ids count up from 1 and
are never reused, so an id names one object for the whole video.
"""

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional


@dataclass
class Track:
    """One tracked object.

    Attributes:
        track_id (int): Its id (1, 2, ...).
        label (int): Class index of the detection that started it.
        score (float): Score of its latest detection.
        start_frame (int): Frame it started on.
        last_seen (int): Last frame with a non-empty mask.
        lost_frames (int): Frames in a row with an empty mask. Defaults to 0.
        end_frame (int, optional): Frame it ended on; None while live.
            Defaults to None.
    """

    track_id: int
    label: int
    score: float
    start_frame: int
    last_seen: int
    lost_frames: int = 0
    end_frame: Optional[int] = None


class TrackManager:
    """Start, refresh and end tracks.

    Args:
        max_lost_frames (int): A track ends once its mask was empty on this
            many frames in a row. Defaults to 10.
        max_tracks (int): Most live tracks; detections beyond are not
            started. Defaults to 50.
    """

    def __init__(self, max_lost_frames: int = 10, max_tracks: int = 50) -> None:
        if max_lost_frames < 1:
            raise ValueError(f'max_lost_frames must be >= 1, got {max_lost_frames}')
        if max_tracks < 1:
            raise ValueError(f'max_tracks must be >= 1, got {max_tracks}')
        self.max_lost_frames = max_lost_frames
        self.max_tracks = max_tracks
        self.live: Dict[int, Track] = {}
        self.ended: List[Track] = []
        self._next_id = 1

    @property
    def free_slots(self) -> int:
        """How many more tracks may start now."""
        return self.max_tracks - len(self.live)

    def start(self, frame_idx: int, label: int, score: float) -> Track:
        """Start a track on a detection.

        Args:
            frame_idx (int): Frame of the detection.
            label (int): Its class index.
            score (float): Its score.

        Returns:
            Track: The new track with the next id.
        """
        if self.free_slots <= 0:
            raise RuntimeError(f'cannot start a track: {self.max_tracks} tracks are live')
        track = Track(self._next_id, int(label), float(score), frame_idx, frame_idx)
        self.live[track.track_id] = track
        self._next_id += 1
        return track

    def redetect(self, track_id: int, score: float) -> None:
        """Record that a detection matched a live track.

        Args:
            track_id (int): The track.
            score (float): The detection's score.
        """
        self.live[track_id].score = float(score)

    def observe(self, frame_idx: int, visible: Mapping[int, bool]) -> List[Track]:
        """Update the live tracks with whether their mask is empty on a frame.

        Args:
            frame_idx (int): The frame.
            visible (Mapping[int, bool]): Track id -> its mask is not empty;
                every live track must be present.

        Returns:
            List[Track]: The tracks that ended on this frame.
        """
        missing = set(self.live) - set(visible)
        if missing:
            raise KeyError(f'no visibility for live tracks {sorted(missing)}')
        ended = []
        for track in list(self.live.values()):
            if visible[track.track_id]:
                track.lost_frames = 0
                track.last_seen = frame_idx
                continue
            track.lost_frames += 1
            if track.lost_frames >= self.max_lost_frames:
                track.end_frame = frame_idx
                ended.append(self.live.pop(track.track_id))
        self.ended.extend(ended)
        return ended
