"""Write videos in the layout of SA-V train (mp4 + json masklets), e.g. synthetic ones for tests.

:func:`write_sav_train_video` writes one video from frames and masks;
:func:`generate_synthetic_sav_train` renders synthetic videos
(:func:`mmsam2.datasets.synthetic.render_video`) into a small SA-V train.
"""

import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import av
import numpy as np

from mmsam2.utils.rle import encode_rle

from .sav_train_masklets import AUTO, MANUAL, SAV_ANN_EVERY, masklet_json_path
from .synthetic import SyntheticVideo, render_video

SAV_FPS = 24
SIZE_BUCKETS = ((32**2, 'small'), (96**2, 'medium'))
"""SA-V's ``masklet_size_bucket``: below 32^2 px small, below 96^2 medium, else large."""


def write_mp4(
    path: str,
    frames: Sequence[np.ndarray],
    fps: int = SAV_FPS,
    gop_size: int = 12,
    crf: int = 18,
) -> None:
    """Encode RGB frames as an H.264 mp4 (MPEG-4 part 2 where libx264 is missing).

    Args:
        path (str): Output file (its folder is created).
        frames (Sequence[np.ndarray]): (H, W, 3) uint8 RGB frames of one
            size, H and W even.
        fps (int): Frame rate. Defaults to 24.
        gop_size (int): Frames between keyframes. Defaults to 12.
        crf (int): H.264 quality (lower is better). Defaults to 18.
    """
    height, width = frames[0].shape[:2]
    if height % 2 or width % 2:
        raise ValueError(f'mp4 frames need an even height and width, got {height}x{width}')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    codec = 'libx264' if 'libx264' in av.codecs_available else 'mpeg4'
    options = {'crf': str(crf)} if codec == 'libx264' else {}
    with av.open(path, 'w') as container:
        stream = container.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, 'yuv420p'
        stream.codec_context.gop_size = gop_size
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def masklet_file(
    video_id: str,
    masks: np.ndarray,
    num_frames: int,
    masklet_type: str,
    fps: int = SAV_FPS,
    ann_every: int = SAV_ANN_EVERY,
) -> dict:
    """The content of an SA-V train masklet file.

    Args:
        video_id (str): Video id.
        masks (np.ndarray): (T, K, H, W) masks of K masklets on the T
            annotated frames (frames 0, ann_every, 2 ann_every, ...).
        num_frames (int): Frames of the video.
        masklet_type (str): ``'manual'`` or ``'auto'``.
        fps (int): Frame rate of the video. Defaults to 24.
        ann_every (int): Video frames per annotated frame. Defaults to 4.

    Returns:
        dict: The json content, with SA-V's fields.
    """
    masks = np.asarray(masks, bool)
    num_ann, num_obj, height, width = masks.shape
    areas = masks.reshape(num_ann, num_obj, -1).sum(-1)
    visible = areas > 0
    mean_area, first, changes = [], [], []
    for k in range(num_obj):
        seen = visible[:, k]
        mean_area.append(float(areas[seen, k].mean()) if seen.any() else 0.0)
        first.append(int(np.argmax(seen)))
        changes.append(int(np.abs(np.diff(seen[first[-1] :].astype(int))).sum()))
    buckets = [
        next((name for limit, name in SIZE_BUCKETS if a < limit), 'large') for a in mean_area
    ]
    return dict(
        video_id=video_id,
        video_duration=num_frames / fps,
        video_frame_count=float(num_frames),
        video_height=float(height),
        video_width=float(width),
        video_resolution=float(height * width),
        video_environment='Indoor',
        video_split='train',
        masklet=[[encode_rle(mask) for mask in frame] for frame in masks],
        masklet_id=list(range(num_obj)),
        masklet_size_rel=[a / (height * width) for a in mean_area],
        masklet_size_abs=mean_area,
        masklet_size_bucket=buckets,
        masklet_visibility_changes=changes,
        masklet_first_appeared_frame=[float(t) for t in first],
        masklet_frame_count=[num_ann] * num_obj,
        masklet_edited_frame_count=[0] * num_obj,
        masklet_type=[masklet_type] * num_obj,
        masklet_stability_score=[None] * num_obj,
        masklet_num=num_obj,
    )


