"""Where masks come from: arrays, per-object dicts or PNG folders, read frame by frame.

Every source becomes a sequence of frames; a frame is either an id map
((H, W) integer array, 0 = background) or a dict ``obj_id -> (H, W) bool``.
Folders are read lazily, one frame at a time, so a long video never sits in
memory whole. Two folder layouts are understood:

* DAVIS: ``<video>/<frame>.png``, palette (or grey) PNGs holding object ids.
* SA-V: ``<video>/<obj_id>/<frame>.png``, one binary PNG per object and frame.
"""

import os
import os.path as osp
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
from PIL import Image

Frame = Union[np.ndarray, Dict[str, np.ndarray]]


def to_numpy(array: Any) -> np.ndarray:
    """Convert an array-like (numpy array, torch tensor on any device, list) to numpy.

    Args:
        array (Any): The array.

    Returns:
        np.ndarray: The same values as a numpy array.
    """
    if hasattr(array, 'detach'):
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def sort_ids(ids: Sequence[str]) -> List[str]:
    """Sort object ids numerically when they are all digits, else as strings.

    Args:
        ids (Sequence[str]): Object ids.

    Returns:
        List[str]: The sorted ids.
    """
    if all(i.isdigit() for i in ids):
        return sorted(ids, key=int)
    return sorted(ids)


def split_named_id_map(id_map: np.ndarray) -> Dict[str, np.ndarray]:
    """Split an id map into one binary mask per non-zero id.

    Args:
        id_map (np.ndarray): (H, W) integer object ids, 0 for background.

    Returns:
        Dict[str, np.ndarray]: ``str(id) -> (H, W) bool`` in increasing id order.
    """
    ids = np.unique(id_map)
    return {str(i): id_map == i for i in ids.tolist() if i != 0}


def object_masks(frame: Frame) -> Dict[str, np.ndarray]:
    """Per-object binary masks of a frame.

    Args:
        frame (Frame): An id map or a dict ``obj_id -> mask``.

    Returns:
        Dict[str, np.ndarray]: ``obj_id -> (H, W) bool``, keys as strings.
    """
    if isinstance(frame, Mapping):
        return {str(k): to_numpy(v).astype(bool) for k, v in frame.items()}
    return split_named_id_map(to_numpy(frame))


def read_png(path: str) -> np.ndarray:
    """Read a palette or grey PNG as its (H, W) indices.

    Args:
        path (str): File path.

    Returns:
        np.ndarray: (H, W) uint8 (or uint16) values.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'mask not found: {path}')
    with Image.open(path) as image:
        array = np.array(image)
    if array.ndim != 2:
        raise ValueError(f'{path}: expected a palette or grey PNG, got shape {array.shape}')
    return array


def list_frames(folder: str) -> List[str]:
    """Sorted names (without ``.png``) of the PNG files in a folder.

    Args:
        folder (str): The folder.

    Returns:
        List[str]: Frame names.
    """
    return sorted(name[:-4] for name in os.listdir(folder) if name.endswith('.png'))


def list_dirs(folder: str) -> List[str]:
    """Sorted names of the sub-folders of a folder.

    Args:
        folder (str): The folder.

    Returns:
        List[str]: Sub-folder names.
    """
    return sorted(name for name in os.listdir(folder) if osp.isdir(osp.join(folder, name)))


def is_per_object_layout(video_dir: str) -> bool:
    """Whether a video folder uses the SA-V layout (one sub-folder per object).

    Args:
        video_dir (str): The video folder.

    Returns:
        bool: True when it holds sub-folders and no PNG files.
    """
    return bool(list_dirs(video_dir)) and not list_frames(video_dir)


class PngIdMapFrames(Sequence):
    """Lazy DAVIS-layout frames: ``<video_dir>/<frame>.png`` id maps.

    Args:
        video_dir (str): The video folder.
        frame_names (Sequence[str]): Frames to read, in order.
    """

    def __init__(self, video_dir: str, frame_names: Sequence[str]) -> None:
        self.video_dir = video_dir
        self.frame_names = list(frame_names)

    def __len__(self) -> int:
        return len(self.frame_names)

    def __getitem__(self, index: int) -> np.ndarray:
        return read_png(osp.join(self.video_dir, self.frame_names[index] + '.png'))


class PngObjectFrames(Sequence):
    """Lazy SA-V-layout frames: ``<video_dir>/<obj_id>/<frame>.png`` binary masks.

    Args:
        video_dir (str): The video folder.
        obj_ids (Sequence[str]): Object sub-folders to read.
        frame_names (Sequence[str]): Frames to read, in order.
    """

    def __init__(self, video_dir: str, obj_ids: Sequence[str], frame_names: Sequence[str]) -> None:
        self.video_dir = video_dir
        self.obj_ids = list(obj_ids)
        self.frame_names = list(frame_names)

    def __len__(self) -> int:
        return len(self.frame_names)

    def __getitem__(self, index: int) -> Dict[str, np.ndarray]:
        name = self.frame_names[index] + '.png'
        return {o: read_png(osp.join(self.video_dir, o, name)) > 0 for o in self.obj_ids}


class ObjectArrayFrames(Sequence):
    """Frames of a dict ``obj_id -> (T, H, W)`` mask array, one dict per frame.

    Args:
        masks (Mapping[Any, Any]): Per-object (T, H, W) masks (arrays or tensors).
    """

    def __init__(self, masks: Mapping[Any, Any]) -> None:
        self.masks = {str(k): to_numpy(v).astype(bool) for k, v in masks.items()}
        lengths = {len(v) for v in self.masks.values()}
        if len(lengths) > 1:
            raise ValueError(f'objects have different numbers of frames: {sorted(lengths)}')
        self.length = lengths.pop() if lengths else 0

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> Dict[str, np.ndarray]:
        return {k: v[index] for k, v in self.masks.items()}


def as_frames(source: Any, frame_names: Optional[Sequence[str]] = None) -> Sequence[Frame]:
    """Turn any accepted mask source into a sequence of frames.

    Args:
        source (Any): A (T, H, W) id map (array or tensor), a dict
            ``obj_id -> (T, H, W)`` binary masks, the path of a video folder
            in the DAVIS or SA-V layout, or already a sequence of frames (a
            list, or a source returned by this function).
        frame_names (Sequence[str], optional): Frames to read from a folder;
            all its frames when None. Ignored for arrays. Defaults to None.

    Returns:
        Sequence[Frame]: Frames, indexed by time.
    """
    if isinstance(source, (list, tuple, PngIdMapFrames, PngObjectFrames, ObjectArrayFrames)):
        return source
    if isinstance(source, (str, os.PathLike)):
        video_dir = os.fspath(source)
        if is_per_object_layout(video_dir):
            obj_ids = list_dirs(video_dir)
            names = frame_names or list_frames(osp.join(video_dir, obj_ids[0]))
            return PngObjectFrames(video_dir, obj_ids, names)
        return PngIdMapFrames(video_dir, frame_names or list_frames(video_dir))
    if isinstance(source, Mapping):
        return ObjectArrayFrames(source)
    array = to_numpy(source)
    if array.ndim != 3:
        raise ValueError(f'expected a (T, H, W) id map, got shape {array.shape}')
    return array
