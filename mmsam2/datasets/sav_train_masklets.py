"""SA-V train masklets: per-object COCO RLE masks on every 4th frame, in json files.

SA-V train ships, per video, ``<video>_manual.json`` (every video) and
``<video>_auto.json`` (most videos). Each holds ``video_height``,
``video_width``, ``video_frame_count`` and ``masklet``: a list over the
annotated frames (frame ``t`` of the list is frame ``t * 4`` of the 24 fps
video) of lists over the masklets of compressed COCO RLEs
(``{"size": [h, w], "counts": str}``); a masklet absent from a frame has an
empty RLE. Other fields (``masklet_id``, ``masklet_num``,
``masklet_first_appeared_frame``, ...) describe the masklets.

Manual masklet ``k`` is object ``k``; automatic masklet ``k`` is object
``AUTO_ID_OFFSET + k``, so that both sets can be used together.
"""

import math
import os.path as osp
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from pycocotools import mask as mask_utils

from mmsam2.fileio.errors import VOSDatasetError

from .base_vos_dataset import load_json
from .video_masks import PER_OBJECT, BaseVideoMasks

MANUAL = 'manual'
AUTO = 'auto'
MASKLET_SOURCES = (MANUAL, AUTO)
AUTO_ID_OFFSET = 1000
"""Object id of automatic masklet 0 (manual masklet k is object k)."""
SAV_ANN_EVERY = 4
"""SA-V annotates every 4th frame of its 24 fps videos (6 fps)."""


def masklet_json_path(folder: str, video: str, source: str) -> str:
    """Path of a video's masklet file.

    Args:
        folder (str): Folder of the json files.
        video (str): Video id, e.g. ``sav_000001``.
        source (str): ``'manual'`` or ``'auto'``.

    Returns:
        str: ``<folder>/<video>_<source>.json``.
    """
    return osp.join(folder, f'{video}_{source}.json')


def object_id_of(source: str, index: int) -> int:
    """Object id of masklet ``index`` of a source.

    Args:
        source (str): ``'manual'`` or ``'auto'``.
        index (int): Position of the masklet in its file.

    Returns:
        int: The object id.
    """
    return index if source == MANUAL else AUTO_ID_OFFSET + index


def masklet_of(obj_id: int) -> Tuple[str, int]:
    """Source and position of an object's masklet (inverse of :func:`object_id_of`).

    Args:
        obj_id (int): Object id.

    Returns:
        Tuple[str, int]: ``('manual' | 'auto', index)``.
    """
    return (MANUAL, obj_id) if obj_id < AUTO_ID_OFFSET else (AUTO, obj_id - AUTO_ID_OFFSET)


def _number(content: Mapping, key: str, path: str) -> int:
    """Read a whole number field of a masklet file (SA-V stores them as floats).

    Args:
        content (Mapping): The file's content.
        key (str): Field name.
        path (str): The file, for the message.

    Returns:
        int: The value.
    """
    value = content.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise VOSDatasetError(f'masklet file needs a whole number {key!r}, got {value!r}', path)
    return int(value)


