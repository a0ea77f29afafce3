"""The per-video loop of the detector-prompted tracker: detect, segment, match, track."""

from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np
import torch
from mmdet.structures.mask import mask2bbox
from mmengine.structures import InstanceData

from .frame_detector import Detections, FrameDetector
from .matching import MATCHERS, associate
from .propagation_session import PropagationSession
from .track_manager import TrackManager

PROMPT_TYPES = ('box', 'mask')


def stack_masks(masks: List[np.ndarray], size: Tuple[int, int]) -> np.ndarray:
    """Stack (H, W) bool masks into (N, H, W), also when there are none.

    Args:
        masks (List[np.ndarray]): The masks.
        size (Tuple[int, int]): (H, W).

    Returns:
        np.ndarray: (N, H, W) bool.
    """
    return np.stack(masks) if masks else np.zeros((0, *size), bool)


@dataclass
class TrackLifecycleSettings:
    """When to detect and how detections become tracks.

    Attributes:
        detect_interval (int): Detect on frames 0, K, 2K, ... Defaults to 5.
        match_iou_thr (float): Smallest mask IoU between a detection's SAM 2
            mask and a track's propagated mask for a match. Defaults to 0.5.
        new_track_score_thr (float): Smallest score of an unmatched detection
            that starts a track. Defaults to 0.5.
        matcher (str): 'hungarian' or 'greedy'. Defaults to 'hungarian'.
        max_lost_frames (int): A track ends after this many frames in a row
            with an empty mask. Defaults to 10.
        max_tracks (int): Most live tracks. Defaults to 50.
        prompt_with (str): Prompt SAM 2 with the detection's 'box', or its
            'mask' when the detector predicts masks (else its box).
            Defaults to 'box'.
    """

    detect_interval: int = 5
    match_iou_thr: float = 0.5
    new_track_score_thr: float = 0.5
    matcher: str = 'hungarian'
    max_lost_frames: int = 10
    max_tracks: int = 50
    prompt_with: str = 'box'

    def __post_init__(self) -> None:
        if self.detect_interval < 1:
            raise ValueError(f'detect_interval must be >= 1, got {self.detect_interval}')
        if self.matcher not in MATCHERS:
            raise ValueError(f'matcher must be one of {MATCHERS}, got {self.matcher!r}')
        if self.prompt_with not in PROMPT_TYPES:
            raise ValueError(f'prompt_with must be one of {PROMPT_TYPES}, got {self.prompt_with!r}')


class DetectAndTrack:
    """Track the detected objects of one video, one frame after the other.

    On every frame SAM 2 propagates the masks of the live tracks, and tracks
    whose mask stayed empty for ``max_lost_frames`` frames end. On detection
    frames each detection is segmented by SAM 2 from its box (or mask);
    detections whose mask overlaps a track's propagated mask are that track
    seen again, the others may start tracks (prompted on this frame, with no
    memory of earlier frames); ids never change.

    Args:
        session (PropagationSession): SAM 2 session on the video.
        detector (FrameDetector): The detector.
        settings (TrackLifecycleSettings): Thresholds and intervals.
    """

    def __init__(
        self, session: PropagationSession, detector: FrameDetector, settings: TrackLifecycleSettings
    ) -> None:
        self.session = session
        self.detector = detector
        self.settings = settings
        self.manager = TrackManager(settings.max_lost_frames, settings.max_tracks)
        self._keys: Dict[int, int] = {}  # track id -> key of its object in the SAM 2 session

    def step(self, frame_idx: int) -> InstanceData:
        """Track (and on detection frames detect) one frame.

        Args:
            frame_idx (int): The next frame (0, 1, 2, ... in order).

        Returns:
            InstanceData: The tracks visible on the frame, by id:
            ``instances_id`` (N, ), ``masks`` (N, H, W) bool, ``bboxes``
            (N, 4) from the masks, ``scores`` (N, ) of their latest detection
            and ``labels`` (N, ).
        """
        masks = self._propagate(frame_idx)
        ended = self.manager.observe(frame_idx, {tid: m.any() for tid, m in masks.items()})
        for track in ended:
            self.session.remove_object(self._keys.pop(track.track_id))
            del masks[track.track_id]
        if frame_idx % self.settings.detect_interval == 0:
            masks.update(self._detect(frame_idx, masks))
        return self._instances({tid: m for tid, m in masks.items() if m.any()})

    def _propagate(self, frame_idx: int) -> Dict[int, np.ndarray]:
        """(H, W) bool masks of the live tracks on the frame, by track id."""
        by_key = self.session.propagate(frame_idx)
        return {tid: by_key[key].cpu().numpy() for tid, key in self._keys.items()}

    def _detect(self, frame_idx: int, track_masks: Dict[int, np.ndarray]) -> Dict[int, np.ndarray]:
        """Detect, segment and match; start tracks. Returns the new tracks' masks."""
        detections = self.detector(self.session.image(frame_idx), frame_idx)
        if not len(detections):
            return {}
        keys, det_masks = self._segment(frame_idx, detections)
        track_ids = list(track_masks)
        association = associate(
            det_masks,
            detections.scores,
            stack_masks([track_masks[tid] for tid in track_ids], self.session.size),
            self.settings.match_iou_thr,
            self.settings.new_track_score_thr,
            self.settings.matcher,
        )
        for det, column in association.matches:
            self.manager.redetect(track_ids[column], detections.scores[det])
        started = {}
        for det in association.new[: self.manager.free_slots]:
            track = self.manager.start(frame_idx, detections.labels[det], detections.scores[det])
            self._keys[track.track_id] = keys[det]
            started[track.track_id] = det_masks[det]
        kept = set(self._keys.values())
        for key in keys:
            if key not in kept:
                self.session.remove_object(key)
        return started

    def _segment(self, frame_idx: int, detections: Detections) -> Tuple[List[int], np.ndarray]:
        """Add every detection to the session: their keys and SAM 2 masks (N, H, W)."""
        use_masks = self.settings.prompt_with == 'mask' and detections.masks is not None
        keys: List[int] = []
        masks = []
        for i in range(len(detections)):
            prompt = dict(mask=detections.masks[i]) if use_masks else dict(box=detections.bboxes[i])
            key, mask = self.session.add_object(frame_idx, **prompt)
            keys.append(key)
            masks.append(mask.cpu().numpy())
        return keys, stack_masks(masks, self.session.size)

    def _instances(self, masks: Dict[int, np.ndarray]) -> InstanceData:
        """Pack the visible tracks' masks with their ids, boxes, scores and labels."""
        track_ids = sorted(masks)
        tracks = [self.manager.live[tid] for tid in track_ids]
        stacked = torch.from_numpy(stack_masks([masks[t] for t in track_ids], self.session.size))
        return InstanceData(
            instances_id=torch.tensor(track_ids, dtype=torch.long),
            masks=stacked,
            bboxes=mask2bbox(stacked),
            scores=torch.tensor([t.score for t in tracks], dtype=torch.float32),
            labels=torch.tensor([t.label for t in tracks], dtype=torch.long),
        )
