"""Semi-supervised VOS inference on one benchmark video (Meta's protocol)."""

import time
from typing import Callable, List, Optional, Protocol

import numpy as np
import torch

from mmsam2.structures import VOSVideo

from .video_predictor import SAM2VideoPredictor

FrameCallback = Callable[[int, List[int], np.ndarray], None]


class MaskWriter(Protocol):
    """What :func:`segment_vos_video` needs of a writer (see ``mmsam2.datasets.writers``)."""

    def write(self, video: str, frame_name: str, masks: np.ndarray, object_ids: List[int]):
        """Write one frame's (N, H, W) scores of the given objects."""


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
    objects entering a YouTube-VOS or LVOS video), then all objects are
    propagated forward from the earliest prompt; an object is absent on the
    frames before its own prompt. Frames are decoded lazily and each frame's
    scores are written as soon as they are computed, so memory does not grow
    with the video's length.

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
    start = time.perf_counter()
    object_ids = [int(obj_id) for obj_id in video.info['object_ids']]
    if not object_ids:
        raise ValueError(f'video {video.name} has no annotated object to track')
    names = video.frame_names
    wanted = set(names) if write_all_frames else set(video.info['annotated_frames'])
    state = predictor.init_state(video.frames)
    for obj_id in object_ids:
        first = video.info['first_frame_of_object'][obj_id]
        predictor.add_new_mask(state, first, obj_id, video.first_mask(obj_id))
    written, num_frames = set(), 0
    for frame_idx, obj_ids, logits in predictor.propagate_in_video(state):
        num_frames += 1
        scores = logits[:, 0].float().cpu().numpy()
        ids = [int(i) for i in obj_ids]
        if on_frame is not None:
            on_frame(frame_idx, ids, scores)
        if names[frame_idx] in wanted:
            writer.write(video.name, names[frame_idx], scores, ids)
            written.add(names[frame_idx])
    empty = np.full((len(object_ids), video.info['height'], video.info['width']), -1.0, np.float32)
    for name in sorted(wanted - written):
        writer.write(video.name, name, empty, object_ids)
    predictor.reset_state(state)
    return dict(inference_time=time.perf_counter() - start, num_frames=num_frames)
