"""A small synthetic VOS benchmark in the layout of DAVIS, YouTube-VOS, MOSE, SA-V or LVOS.

Each video shows textured shapes (ellipses, rectangles, triangles) on a
textured background; they move, scale, rotate and occlude each other.
Object 1 is visible on frame 0; in videos of at least
:data:`MIN_FRAMES_FOR_EVENTS` frames, object 2 leaves the frame and comes
back and object 3 first appears later, on a frame that is a multiple of 5
(so that YouTube-VOS annotates it). The first video of each split has
``max_objects`` objects. Optional *distractors* are unannotated look-alikes
of the objects (same shape and texture, slightly other colours and size)
whose path crosses their model's: they occlude it and are easy to confuse
with it. Everything is drawn with numpy from one seed: the same arguments
give the same bytes.
"""

import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from .mask_io import write_binary_mask, write_palette_mask

SYNTHETIC_CLASSES = ('circle', 'square', 'triangle')
SPLITS = {
    'davis': ('train', 'val'),
    'youtube_vos': ('train', 'valid'),
    'mose': ('train', 'valid'),
    'sav': ('val', 'test'),
    'lvos': ('train', 'valid'),
}
"""Format -> (first split, second split)."""
FORMATS = tuple(SPLITS)
MIN_FRAMES_FOR_EVENTS = 10
YTVOS_STEP = 5
SAV_STEP = 4


@dataclass
class SyntheticVideo:
    """One rendered video.

    Attributes:
        name (str): Video name.
        frames (List[np.ndarray]): (H, W, 3) uint8 RGB frames.
        id_maps (List[np.ndarray]): (H, W) uint8 visible object ids per frame.
        categories (Dict[int, str]): Object id -> shape class.
    """

    name: str
    frames: List[np.ndarray]
    id_maps: List[np.ndarray]
    categories: Dict[int, str]

    def first_frame(self, obj_id: int) -> int:
        """Find the first frame where an object is visible.

        Args:
            obj_id (int): The object.

        Returns:
            int: Frame index.
        """
        return next(t for t, ids in enumerate(self.id_maps) if (ids == obj_id).any())

    def last_frame(self, obj_id: int) -> int:
        """Find the last frame where an object is visible.

        Args:
            obj_id (int): The object.

        Returns:
            int: Frame index.
        """
        return max(t for t, ids in enumerate(self.id_maps) if (ids == obj_id).any())


@dataclass
class _Object:
    """Appearance and motion of one shape.

    Attributes:
        obj_id (int): Id in the masks (0 for an unannotated distractor).
        kind (str): One of :data:`SYNTHETIC_CLASSES`.
        role (str): 'stays' (visible from frame 0), 'leaves' (crosses the
            frame border and comes back), 'appears' (drawn from ``appear``)
            or 'distractor' (an unannotated look-alike of another object).
        appear (int): First frame it is drawn on.
        radius (float): Size in pixels.
        aspect (float): Height / width of the shape.
        center (np.ndarray): (2,) x, y on frame 0.
        amplitude (np.ndarray): (2,) x, y motion amplitude.
        period (np.ndarray): (2,) x, y motion period in frames.
        phase (np.ndarray): (3,) phases of x, y and scale.
        spin (float): Rotation per frame (radians).
        colours (np.ndarray): (2, 3) texture colours in [0, 255].
        pattern (np.ndarray): (3,) texture frequency, angle and kind
            (< 0.5: stripes, else checkerboard).
    """

    obj_id: int
    kind: str
    role: str
    appear: int
    radius: float
    aspect: float
    center: np.ndarray
    amplitude: np.ndarray
    period: np.ndarray
    phase: np.ndarray
    spin: float
    colours: np.ndarray
    pattern: np.ndarray


def _roles(num_objects: int, num_frames: int) -> List[str]:
    """Choose what each object does.

    Object 1 stays in view, object 2 leaves the frame and comes back, object 3
    appears later, further objects stay or leave. Videos shorter than
    :data:`MIN_FRAMES_FOR_EVENTS` only have objects that stay.

    Args:
        num_objects (int): Objects in the video.
        num_frames (int): Frames in the video.

    Returns:
        List[str]: One role per object.
    """
    if num_frames < MIN_FRAMES_FOR_EVENTS:
        return ['stays'] * num_objects
    return (['stays', 'leaves', 'appears'] + ['stays', 'leaves'] * num_objects)[:num_objects]