def read_masklet_file(path: str, ann_every: int = SAV_ANN_EVERY) -> Dict[str, Any]:
    """Read an SA-V train masklet file and check its structure.

    Checked: ``masklet`` is a list over frames, each None (not annotated) or
    a list with one entry per masklet (``masklet_num`` of them when given);
    each entry is None or an RLE dict whose ``size`` is
    ``[video_height, video_width]``; there are no more annotated frames than
    the video has (``video_frame_count``, when given). RLE strings are not
    decoded here (see :func:`masklet_areas`).

    Args:
        path (str): ``<video>_manual.json`` or ``<video>_auto.json``.
        ann_every (int): Video frames per annotated frame. Defaults to 4.

    Returns:
        Dict[str, Any]: The file's content.
    """
    content = load_json(path)
    if not isinstance(content, dict) or not isinstance(content.get('masklet'), list):
        raise VOSDatasetError(
            'not an SA-V masklet file: expected a json object with a "masklet" list', path
        )
    size = [_number(content, 'video_height', path), _number(content, 'video_width', path)]
    frames = content['masklet']
    num = content.get('masklet_num')
    if num is None:
        num = next((len(objs) for objs in frames if objs is not None), 0)
    for t, objs in enumerate(frames):
        if objs is None:
            continue
        if not isinstance(objs, list) or len(objs) != num:
            got = len(objs) if isinstance(objs, list) else type(objs).__name__
            raise VOSDatasetError(
                f'annotated frame {t} has {got} masklets, expected {num} (masklet_num)', path
            )
        for k, rle in enumerate(objs):
            if rle is None:
                continue
            if not isinstance(rle, dict) or 'counts' not in rle or 'size' not in rle:
                raise VOSDatasetError(
                    f'masklet {k} on annotated frame {t} is not a COCO RLE '
                    '({"size": [h, w], "counts": ...})',
                    path,
                )
            if not isinstance(rle['size'], list) or rle['size'] != size:
                shape = 'x'.join(map(str, rle['size'])) if isinstance(rle['size'], list) else '?'
                raise VOSDatasetError(
                    f'masklet {k} on annotated frame {t} is {shape} (HxW) but the video is '
                    f'{size[0]}x{size[1]}',
                    path,
                )
    if 'video_frame_count' in content:
        num_frames = _number(content, 'video_frame_count', path)
        if len(frames) > math.ceil(num_frames / ann_every):
            raise VOSDatasetError(
                f'{len(frames)} annotated frames (one every {ann_every}) do not fit in a video '
                f'of {num_frames} frames (video_frame_count)',
                path,
            )
    return content


def masklet_size(content: Mapping) -> Tuple[int, int]:
    """The (height, width) of a checked masklet file's video.

    Args:
        content (Mapping): Content from :func:`read_masklet_file`.

    Returns:
        Tuple[int, int]: (height, width).
    """
    return int(content['video_height']), int(content['video_width'])


def masklet_areas(content: Mapping, path: str, full_check: bool = False) -> np.ndarray:
    """Pixel area of every mask of a checked masklet file, without decoding the masks.

    Each RLE is checked on the way: its area must fit in the frame, and with
    ``full_check`` its runs must cover the frame exactly (about 60 us per
    mask, see :func:`rle_runs`).

    Args:
        content (Mapping): Content from :func:`read_masklet_file`.
        path (str): Its file, for the messages.
        full_check (bool): Check every run of every RLE. Defaults to False.

    Returns:
        np.ndarray: (T, K) float64 areas; NaN where a frame or a mask is None
        (not annotated).
    """
    frames = content['masklet']
    num = max((len(objs) for objs in frames if objs is not None), default=0)
    areas = np.full((len(frames), num), np.nan)
    height, width = masklet_size(content)
    for t, objs in enumerate(frames):
        present = [k for k, rle in enumerate(objs or []) if rle is not None]
        if full_check:
            for k in present:
                check_rle_runs(objs[k], f'masklet {k} on annotated frame {t}', path)
        # one pycocotools call per frame (its batch size is a uint8: at most 255 RLEs)
        for start in range(0, len(present), 255):
            chunk = present[start : start + 255]
            try:
                areas[t, chunk] = mask_utils.area([_as_compressed(objs[k]) for k in chunk])
            except (ValueError, TypeError, KeyError):
                for k in chunk:  # find the culprit, for the message
                    _rle_area(objs[k], f'masklet {k} on annotated frame {t}', path)
                raise
        bad = [k for k in present if not 0 <= areas[t, k] <= height * width]
        if bad:
            raise VOSDatasetError(
                f'masklet {bad[0]} on annotated frame {t} is not a valid COCO RLE: its area '
                f'{areas[t, bad[0]]:.0f} does not fit in {height}x{width}',
                path,
            )
    return areas


