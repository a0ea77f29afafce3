"""Track prompted objects through a video; write DAVIS PNGs and an overlay video.

The logic of ``demo/video_demo.py``: prompts given as text
(``'frame:obj_id:x,y,label[;x,y,label...]'`` clicks and
``'frame:obj_id:x0,y0,x1,y1'`` boxes) are parsed, the objects are tracked
forwards (and backwards), each tracked frame's masks are written as a palette
PNG, then every frame is drawn with its masks into an mp4
(:class:`~mmsam2.visualization.video_overlay.OverlayVideoWriter`).
"""

import os
import os.path as osp
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
from tqdm import tqdm

from mmsam2.datasets import VOID_ID, masks_to_id_map, read_palette_mask, write_palette_mask
from mmsam2.visualization.video_overlay import OverlayVideoWriter

from .video_predictor import SAM2VideoPredictor
from .video_state import VideoInferenceState


@dataclass
class VideoPrompt:
    """Clicks and / or a box for one object on one frame.

    Attributes:
        frame_idx (int): Frame index.
        obj_id (int): Object id (1..254, the DAVIS palette ids).
        points (List[List[float]]): (x, y) clicks in video pixels.
        labels (List[int]): 1 (object) or 0 (background) per click.
        box (List[float], optional): (x0, y0, x1, y1) in video pixels.
    """

    frame_idx: int
    obj_id: int
    points: List[List[float]] = field(default_factory=list)
    labels: List[int] = field(default_factory=list)
    box: Optional[List[float]] = None


@dataclass
class VideoDemoResult:
    """What :func:`run_video_demo` wrote.

    Attributes:
        mask_dir (str): Folder of palette PNGs, one per tracked frame.
        video_path (str): The overlay video.
        num_frames (int): Frames in the overlay video.
        num_tracked (int): Frames with masks.
    """

    mask_dir: str
    video_path: str
    num_frames: int
    num_tracked: int


def _numbers(text: str, what: str) -> List[float]:
    try:
        return [float(v) for v in text.split(',')]
    except ValueError as err:
        raise ValueError(f'{what}: expected comma-separated numbers, got {text!r}') from err


def _target(text: str, what: str, form: str) -> Tuple[int, int, str]:
    """Split 'frame:obj_id:rest' into its parts."""
    parts = text.split(':')
    if len(parts) != 3:
        raise ValueError(f'{what} {text!r} must look like {form!r}')
    try:
        frame_idx, obj_id = int(parts[0]), int(parts[1])
    except ValueError as err:
        raise ValueError(f'{what} {text!r}: frame and object id must be integers') from err
    if frame_idx < 0 or not 0 < obj_id < VOID_ID:
        raise ValueError(f'{what} {text!r}: need frame >= 0 and an object id in 1..{VOID_ID - 1}')
    return frame_idx, obj_id, parts[2]


def parse_point_prompt(text: str) -> VideoPrompt:
    """Parse ``'frame:obj_id:x,y,label[;x,y,label...]'``.

    Args:
        text (str): The prompt.

    Returns:
        VideoPrompt: Its clicks.
    """
    form = 'frame:obj_id:x,y,label[;x,y,label...]'
    frame_idx, obj_id, rest = _target(text, 'click prompt', form)
    prompt = VideoPrompt(frame_idx, obj_id)
    for click in rest.split(';'):
        values = _numbers(click, f'click prompt {text!r}')
        if len(values) != 3 or values[2] not in (0, 1):
            raise ValueError(f'click {click!r} in {text!r} must be x,y,label with label 0 or 1')
        prompt.points.append(values[:2])
        prompt.labels.append(int(values[2]))
    return prompt


def parse_box_prompt(text: str) -> VideoPrompt:
    """Parse ``'frame:obj_id:x0,y0,x1,y1'``.

    Args:
        text (str): The prompt.

    Returns:
        VideoPrompt: Its box.
    """
    frame_idx, obj_id, rest = _target(text, 'box prompt', 'frame:obj_id:x0,y0,x1,y1')
    box = _numbers(rest, f'box prompt {text!r}')
    if len(box) != 4:
        raise ValueError(f'box prompt {text!r} needs 4 numbers x0,y0,x1,y1')
    return VideoPrompt(frame_idx, obj_id, box=box)