def write_sav_train_video(
    out_dir: str,
    video_id: str,
    frames: Sequence[np.ndarray],
    manual: np.ndarray,
    auto: Optional[np.ndarray] = None,
    ann_every: int = SAV_ANN_EVERY,
) -> Dict[str, str]:
    """Write one video as SA-V train does: mp4 and json masklet files.

    Args:
        out_dir (str): Output folder (e.g. ``sav_train/sav_000``).
        video_id (str): Video id, e.g. ``sav_000001``.
        frames (Sequence[np.ndarray]): (H, W, 3) uint8 RGB frames (24 fps).
        manual (np.ndarray): (T, K, H, W) manual masklets on the annotated
            frames 0, ann_every, ... (T = ceil(frames / ann_every)).
        auto (np.ndarray, optional): Automatic masklets, the same way.
            Defaults to None (no auto file).
        ann_every (int): Video frames per annotated frame. Defaults to 4.

    Returns:
        Dict[str, str]: ``'video'``, ``'manual'`` (and ``'auto'``) -> file.
    """
    num_ann = -(-len(frames) // ann_every)
    paths = dict(video=osp.join(out_dir, f'{video_id}.mp4'))
    write_mp4(paths['video'], frames)
    for source, masks in ((MANUAL, manual), (AUTO, auto)):
        if masks is None:
            continue
        if len(masks) != num_ann:
            raise ValueError(
                f'{source} masklets cover {len(masks)} frames, expected {num_ann} '
                f'(every {ann_every}th of {len(frames)})'
            )
        paths[source] = masklet_json_path(out_dir, video_id, source)
        content = masklet_file(video_id, masks, len(frames), source, ann_every=ann_every)
        with open(paths[source], 'w', encoding='utf-8') as file:
            json.dump(content, file)
    return paths


def _left_half(mask: np.ndarray) -> np.ndarray:
    """The left half of a mask (a part of the object, as automatic masklets often are).

    Args:
        mask (np.ndarray): (H, W) bool mask.

    Returns:
        np.ndarray: (H, W) bool mask.
    """
    columns = np.flatnonzero(mask.any(axis=0))
    if not len(columns):
        return mask
    middle = (columns[0] + columns[-1] + 1) // 2
    return mask & (np.arange(mask.shape[1]) < middle)


def synthetic_masklets(video: SyntheticVideo, ann_every: int = SAV_ANN_EVERY) -> Tuple:
    """Manual and automatic masklets of a synthetic video.

    Manual masklet k is shape k + 1 (shapes leave the frame, come back and
    appear late); automatic masklet k is the left half of shape k + 1 (it
    overlaps manual masklet k).

    Args:
        video (SyntheticVideo): The video.
        ann_every (int): Video frames per annotated frame. Defaults to 4.

    Returns:
        Tuple[np.ndarray, np.ndarray]: (T, K, H, W) bool manual and auto
        masklets on frames 0, ann_every, ...
    """
    ids = sorted(video.categories)
    maps = video.id_maps[::ann_every]
    manual = np.stack([np.stack([id_map == obj for obj in ids]) for id_map in maps])
    auto = np.stack([np.stack([_left_half(id_map == obj) for obj in ids]) for id_map in maps])
    return manual, auto


def synthetic_sav_train_videos(
    num_videos: int = 4,
    num_frames: int = 24,
    size: Tuple[int, int] = (96, 128),
    max_objects: int = 3,
    seed: int = 0,
) -> List[SyntheticVideo]:
    """Render the videos of :func:`generate_synthetic_sav_train` (e.g. to compare with its files).

    Args:
        num_videos (int): Number of videos. Defaults to 4.
        num_frames (int): Frames per video (24 fps). Defaults to 24.
        size (Tuple[int, int]): (H, W). Defaults to (96, 128).
        max_objects (int): Most shapes in a video. Defaults to 3.
        seed (int): Random seed. Defaults to 0.

    Returns:
        List[SyntheticVideo]: Videos ``sav_000001``, ``sav_000002``, ...
    """
    rng = np.random.default_rng(seed)
    videos = []
    for index in range(num_videos):
        num_objects = max_objects if index == 0 else int(rng.integers(max_objects) + 1)
        videos.append(render_video(f'sav_{index + 1:06d}', rng, num_objects, num_frames, size))
    return videos


def generate_synthetic_sav_train(
    out_dir: str,
    num_videos: int = 4,
    num_frames: int = 24,
    size: Tuple[int, int] = (96, 128),
    max_objects: int = 3,
    seed: int = 0,
    videos_per_folder: int = 2,
    auto: bool = True,
) -> Dict[str, List[str]]:
    """Write synthetic videos in the layout of SA-V train.

    Videos ``sav_000001``, ``sav_000002``, ... (from
    :func:`synthetic_sav_train_videos`) go to folders ``sav_000``,
    ``sav_001``, ... of ``videos_per_folder`` videos (like the extracted
    tars). Each has an mp4 and a manual json (:func:`synthetic_masklets`);
    with ``auto`` every video but the last also has an auto json (SA-V has a
    few videos without). The first video has ``max_objects`` shapes (in
    videos of 10 frames or more, shape 2 leaves the frame and comes back,
    shape 3 first appears later), the others 1 to ``max_objects``. The same
    arguments give the same masks (the mp4 encoding is lossy).

    Args:
        out_dir (str): Output folder.
        num_videos (int): Number of videos. Defaults to 4.
        num_frames (int): Frames per video (24 fps). Defaults to 24.
        size (Tuple[int, int]): (H, W), both even. Defaults to (96, 128).
        max_objects (int): Most shapes in a video. Defaults to 3.
        seed (int): Random seed. Defaults to 0.
        videos_per_folder (int): Videos per sub-folder. Defaults to 2.
        auto (bool): Write auto masklet files. Defaults to True.

    Returns:
        Dict[str, List[str]]: Folder name -> its video ids.
    """
    videos = synthetic_sav_train_videos(num_videos, num_frames, tuple(size), max_objects, seed)
    folders: Dict[str, List[str]] = {}
    for index, video in enumerate(videos):
        manual, auto_masks = synthetic_masklets(video)
        if not auto or index == num_videos - 1:
            auto_masks = None
        folder = f'sav_{index // videos_per_folder:03d}'
        write_sav_train_video(
            osp.join(out_dir, folder), video.name, video.frames, manual, auto_masks
        )
        folders.setdefault(folder, []).append(video.name)
    return folders
