"""Semi-supervised VOS inference on one benchmark video (Meta's protocol)."""

import time
from collections import defaultdict
from typing import Callable, Dict, Iterator, List, Optional, Protocol

import numpy as np
import torch

from mmsam2.models.segmentors.sam2 import NO_OBJ_SCORE
from mmsam2.structures import VOSVideo

from .video_predictor import SAM2VideoPredictor

FrameCallback = Callable[[int, List[int], np.ndarray], None]
# Mask logit of an object on frames before it appears (as SAM 2 scores absent objects).


class MaskWriter(Protocol):
    """What :func:`segment_vos_video` needs of a writer (see ``mmsam2.datasets.writers``)."""

    def write(self, video: str, frame_name: str, masks: np.ndarray, object_ids: List[int]):
        """Write one frame's (N, H, W) scores of the given objects."""


def _start_groups(
    predictor: SAM2VideoPredictor, video: VOSVideo, object_ids: List[int]
) -> Dict[int, Iterator]:
    """One session per first-appearance frame, prompted and ready to propagate."""
    first_frame = video.info['first_frame_of_object']
    groups: Dict[int, List[int]] = defaultdict(list)
    for obj_id in object_ids:
        groups[first_frame[obj_id]].append(obj_id)
    runs = {}
    for start in sorted(groups):
        state = predictor.init_state(video.frames)
        for obj_id in groups[start]:
            predictor.add_new_mask(state, start, obj_id, video.first_mask(obj_id))
        runs[start] = predictor.propagate_in_video(state, start_frame_idx=start)
    return runs


def _next_frame(runs: Dict[int, Iterator], frame_idx: int, object_ids: List[int], shape):
    """Scores (N, H, W) of all objects on a frame; objects not started yet are absent."""
    scores = {}
    for start, run in runs.items():
        if start > frame_idx:
            continue
        got_idx, obj_ids, logits = next(run)
        if got_idx != frame_idx:
            raise RuntimeError(f'propagation out of step: frame {got_idx} for {frame_idx}')
        for obj_id, score in zip(obj_ids, logits[:, 0].float().cpu().numpy()):
            scores[int(obj_id)] = score
    absent = np.full(shape, NO_OBJ_SCORE, np.float32)
    return np.stack([scores.get(obj_id, absent) for obj_id in object_ids])


@torch.inference_mode()
def segment_vos_video(
    predictor: SAM2VideoPredictor,
    video: VOSVideo,
    writer: MaskWriter,
    write_all_frames: bool = False,
    on_frame: Optional[FrameCallback] = None,
) -> dict:
    """Track every object of a video from its first annotated mask.

    As in Meta's VOS evaluation: each object is prompted with its ground-truth
    mask on the frame where it first appears (frame 0 for DAVIS, later for
    objects entering a YouTube-VOS or LVOS video) and tracked forward from
    there, with no memory of the frames before it (Meta runs such objects
    separately). Objects sharing a first frame are tracked together in one
    session; sessions starting later run in lockstep with the earlier ones,
    so each frame's scores of all objects are written as soon as they are
    computed and memory does not grow with the video's length.

    Args:
        predictor (SAM2VideoPredictor): The predictor (its
            ``non_overlap_masks`` decides whether objects may overlap).
        video (VOSVideo): The video, its annotations and metadata.
        writer (MaskWriter): Receives ``(video, frame_name, scores (N, H, W),
            object_ids)``; its threshold makes the masks.
        write_all_frames (bool): Write every frame, not only the annotated
            ones. Defaults to False.
        on_frame (FrameCallback, optional): Called with ``(frame_idx,
            object_ids, scores (N, H, W))`` for every tracked frame (e.g. to
            draw overlays). Defaults to None.

    Returns:
        dict: ``inference_time`` (s) and ``num_frames`` (frames tracked).
    """
    start_time = time.perf_counter()
    object_ids = [int(obj_id) for obj_id in video.info['object_ids']]
    if not object_ids:
        raise ValueError(f'video {video.name} has no annotated object to track')
    names = video.frame_names
    wanted = set(names) if write_all_frames else set(video.info['annotated_frames'])
    shape = (video.info['height'], video.info['width'])
    runs = _start_groups(predictor, video, object_ids)
    first = min(runs)
    for frame_idx in range(first, len(names)):
        scores = _next_frame(runs, frame_idx, object_ids, shape)
        if on_frame is not None:
            on_frame(frame_idx, object_ids, scores)
        if names[frame_idx] in wanted:
            writer.write(video.name, names[frame_idx], scores, object_ids)
    empty = np.full((len(object_ids), *shape), NO_OBJ_SCORE, np.float32)
    for name in names[:first]:
        if name in wanted:
            writer.write(video.name, name, empty, object_ids)
    return dict(inference_time=time.perf_counter() - start_time, num_frames=len(names) - first)