def rle_runs(counts: Union[str, bytes]) -> np.ndarray:
    """Decode the run lengths of a compressed COCO RLE string (vectorised, no mask built).

    The string stores each run in characters of 6 bits (value + 48): 5 bits
    of the number, least significant first, and 0x20 when more characters
    follow; bit 0x10 of the last character is the sign. From the third run
    on, the stored number is the difference to the run two places before.

    Args:
        counts (str | bytes): The RLE's ``counts``.

    Returns:
        np.ndarray: (N,) int64 run lengths, starting with a background run.
    """
    data = counts.encode('ascii') if isinstance(counts, str) else bytes(counts)
    codes = np.frombuffer(data, np.uint8).astype(np.int64) - 48
    if not len(codes):
        return np.zeros(0, np.int64)
    if codes.min() < 0 or codes.max() > 63:
        raise ValueError('characters outside the RLE alphabet')
    more = (codes & 0x20) > 0
    if more[-1]:
        raise ValueError('the last number is cut short')
    ends = np.flatnonzero(~more)
    starts = np.concatenate([[0], ends[:-1] + 1])
    lengths = ends - starts + 1
    shift = 5 * (np.arange(len(codes)) - np.repeat(starts, lengths))
    if shift.max() > 55:
        raise ValueError('a number is too long')
    values = np.add.reduceat((codes & 0x1F) << shift, starts)
    values = np.where((codes[ends] & 0x10) > 0, values - (1 << (5 * lengths)), values)
    runs = values.copy()
    runs[2::2] = np.cumsum(values[2::2])
    runs[3::2] = np.cumsum(values[1::2])[1:]
    return runs


def check_rle_runs(rle: Mapping, what: str, path: str) -> None:
    """Raise unless an RLE's runs are non-negative and cover its frame exactly.

    pycocotools does not check this: a short RLE decodes to uninitialised
    memory.

    Args:
        rle (Mapping): COCO RLE (``counts`` a string, bytes or a list).
        what (str): Which mask, for the message.
        path (str): Its file.
    """
    height, width = rle['size']
    counts = rle['counts']
    try:
        runs = np.asarray(counts, np.int64) if isinstance(counts, list) else rle_runs(counts)
    except (ValueError, TypeError) as err:
        raise VOSDatasetError(f'{what} is not a valid COCO RLE ({err})', path) from err
    if (runs < 0).any() or runs.sum() != height * width:
        raise VOSDatasetError(
            f'{what} is not a valid COCO RLE: its runs cover {int(runs.sum())} pixels '
            f'(with negative runs: {bool((runs < 0).any())}), not {height}x{width}',
            path,
        )


def _rle_area(rle: Mapping, what: str, path: str) -> float:
    """Area of an RLE, turning a corrupt one into a clear error.

    Args:
        rle (Mapping): The RLE.
        what (str): Which mask, for the message.
        path (str): Its file.

    Returns:
        float: Number of foreground pixels.
    """
    try:
        area = float(mask_utils.area(_as_compressed(rle)))
    except (ValueError, TypeError, KeyError) as err:
        raise VOSDatasetError(f'{what} is not a valid COCO RLE ({err})', path) from err
    height, width = rle['size']
    if not 0 <= area <= height * width:
        raise VOSDatasetError(
            f'{what} is not a valid COCO RLE: its area {area:.0f} does not fit in {height}x{width}',
            path,
        )
    return area


def _as_compressed(rle: Mapping) -> dict:
    """A compressed RLE pycocotools accepts (``counts`` bytes, or from a list).

    Args:
        rle (Mapping): Compressed (``counts`` str / bytes) or uncompressed
            (``counts`` list) RLE.

    Returns:
        dict: Compressed RLE.
    """
    if isinstance(rle['counts'], list):
        height, width = rle['size']
        return mask_utils.frPyObjects(dict(rle), height, width)
    return rle  # pycocotools takes str or bytes counts


def decode_rle(rle: Mapping, size: Tuple[int, int], what: str, path: str) -> np.ndarray:
    """Decode one masklet mask with pycocotools, after checking its runs.

    Args:
        rle (Mapping): COCO RLE.
        size (Tuple[int, int]): Expected (height, width).
        what (str): Which mask, for the messages.
        path (str): Its file.

    Returns:
        np.ndarray: (H, W) bool mask.
    """
    if not isinstance(rle, Mapping) or 'counts' not in rle or 'size' not in rle:
        raise VOSDatasetError(f'{what} is not a COCO RLE ({{"size", "counts"}})', path)
    if tuple(rle['size']) != tuple(size):
        raise VOSDatasetError(
            f'{what} is {rle["size"][0]}x{rle["size"][1]} (HxW) but the video is '
            f'{size[0]}x{size[1]}',
            path,
        )
    check_rle_runs(rle, what, path)
    try:
        mask = mask_utils.decode(_as_compressed(rle))
    except (ValueError, TypeError, KeyError) as err:
        raise VOSDatasetError(f'{what} is not a valid COCO RLE ({err})', path) from err
    return mask.astype(bool)


