"""mmdet tracking samples of a benchmark video: metainfo and ground truth per frame.

The detector-prompted tracker returns one mmdet ``TrackDataSample`` per
video; each frame's ``DetDataSample`` carries the metainfo mmdet's video
metrics read (``frame_id``, ``img_id``, ``video_id``, ``ori_shape``,
``ori_video_length``) and, on annotated frames, the ground truth as
``instances``: one dict per visible object with ``instance_id``, ``bbox``,
``bbox_label``, ``mask`` (COCO RLE) and ``ignore_flag``, the format of
mmdet's ``YouTubeVISMetric``.
"""

from typing import List, Optional, Sequence

import numpy as np
from mmdet.structures import DetDataSample

from mmsam2.structures import VOSVideo
from mmsam2.utils.rle import encode_rle

INSTANCE_ID_STRIDE = 100000
"""Ground-truth instance ids are ``(video_id + 1) * stride + object id``, unique
across the videos of a run as mmdet's VIS metric needs."""


def mask_bbox(mask: np.ndarray) -> List[float]:
    """Box (x0, y0, x1, y1) around a non-empty mask (x1, y1 exclusive)."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return [float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1)]


def frame_metainfo(video: VOSVideo, frame_idx: int, video_id: int) -> dict:
    """Metainfo of one frame's ``DetDataSample``.

    Args:
        video (VOSVideo): The video.
        frame_idx (int): The frame.
        video_id (int): The video's index in the run.

    Returns:
        dict: ``frame_id``, ``img_id``, ``video_id``, ``video_name``,
        ``frame_name``, ``ori_shape``, ``img_shape`` and
        ``ori_video_length``.
    """
    names = video.frame_names
    shape = (video.info['height'], video.info['width'])
    return dict(
        frame_id=frame_idx,
        img_id=video_id * INSTANCE_ID_STRIDE + frame_idx,
        video_id=video_id,
        video_name=video.name,
        frame_name=names[frame_idx],
        ori_shape=shape,
        img_shape=shape,
        ori_video_length=len(names),
    )


def ground_truth_instances(
    video: VOSVideo, frame_idx: int, video_id: int, class_names: Sequence[str]
) -> Optional[List[dict]]:
    """Ground truth of one frame in the format of mmdet's video metrics.

    Args:
        video (VOSVideo): The video (``info['categories']`` maps object ids
            to class names, if known).
        frame_idx (int): The frame.
        video_id (int): The video's index in the run.
        class_names (Sequence[str]): The tracker's classes; an object's
            ``bbox_label`` is the index of its category there, -1 when it has
            none or an unknown one.

    Returns:
        List[dict], optional: One dict per object visible on the frame; None
        when the frame is not annotated.
    """
    name = video.frame_names[frame_idx]
    if name not in set(video.info['annotated_frames']):
        return None
    categories = video.info.get('categories') or {}
    names = list(class_names)
    instances = []
    for obj_id, mask in sorted(video.annotations[name].items()):
        mask = np.asarray(mask, bool)
        if not mask.any():
            continue
        category = categories.get(obj_id)
        instances.append(
            dict(
                instance_id=(video_id + 1) * INSTANCE_ID_STRIDE + int(obj_id),
                bbox=mask_bbox(mask),
                bbox_label=names.index(category) if category in names else -1,
                mask=encode_rle(mask),
                ignore_flag=0,
            )
        )
    return instances


def frame_sample(video: VOSVideo, frame_idx: int, video_id: int, class_names: Sequence[str]):
    """An empty ``DetDataSample`` of a frame: metainfo and ground truth.

    Args:
        video (VOSVideo): The video.
        frame_idx (int): The frame.
        video_id (int): The video's index in the run.
        class_names (Sequence[str]): The tracker's classes.

    Returns:
        DetDataSample: With metainfo (and ``instances`` on annotated frames).
    """
    sample = DetDataSample(metainfo=frame_metainfo(video, frame_idx, video_id))
    instances = ground_truth_instances(video, frame_idx, video_id, class_names)
    if instances is not None:
        sample.set_metainfo(dict(instances=instances))
    return sample