def merge_prompts(prompts: Iterable[VideoPrompt]) -> List[VideoPrompt]:
    """Gather the prompts of each (frame, object) into one, in order of appearance.

    Args:
        prompts (Iterable[VideoPrompt]): Parsed prompts.

    Returns:
        List[VideoPrompt]: One prompt per (frame, object).
    """
    merged: Dict[Tuple[int, int], VideoPrompt] = OrderedDict()
    for prompt in prompts:
        key = (prompt.frame_idx, prompt.obj_id)
        into = merged.setdefault(key, VideoPrompt(*key))
        if prompt.box is not None:
            if into.box is not None:
                raise ValueError(f'two boxes for object {key[1]} on frame {key[0]}')
            into.box = prompt.box
        into.points += prompt.points
        into.labels += prompt.labels
    return list(merged.values())


def _frame_name(state: VideoInferenceState, frame_idx: int) -> str:
    names = state.frames.frame_names
    return names[frame_idx] if names else f'{frame_idx:05d}'


def _track_to_pngs(
    predictor: SAM2VideoPredictor,
    state: VideoInferenceState,
    mask_dir: str,
    reverse: bool,
    progress: bool,
) -> int:
    """Track all objects one way; write each frame's id map. Returns frames written."""
    start = min(t for obj in state.objects.values() for t in obj.prompted_frames)
    total = start + 1 if reverse else state.num_frames - start
    frames = predictor.propagate_in_video(state, reverse=reverse)
    desc = 'tracking backwards' if reverse else 'tracking'
    count = 0
    for frame_idx, obj_ids, masks in tqdm(frames, desc, total, disable=not progress):
        ids = masks_to_id_map(masks[:, 0].float().cpu().numpy(), obj_ids)
        write_palette_mask(osp.join(mask_dir, f'{_frame_name(state, frame_idx)}.png'), ids)
        count += 1
    return count


def _write_overlay(
    state: VideoInferenceState, mask_dir: str, video_path: str, progress: bool
) -> None:
    """Draw every frame with the masks of its PNG (if any) into a video."""
    obj_ids = np.asarray(state.obj_ids)
    no_ids = np.zeros((state.video_height, state.video_width), np.uint8)
    fps = state.frames.fps or 25.0
    with OverlayVideoWriter(video_path, state.frames, fps=fps) as writer:
        for frame_idx in tqdm(range(state.num_frames), 'writing video', disable=not progress):
            png = osp.join(mask_dir, f'{_frame_name(state, frame_idx)}.png')
            ids = read_palette_mask(png)[0] if osp.isfile(png) else no_ids
            writer.add(
                frame_idx, state.obj_ids, (ids[None] == obj_ids[:, None, None]).astype(float)
            )


def run_video_demo(
    predictor: SAM2VideoPredictor,
    video: str,
    prompts: Iterable[VideoPrompt],
    out_dir: str,
    reverse: bool = False,
    progress: bool = True,
) -> VideoDemoResult:
    """Track prompted objects; write ``masks/<frame>.png`` and ``overlay.mp4`` in ``out_dir``.

    Args:
        predictor (SAM2VideoPredictor): The predictor.
        video (str): Video file or frame folder.
        prompts (Iterable[VideoPrompt]): Clicks and boxes.
        out_dir (str): Output folder (created).
        reverse (bool): Also track backwards from the first prompted frame.
            Defaults to False.
        progress (bool): Show progress bars. Defaults to True.

    Returns:
        VideoDemoResult: Paths and counts.
    """
    state = predictor.init_state(video)
    if state.num_frames is None:
        raise ValueError('the video demo needs a video file or a frame folder, not a stream')
    prompts = merge_prompts(prompts)
    if not prompts:
        raise ValueError('give at least one click or box prompt')
    for p in prompts:
        points = (p.points, p.labels) if p.points else (None, None)
        predictor.add_new_points_or_box(state, p.frame_idx, p.obj_id, *points, box=p.box)
    mask_dir = osp.join(out_dir, 'masks')
    os.makedirs(mask_dir, exist_ok=True)
    tracked = _track_to_pngs(predictor, state, mask_dir, False, progress)
    if reverse:
        tracked += _track_to_pngs(predictor, state, mask_dir, True, progress) - 1
    video_path = osp.join(out_dir, 'overlay.mp4')
    _write_overlay(state, mask_dir, video_path, progress)
    return VideoDemoResult(mask_dir, video_path, state.num_frames, tracked)