class SAVMasklets(BaseVideoMasks):
    """The masklets of one SA-V train video, decoded one mask at a time.

    Offers the :class:`~mmsam2.datasets.video_masks.BaseVideoMasks`
    interface of :class:`VideoMasks` for the ``'per_object'`` layout
    (objects may overlap): ``frame_names``, ``object_ids``,
    ``object_mask(obj_id, frame_name)`` and ``masks[frame_name]``. Frame
    names are 24 fps frame numbers (``'00004'`` is frame 4, annotated frame
    1). A json file is read the first time one of its masks is needed and
    kept for the object's life (one clip).

    Args:
        ann_paths (Mapping[str, str]): ``'manual'`` / ``'auto'`` -> masklet file.
        object_ids (Sequence[int]): The objects (see :func:`object_id_of`).
        frame_names (Sequence[str]): The annotated frames.
        size (Tuple[int, int]): (height, width) of the video.
        ann_every (int): Video frames per annotated frame. Defaults to 4.
    """

    mask_layout = PER_OBJECT

    def __init__(
        self,
        ann_paths: Mapping[str, str],
        object_ids: Sequence[int],
        frame_names: Sequence[str],
        size: Tuple[int, int],
        ann_every: int = SAV_ANN_EVERY,
    ) -> None:
        super().__init__(object_ids, frame_names)
        self.ann_paths = dict(ann_paths)
        self.size = (int(size[0]), int(size[1]))
        self.ann_every = ann_every
        self._contents: Dict[str, List] = {}

    @classmethod
    def from_data_info(cls, data_info: Mapping) -> 'SAVMasklets':
        """Build from an item of :class:`~mmsam2.datasets.SAVTrainDataset`.

        Args:
            data_info (Mapping): The item.

        Returns:
            SAVMasklets: The video's masklets.
        """
        return cls(
            data_info['ann_paths'],
            data_info['object_ids'],
            data_info['annotated_frames'],
            (data_info['height'], data_info['width']),
            data_info['ann_every'],
        )

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(num_frames={len(self)}, '
            f'object_ids={self.object_ids}, sources={sorted(self.ann_paths)})'
        )

    def id_map(self, frame_name: str) -> np.ndarray:
        """Not available: masklets may overlap."""
        raise TypeError('id_map needs the palette layout; SA-V masklets may overlap')

    def object_mask(self, obj_id: int, frame_name: str) -> np.ndarray:
        """Decode one object's mask on one frame.

        Args:
            obj_id (int): The object.
            frame_name (str): The frame (its 24 fps number).

        Returns:
            np.ndarray: (H, W) bool mask; empty on a frame without annotation.
        """
        source, index = masklet_of(obj_id)
        if source not in self.ann_paths:
            raise KeyError(f'object {obj_id} is a {source} masklet, but no {source} file is used')
        number = int(frame_name)
        frames = self._frames(source)
        t = number // self.ann_every
        if number % self.ann_every or t >= len(frames) or frames[t] is None:
            return np.zeros(self.size, bool)
        if index >= len(frames[t]):
            raise VOSDatasetError(
                f'annotated frame {t} has no masklet {index}', self.ann_paths[source]
            )
        rle = frames[t][index]
        if rle is None:
            return np.zeros(self.size, bool)
        what = f'masklet {index} on annotated frame {t}'
        return decode_rle(rle, self.size, what, self.ann_paths[source])

    def _frames(self, source: str) -> List[Optional[list]]:
        """The ``masklet`` list of a source's file, read once.

        Args:
            source (str): ``'manual'`` or ``'auto'``.

        Returns:
            List[Optional[list]]: Per annotated frame, the masklets' RLEs.
        """
        if source not in self._contents:
            content = load_json(self.ann_paths[source])
            if not isinstance(content, dict) or not isinstance(content.get('masklet'), list):
                raise VOSDatasetError(
                    'not an SA-V masklet file: expected a json object with a "masklet" list',
                    self.ann_paths[source],
                )
            self._contents[source] = content['masklet']
        return self._contents[source]
