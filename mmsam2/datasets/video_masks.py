"""Lazily read ground-truth masks of a video, whatever their layout on disk."""

from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.fileio.video_frames import sort_frame_names

from .mask_io import VOID_ID, read_binary_mask, read_palette_mask

PALETTE = 'palette'
PER_OBJECT = 'per_object'
MASK_LAYOUTS = (PALETTE, PER_OBJECT)


class BaseVideoMasks:
    """The frame-by-frame interface shared by the masks of a video.

    Holds the annotated frames and the objects; a subclass reads one
    object's mask with ``object_mask(obj_id, frame_name)`` and, for the
    ``'palette'`` layout, a frame's id map with ``id_map(frame_name)``.

    Args:
        object_ids (Sequence[int]): The video's objects.
        frame_names (Sequence[str]): The annotated frames, in order.
    """

    mask_layout: str
    """``'palette'`` or ``'per_object'``, set by the subclass."""

    def __init__(self, object_ids: Sequence[int], frame_names: Sequence[str]) -> None:
        self.object_ids = list(object_ids)
        self._frame_names = list(frame_names)
        self._frame_set = set(self._frame_names)

    @property
    def frame_names(self) -> List[str]:
        """Names of the annotated frames, in order."""
        return list(self._frame_names)

    def __len__(self) -> int:
        return len(self._frame_names)

    def __contains__(self, frame_name: object) -> bool:
        return frame_name in self._frame_set

    def __iter__(self) -> Iterator[str]:
        return iter(self._frame_names)

    def __getitem__(self, frame_name: str) -> Dict[int, np.ndarray]:
        """Read the masks of every object on one annotated frame.

        Args:
            frame_name (str): An annotated frame (see :attr:`frame_names`).

        Returns:
            Dict[int, np.ndarray]: Object id -> (H, W) bool mask; an object
            absent from the frame gets an empty mask.
        """
        if frame_name not in self:
            raise KeyError(f'frame {frame_name!r} has no annotation')
        if self.mask_layout == PALETTE:
            ids = self.id_map(frame_name)
            return {obj_id: ids == obj_id for obj_id in self.object_ids}
        return {obj_id: self.object_mask(obj_id, frame_name) for obj_id in self.object_ids}


class VideoMasks(BaseVideoMasks):
    """The ground-truth masks of one video, read one frame at a time.

    Hides the two layouts of VOS annotations: one palette PNG per frame
    (``'palette'``: ``ann_paths`` maps frame name -> PNG) and one binary PNG
    per object and frame (``'per_object'``: ``ann_paths`` maps object id ->
    frame name -> PNG). Every mask read is checked against the video size.

    Args:
        ann_paths (Mapping): Annotation files, see above.
        object_ids (Sequence[int]): The video's objects.
        mask_layout (str): ``'palette'`` or ``'per_object'``. Defaults to
            'palette'.
        merge_objects (bool): Read every non-void id of a palette PNG as
            object 1 (DAVIS 2016). Defaults to False.
        size (Tuple[int, int], optional): Expected (height, width) of every
            mask. Defaults to None (not checked).

    Examples:
        >>> masks = VideoMasks.from_data_info(dataset[0])
        >>> first = masks[masks.frame_names[0]]  # {obj_id: (H, W) bool}
    """

    def __init__(
        self,
        ann_paths: Mapping,
        object_ids: Sequence[int],
        mask_layout: str = PALETTE,
        merge_objects: bool = False,
        size: Optional[Tuple[int, int]] = None,
    ) -> None:
        if mask_layout not in MASK_LAYOUTS:
            raise ValueError(f'mask_layout must be one of {MASK_LAYOUTS}, got {mask_layout!r}')
        if mask_layout == PALETTE:
            names = list(ann_paths)
        else:
            names = list({name for frames in ann_paths.values() for name in frames})
        super().__init__(object_ids, sort_frame_names(names))
        self.ann_paths = ann_paths
        self.mask_layout = mask_layout
        self.merge_objects = merge_objects
        self.size = None if size is None else (int(size[0]), int(size[1]))

    @classmethod
    def from_data_info(cls, data_info: Mapping) -> 'VideoMasks':
        """Build from one item of a :class:`BaseVOSDataset`.

        Args:
            data_info (Mapping): The item (``ann_paths``, ``object_ids``,
                ``mask_layout``, ``merge_objects``, ``height``, ``width``).

        Returns:
            VideoMasks: The video's masks.
        """
        return cls(
            data_info['ann_paths'],
            data_info['object_ids'],
            data_info['mask_layout'],
            data_info['merge_objects'],
            (data_info['height'], data_info['width']),
        )

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(num_frames={len(self)}, '
            f'object_ids={self.object_ids}, mask_layout={self.mask_layout!r})'
        )

    def id_map(self, frame_name: str) -> np.ndarray:
        """Read the id map of a frame (palette layout only).

        Args:
            frame_name (str): An annotated frame.

        Returns:
            np.ndarray: (H, W) uint8 ids; 0 is background and
            :data:`VOID_ID` marks pixels to ignore.
        """
        if self.mask_layout != PALETTE:
            raise TypeError('id_map needs the palette layout; per-object masks may overlap')
        path = self.ann_paths[frame_name]
        ids, _ = read_palette_mask(path)
        self._check_size(ids, path)
        if self.merge_objects:
            ids = np.where((ids > 0) & (ids != VOID_ID), 1, ids).astype(np.uint8)
        return ids

    def object_mask(self, obj_id: int, frame_name: str) -> np.ndarray:
        """Read one object's mask on one frame (per-object layout only).

        Args:
            obj_id (int): The object.
            frame_name (str): The frame.

        Returns:
            np.ndarray: (H, W) bool mask, empty where the object has no file
            for this frame.
        """
        if self.mask_layout != PER_OBJECT:
            raise TypeError('object_mask needs the per-object layout')
        path = self.ann_paths.get(obj_id, {}).get(frame_name)
        if path is None:
            if self.size is None:
                raise KeyError(f'object {obj_id} has no mask on frame {frame_name!r}')
            return np.zeros(self.size, bool)
        mask = read_binary_mask(path)
        self._check_size(mask, path)
        return mask

    def _check_size(self, mask: np.ndarray, path: str) -> None:
        """Raise if a mask does not have the video's size.

        Args:
            mask (np.ndarray): (H, W) mask just read.
            path (str): Its file.
        """
        if self.size is not None and mask.shape != self.size:
            raise VOSDatasetError(
                f'mask is {mask.shape[0]}x{mask.shape[1]} (HxW) but its frames are '
                f'{self.size[0]}x{self.size[1]}',
                path,
            )