def _sample_object(
    rng: np.random.Generator, obj_id: int, role: str, size: Tuple[int, int], num_frames: int
) -> _Object:
    """Draw the appearance and motion of one object.

    Args:
        rng (np.random.Generator): Random source.
        obj_id (int): Its id.
        role (str): See :class:`_Object`.
        size (Tuple[int, int]): (H, W) of the frames.
        num_frames (int): Frames in the video.

    Returns:
        _Object: The object.
    """
    height, width = size
    radius = min(size) * rng.uniform(0.13, 0.2)
    aspect = rng.uniform(0.7, 1.3)
    reach = 1.3 * radius * max(1.0, aspect)
    center = np.array([rng.uniform(reach, width - reach), rng.uniform(reach, height - reach)])
    amplitude = rng.uniform(0.05, 0.2, 2) * np.array([width, height])
    period = rng.uniform(0.8, 1.6, 2) * num_frames
    if role == 'leaves':
        center[0] = width / 2
        amplitude[0] = width / 2 + 2.2 * reach
        period[0] = 0.8 * num_frames
    appear = YTVOS_STEP * max(1, num_frames // (2 * YTVOS_STEP)) if role == 'appears' else 0
    return _Object(
        obj_id=obj_id,
        kind=SYNTHETIC_CLASSES[int(rng.integers(len(SYNTHETIC_CLASSES)))],
        role=role,
        appear=appear,
        radius=radius,
        aspect=aspect,
        center=center,
        amplitude=amplitude,
        period=period,
        phase=np.concatenate([[0.0], rng.uniform(0, 2 * np.pi, 2)]),
        spin=rng.uniform(-0.15, 0.15),
        colours=rng.uniform(0, 255, (2, 3)),
        pattern=np.array([rng.uniform(0.3, 0.9), rng.uniform(0, np.pi), rng.uniform()]),
    )


def _position(obj: _Object, t: float) -> np.ndarray:
    """The object's centre (2, ) x, y on frame t.

    Args:
        obj (_Object): The object.
        t (float): Frame index.

    Returns:
        np.ndarray: (2, ) x, y in pixels.
    """
    wave = np.sin(2 * np.pi * t / obj.period + obj.phase[:2])
    return obj.center + obj.amplitude * wave


def _in_view(point: np.ndarray, size: Tuple[int, int]) -> bool:
    """Whether an (x, y) point lies inside frames of ``size`` (H, W)."""
    return 0 <= point[0] < size[1] and 0 <= point[1] < size[0]


def _sample_distractor(
    rng: np.random.Generator, model: _Object, size: Tuple[int, int], num_frames: int
) -> _Object:
    """Draw an unannotated look-alike of ``model`` whose path crosses its path.

    The distractor has the model's shape and texture with slightly other
    colours, size and spin, and is on the model's position at a random
    frame in the middle of the video (when the model's centre is in view),
    moving on its own path otherwise.

    Args:
        rng (np.random.Generator): Random source.
        model (_Object): The annotated object it imitates.
        size (Tuple[int, int]): (H, W) of the frames.
        num_frames (int): Frames in the video.

    Returns:
        _Object: The distractor (id 0, role 'distractor').
    """
    height, width = size
    middle = range(max(model.appear, num_frames // 5), max(num_frames * 4 // 5, model.appear + 1))
    in_view = [t for t in middle if _in_view(_position(model, t), size)]
    crossing = float(rng.choice(in_view or list(middle)))
    period = rng.uniform(0.8, 1.6, 2) * num_frames
    phase_xy = -2 * np.pi * crossing / period
    return _Object(
        obj_id=0,
        kind=model.kind,
        role='distractor',
        appear=0,
        radius=model.radius * rng.uniform(0.85, 1.15),
        aspect=model.aspect * rng.uniform(0.9, 1.1),
        center=_position(model, crossing),
        amplitude=rng.uniform(0.15, 0.3, 2) * np.array([width, height]),
        period=period,
        phase=np.concatenate([phase_xy, rng.uniform(0, 2 * np.pi, 1)]),
        spin=rng.uniform(-0.15, 0.15),
        colours=np.clip(model.colours + rng.uniform(-20, 20, (2, 3)), 0, 255),
        pattern=model.pattern * np.array([rng.uniform(0.9, 1.1), 1.0, 1.0]),
    )


def _local_coords(obj: _Object, t: int, grid: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates in the object's moving, rotating, scaling frame.

    Args:
        obj (_Object): The object.
        t (int): Frame index.
        grid (np.ndarray): (2, H, W) pixel x, y.

    Returns:
        Tuple[np.ndarray, np.ndarray]: (H, W) u and v, in units of the
        unscaled shape.
    """
    cx, cy = _position(obj, t)
    scale = 1.0 + 0.25 * np.sin(2 * np.pi * t / obj.period.mean() + obj.phase[2])
    angle = obj.spin * t
    dx, dy = grid[0] - cx, grid[1] - cy
    u = (dx * np.cos(angle) + dy * np.sin(angle)) / scale
    v = (-dx * np.sin(angle) + dy * np.cos(angle)) / scale
    return u, v


def _shape_mask(obj: _Object, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rasterise the object's shape.

    Args:
        obj (_Object): The object.
        u (np.ndarray): (H, W) local x.
        v (np.ndarray): (H, W) local y.

    Returns:
        np.ndarray: (H, W) bool mask.
    """
    a, b = obj.radius, obj.radius * obj.aspect
    if obj.kind == 'circle':
        return (u / a) ** 2 + (v / b) ** 2 <= 1
    if obj.kind == 'square':
        return (np.abs(u) <= a) & (np.abs(v) <= b)
    angles = np.pi / 2 + np.array([0, 2, 4]) * np.pi / 3
    corners = np.stack([a * np.cos(angles), b * np.sin(angles)], axis=1)
    sides = [
        (q[0] - p[0]) * (v - p[1]) - (q[1] - p[1]) * (u - p[0])
        for p, q in zip(corners, np.roll(corners, -1, axis=0))
    ]
    return (sides[0] >= 0) & (sides[1] >= 0) & (sides[2] >= 0)


def _texture(obj: _Object, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Colour the object with stripes or a checkerboard that move with it.

    Args:
        obj (_Object): The object.
        u (np.ndarray): (H, W) local x.
        v (np.ndarray): (H, W) local y.

    Returns:
        np.ndarray: (H, W, 3) float colours.
    """
    freq, angle, kind = obj.pattern
    along = u * np.cos(angle) + v * np.sin(angle)
    if kind < 0.5:
        weight = 0.5 + 0.5 * np.sin(freq * along)
    else:
        across = -u * np.sin(angle) + v * np.cos(angle)
        weight = (np.sin(freq * along) * np.sin(freq * across) > 0).astype(float)
    return weight[..., None] * obj.colours[0] + (1 - weight[..., None]) * obj.colours[1]


def _background(rng: np.random.Generator, grid: np.ndarray) -> np.ndarray:
    """A static background: a colour gradient with soft waves.

    Args:
        rng (np.random.Generator): Random source.
        grid (np.ndarray): (2, H, W) pixel x, y.

    Returns:
        np.ndarray: (H, W, 3) float colours.
    """
    top, bottom = rng.uniform(40, 215, (2, 3))
    ramp = (grid[1] / grid[1].max())[..., None]
    freq, angle = rng.uniform(0.05, 0.2), rng.uniform(0, np.pi)
    waves = np.sin(freq * (grid[0] * np.cos(angle) + grid[1] * np.sin(angle)))
    return top * (1 - ramp) + bottom * ramp + 20 * waves[..., None]


def _render(
    objects: Sequence[_Object], background: np.ndarray, grid: np.ndarray, num_frames: int
) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Draw the frames back to front and their visible-id maps.

    Args:
        objects (Sequence[_Object]): Objects, back to front.
        background (np.ndarray): (H, W, 3) float colours.
        grid (np.ndarray): (2, H, W) pixel x, y.
        num_frames (int): Frames to draw.

    Returns:
        Tuple[List[np.ndarray], List[np.ndarray]]: (H, W, 3) uint8 frames and
        (H, W) uint8 id maps.
    """
    frames, id_maps = [], []
    for t in range(num_frames):
        image = background.copy()
        ids = np.zeros(background.shape[:2], np.uint8)
        for obj in objects:
            if t < obj.appear:
                continue
            u, v = _local_coords(obj, t, grid)
            mask = _shape_mask(obj, u, v)
            image[mask] = _texture(obj, u, v)[mask]
            ids[mask] = obj.obj_id
        frames.append(np.clip(image, 0, 255).astype(np.uint8))
        id_maps.append(ids)
    return frames, id_maps


def _shows_events(objects: Sequence[_Object], id_maps: List[np.ndarray], min_pixels: int) -> bool:
    """Check a rendering: every object is visible on its first frame (and on the
    next frame SA-V annotates), and a 'leaves' object disappears and comes back.

    Args:
        objects (Sequence[_Object]): The objects.
        id_maps (List[np.ndarray]): (H, W) visible ids per frame.
        min_pixels (int): Pixels an object needs to count as visible.

    Returns:
        bool: Whether the rendering is usable.
    """
    for obj in objects:
        visible = [int((ids == obj.obj_id).sum()) >= min_pixels for ids in id_maps]
        present = [bool((ids == obj.obj_id).any()) for ids in id_maps]
        first_sav = -(-obj.appear // SAV_STEP) * SAV_STEP  # first SA-V frame it can be on
        if not visible[obj.appear] or any(present[: obj.appear]):
            return False
        if first_sav < len(id_maps) and not visible[first_sav]:
            return False
        if obj.role == 'leaves':
            gone = [t for t, p in enumerate(present) if not p]
            if not gone or not any(visible[gone[0] :]):
                return False
    return True


def render_video(
    name: str,
    rng: np.random.Generator,
    num_objects: int,
    num_frames: int,
    size: Tuple[int, int],
    max_tries: int = 100,
    num_distractors: int = 0,
) -> SyntheticVideo:
    """Render one synthetic video.

    Args:
        name (str): Video name.
        rng (np.random.Generator): Random source.
        num_objects (int): Number of objects (ids 1..num_objects).
        num_frames (int): Number of frames.
        size (Tuple[int, int]): (H, W) of the frames.
        max_tries (int): Draws before giving up on a video that shows every
            event. Defaults to 100.
        num_distractors (int): Unannotated look-alikes crossing the
            objects' paths (distractor k imitates object k mod num_objects
            + 1). Defaults to 0.

    Returns:
        SyntheticVideo: Frames, id maps and categories.
    """
    height, width = size
    grid = np.stack(np.meshgrid(np.arange(width), np.arange(height))).astype(float)
    min_pixels = max(4, height * width // 200)
    roles = _roles(num_objects, num_frames)
    for _ in range(max_tries):
        background = _background(rng, grid)
        objects = [
            _sample_object(rng, obj_id, role, size, num_frames)
            for obj_id, role in enumerate(roles, start=1)
        ]
        drawn = objects + [
            _sample_distractor(rng, objects[k % num_objects], size, num_frames)
            for k in range(num_distractors)
        ]
        depth_order = [drawn[i] for i in rng.permutation(len(drawn))]
        frames, id_maps = _render(depth_order, background, grid, num_frames)
        if _shows_events(objects, id_maps, min_pixels):
            categories = {obj.obj_id: obj.kind for obj in objects}
            return SyntheticVideo(name, frames, id_maps, categories)
    raise RuntimeError(f'could not draw video {name} with roles {roles} in {max_tries} tries')


def _save_jpeg(path: str, frame: np.ndarray) -> None:
    """Save an RGB frame as JPEG (creating its folder).

    Args:
        path (str): Output file.
        frame (np.ndarray): (H, W, 3) uint8 RGB.
    """
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(frame).save(path, quality=90)


def _save_json(path: str, content: object) -> None:
    """Save json with sorted keys (creating its folder).

    Args:
        path (str): Output file.
        content (object): Json-serialisable content.
    """
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as file:
        json.dump(content, file, indent=1, sort_keys=True)


def _save_list(path: str, names: Sequence[str]) -> None:
    """Save one name per line (creating its folder).

    Args:
        path (str): Output file.
        names (Sequence[str]): Lines.
    """
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as file:
        file.write(''.join(f'{name}\n' for name in names))


def _only_new_objects(video: SyntheticVideo, t: int) -> np.ndarray:
    """Id map of frame t keeping only the objects that first appear on it.

    Args:
        video (SyntheticVideo): The video.
        t (int): Frame index.

    Returns:
        np.ndarray: (H, W) uint8 ids.
    """
    new = [obj for obj in video.categories if video.first_frame(obj) == t]
    return np.where(np.isin(video.id_maps[t], new), video.id_maps[t], 0).astype(np.uint8)


def _write_palette_video(
    video: SyntheticVideo,
    frame_dir: str,
    ann_dir: str,
    name_of: Callable[[int], str],
    ann_frames: Sequence[int],
    first_only: bool,
) -> None:
    """Write a video's JPEG frames and palette PNG annotations.

    Args:
        video (SyntheticVideo): The video.
        frame_dir (str): Folder of its frames.
        ann_dir (str): Folder of its annotations.
        name_of (Callable[[int], str]): Frame index -> file stem.
        ann_frames (Sequence[int]): Frames to annotate.
        first_only (bool): Annotate each object only on its first frame
            (validation splits); frames without a new object get no PNG.
    """
    for t, frame in enumerate(video.frames):
        _save_jpeg(osp.join(frame_dir, f'{name_of(t)}.jpg'), frame)
    for t in ann_frames:
        ids = _only_new_objects(video, t) if first_only else video.id_maps[t]
        if not first_only or ids.any():
            write_palette_mask(osp.join(ann_dir, f'{name_of(t)}.png'), ids)


def _davis_name(t: int) -> str:
    """Five-digit frame name, as in DAVIS, YouTube-VOS, MOSE and SA-V."""
    return f'{t:05d}'


def _lvos_name(t: int) -> str:
    """Eight-digit frame name numbered from 1, as in LVOS."""
    return f'{t + 1:08d}'


def _categories(video: SyntheticVideo) -> Dict[str, str]:
    """Object id (as a string) -> category, for categories.json.

    Args:
        video (SyntheticVideo): The video.

    Returns:
        Dict[str, str]: The video's entry.
    """
    return {str(obj): kind for obj, kind in video.categories.items()}


def _davis_video(out_dir: str, split: str, video: SyntheticVideo) -> dict:
    """DAVIS: every frame annotated."""
    _write_palette_video(
        video,
        osp.join(out_dir, 'JPEGImages', '480p', video.name),
        osp.join(out_dir, 'Annotations', '480p', video.name),
        _davis_name,
        range(len(video.frames)),
        first_only=False,
    )
    return dict(categories=_categories(video))


def _davis_split(out_dir: str, split: str, records: Dict[str, dict]) -> None:
    """DAVIS: ImageSets/{2016,2017}/<split>.txt."""
    for year in ('2016', '2017'):
        _save_list(osp.join(out_dir, 'ImageSets', year, f'{split}.txt'), list(records))


def _mose_video(out_dir: str, split: str, video: SyntheticVideo) -> dict:
    """MOSE: train fully annotated, valid only on frame 0."""
    _write_palette_video(
        video,
        osp.join(out_dir, split, 'JPEGImages', video.name),
        osp.join(out_dir, split, 'Annotations', video.name),
        _davis_name,
        range(len(video.frames)) if split == 'train' else [0],
        first_only=False,
    )
    return dict(categories=_categories(video))


def _youtube_vos_video(out_dir: str, split: str, video: SyntheticVideo) -> dict:
    """YouTube-VOS: every 5th frame annotated (first appearances only in valid)."""
    sparse = range(0, len(video.frames), YTVOS_STEP)
    _write_palette_video(
        video,
        osp.join(out_dir, f'{split}_all_frames', 'JPEGImages', video.name),
        osp.join(out_dir, split, 'Annotations', video.name),
        _davis_name,
        sparse,
        first_only=split != 'train',
    )
    for t in sparse:
        _save_jpeg(
            osp.join(out_dir, split, 'JPEGImages', video.name, f'{t:05d}.jpg'), video.frames[t]
        )
    objects = {
        str(obj): {
            'category': kind,
            'frames': [_davis_name(t) for t in sparse if t >= video.first_frame(obj)],
        }
        for obj, kind in video.categories.items()
    }
    return dict(categories=_categories(video), meta={'objects': objects})


def _youtube_vos_split(out_dir: str, split: str, records: Dict[str, dict]) -> None:
    """YouTube-VOS: <split>/meta.json."""
    videos = {name: record['meta'] for name, record in records.items()}
    _save_json(osp.join(out_dir, split, 'meta.json'), {'videos': videos})


def _part_mask(ids: np.ndarray, obj_id: int) -> np.ndarray:
    """The left half of an object's visible mask (a part that overlaps it).

    Args:
        ids (np.ndarray): (H, W) id map.
        obj_id (int): The whole object.

    Returns:
        np.ndarray: (H, W) bool mask.
    """
    mask = ids == obj_id
    if not mask.any():
        return mask
    columns = np.flatnonzero(mask.any(axis=0))
    middle = (columns[0] + columns[-1] + 1) // 2
    return mask & (np.arange(ids.shape[1]) < middle)


def _sav_video(out_dir: str, split: str, video: SyntheticVideo) -> dict:
    """SA-V: per-object binary PNGs every 4th frame.

    Shapes 1..N become SA-V objects 000..N-1, and object N is the left half
    of object 000, so that masks overlap as SA-V's may.
    """
    root = osp.join(out_dir, f'sav_{split}')
    for t, frame in enumerate(video.frames):
        _save_jpeg(osp.join(root, 'JPEGImages_24fps', video.name, f'{t:05d}.jpg'), frame)
    part_id = len(video.categories)
    ann_dir = osp.join(root, 'Annotations_6fps', video.name)
    for t in range(0, len(video.frames), SAV_STEP):
        ids = video.id_maps[t]
        for obj in video.categories:
            write_binary_mask(osp.join(ann_dir, f'{obj - 1:03d}', f'{t:05d}.png'), ids == obj)
        write_binary_mask(osp.join(ann_dir, f'{part_id:03d}', f'{t:05d}.png'), _part_mask(ids, 1))
    categories = {str(obj - 1): kind for obj, kind in video.categories.items()}
    categories[str(part_id)] = f'{video.categories[1]}_part'
    return dict(categories=categories)


def _sav_split(out_dir: str, split: str, records: Dict[str, dict]) -> None:
    """SA-V: sav_<split>.txt."""
    _save_list(osp.join(out_dir, f'sav_{split}', f'sav_{split}.txt'), list(records))


def _lvos_video(out_dir: str, split: str, video: SyntheticVideo) -> dict:
    """LVOS: 8-digit frames from 1, annotated (first appearances only in valid)."""
    _write_palette_video(
        video,
        osp.join(out_dir, split, 'JPEGImages', video.name),
        osp.join(out_dir, split, 'Annotations', video.name),
        _lvos_name,
        range(len(video.frames)),
        first_only=split != 'train',
    )
    objects = {}
    for obj in video.categories:
        start, end = video.first_frame(obj), video.last_frame(obj)
        objects[str(obj)] = {
            'frame_range': {
                'start': _lvos_name(start),
                'end': _lvos_name(end),
                'frame_nums': end - start + 1,
            }
        }
    return dict(categories=_categories(video), meta={'objects': objects})


def _lvos_split(out_dir: str, split: str, records: Dict[str, dict]) -> None:
    """LVOS: <split>/<split>_meta.json."""
    videos = {name: record['meta'] for name, record in records.items()}
    _save_json(osp.join(out_dir, split, f'{split}_meta.json'), {'videos': videos})


_WRITERS = {
    'davis': (_davis_video, _davis_split),
    'youtube_vos': (_youtube_vos_video, _youtube_vos_split),
    'mose': (_mose_video, lambda out_dir, split, records: None),
    'sav': (_sav_video, _sav_split),
    'lvos': (_lvos_video, _lvos_split),
}
"""Format -> (write one video and return its record, write a split's files)."""


def data_root_of(out_dir: str, fmt: str, split: str) -> str:
    """The ``data_root`` of a split written by :func:`generate_synthetic_vos`.

    Args:
        out_dir (str): The generator's output folder.
        fmt (str): One of :data:`FORMATS`.
        split (str): Split name.

    Returns:
        str: ``out_dir/sav_<split>`` for SA-V, else ``out_dir``.
    """
    return osp.join(out_dir, f'sav_{split}') if fmt == 'sav' else out_dir


def generate_synthetic_vos(
    out_dir: str,
    fmt: str = 'davis',
    num_videos: int = 4,
    num_frames: int = 24,
    size: Tuple[int, int] = (96, 128),
    max_objects: int = 3,
    seed: int = 0,
    num_val_videos: Optional[int] = None,
    on_video: Optional[Callable[[str], None]] = None,
    num_distractors: int = 0,
) -> Dict[str, List[str]]:
    """Write a synthetic VOS benchmark in the layout of a real one.

    Videos are named ``video_000``, ``video_001``... The first
    ``num_videos - num_val_videos`` go to the first split of the format and
    the rest to the second (:data:`SPLITS`: train / val for DAVIS, train /
    valid for YouTube-VOS, MOSE and LVOS, val / test for SA-V). The first
    video of each split has ``max_objects`` objects, the others 1 to
    ``max_objects``. As in the real benchmarks, the validation splits carry
    only the masks that define the objects: each object's first appearance
    for YouTube-VOS and LVOS, frame 0 for MOSE.

    Layouts (see docs/datasets.md): ``davis``: JPEGImages/480p,
    Annotations/480p, ImageSets/{2016,2017}, categories.json;
    ``youtube_vos``: <split>/{JPEGImages,Annotations,meta.json},
    <split>_all_frames/JPEGImages, categories.json; ``mose``: <split>/{JPEGImages,Annotations},
    categories.json; ``sav``: sav_<split>/{sav_<split>.txt,
    JPEGImages_24fps, Annotations_6fps, categories.json}; ``lvos``:
    <split>/{JPEGImages,Annotations,<split>_meta.json}, categories.json.

    Args:
        out_dir (str): Output folder.
        fmt (str): One of :data:`FORMATS`. Defaults to 'davis'.
        num_videos (int): Number of videos of all splits together
            (``num_val_videos`` of them in the second split). Defaults to 4.
        num_frames (int): Frames per video. Defaults to 24.
        size (Tuple[int, int]): (H, W) of the frames. Defaults to (96, 128).
        max_objects (int): Most objects in a video. Defaults to 3.
        seed (int): Random seed. Defaults to 0.
        num_val_videos (int, optional): Videos in the second split. Defaults
            to None (half, rounded down).
        on_video (Callable[[str], None], optional): Called with each video's
            name once written (e.g. to update a progress bar). Defaults to
            None.
        num_distractors (int): Unannotated look-alikes per video, each
            imitating an object and crossing its path (a hard case: the
            tracker may switch to the look-alike). Defaults to 0.

    Returns:
        Dict[str, List[str]]: Split -> video names.
    """
    if fmt not in FORMATS:
        raise ValueError(f'fmt must be one of {FORMATS}, got {fmt!r}')
    if num_videos < 1 or num_frames < 1 or max_objects < 1:
        raise ValueError('num_videos, num_frames and max_objects must be positive')
    if num_distractors < 0:
        raise ValueError(f'num_distractors must be >= 0, got {num_distractors}')
    num_val = num_videos // 2 if num_val_videos is None else num_val_videos
    if not 0 <= num_val <= num_videos:
        raise ValueError(f'num_val_videos must be in [0, {num_videos}], got {num_val}')
    rng = np.random.default_rng(seed)
    first_split, second_split = SPLITS[fmt]
    write_video, write_split = _WRITERS[fmt]
    split_of = [first_split] * (num_videos - num_val) + [second_split] * num_val
    records: Dict[str, Dict[str, dict]] = {}
    for index, split in enumerate(split_of):
        num_objects = max_objects if split not in records else int(rng.integers(max_objects) + 1)
        video = render_video(
            f'video_{index:03d}',
            rng,
            num_objects,
            num_frames,
            tuple(size),
            num_distractors=num_distractors,
        )
        records.setdefault(split, {})[video.name] = write_video(out_dir, split, video)
        if on_video is not None:
            on_video(video.name)
    categories: Dict[str, dict] = {}
    for split, split_records in records.items():
        write_split(out_dir, split, split_records)
        table = categories.setdefault(data_root_of(out_dir, fmt, split), {})
        table.update({name: record['categories'] for name, record in split_records.items()})
    for root, table in categories.items():
        _save_json(osp.join(root, 'categories.json'), table)
    return {split: list(split_records) for split, split_records in records.items()}
