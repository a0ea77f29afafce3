"""Common base of the video object segmentation benchmarks: one item is one video."""

import json
import os
import os.path as osp
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmsam2.fileio.video_frames import VideoFrames, image_size, sort_frame_names

from .errors import DOCS_HINT, VOSDatasetError
from .mask_io import VOID_ID
from .video_masks import PALETTE, PER_OBJECT, VideoMasks


def load_json(path: str) -> Any:
    """Read a json file, turning a missing or broken one into a clear error.

    Args:
        path (str): Json file.

    Returns:
        Any: Its content.
    """
    if not osp.isfile(path):
        raise VOSDatasetError('json file not found', path)
    with open(path, encoding='utf-8') as file:
        try:
            return json.load(file)
        except json.JSONDecodeError as err:
            raise VOSDatasetError(f'invalid json ({err})', path) from err


def object_ids_in(ids: np.ndarray) -> Set[int]:
    """Objects present in an id map (neither background 0 nor void).

    Args:
        ids (np.ndarray): (H, W) id map.

    Returns:
        Set[int]: The object ids.
    """
    present = np.flatnonzero(np.bincount(ids.ravel(), minlength=256))
    return {int(obj_id) for obj_id in present if obj_id not in (0, VOID_ID)}


class BaseVOSDataset(BaseDataset):
    """Base of the VOS benchmark datasets, one item per video.

    The loader lists each video's frames and annotation files, reads the
    masks it needs to know the objects and where each first appears, and
    checks the data on the way: a wrong ``data_root``, a missing frame, a mask
    whose size differs from its frame or an id outside its palette raise
    :class:`VOSDatasetError` naming the file. Frames are never decoded while
    loading (only the first frame's header is read for the size).

    An item (``get_data_info``) holds plain Python values, so mmengine can
    serialize it:

    - ``video_name`` (str), ``video_length`` (int): number of frames.
    - ``frame_paths`` (List[str]), ``frame_names`` (List[str]): the frames in
      temporal order, and their file stems.
    - ``ann_paths`` (dict): annotation PNGs; frame name -> PNG for the
      ``'palette'`` layout, object id -> frame name -> PNG for the
      ``'per_object'`` one.
    - ``mask_layout`` (str) and ``merge_objects`` (bool): how to read them
      (see :class:`VideoMasks`).
    - ``object_ids`` (List[int], sorted) and ``first_frame_of_object``
      (Dict[int, int]): where each object's first mask is (frame index).
    - ``annotated_frames`` (List[str]): frames the benchmark has ground truth
      for, locally or on its evaluation server, i.e. those a result writer
      must write.
    - ``height``, ``width`` (int): frame size.
    - optional ``categories`` (Dict[int, str]) and ``seen`` (Dict[int, bool]).

    ``dataset[i]`` also adds ``frames`` (:class:`VideoFrames`) and
    ``annotations`` (:class:`VideoMasks`), which decode lazily, before the
    pipeline (empty by default); :meth:`open_frames` and
    :meth:`open_annotations` make them from an item.

    Subclasses set ``ann_file`` and ``data_prefix`` (``img_path``: folder of
    the frame folders, ``ann_path``: folder of the annotation folders) and
    override :meth:`list_videos` and, where their format differs,
    :meth:`_list_annotations`, :meth:`_declared_objects` (objects listed by
    a meta file), :meth:`_annotated_frames` and :meth:`_video_extras`.

    Args:
        data_root (str): Root folder of the benchmark.
        split (str): Split name, e.g. 'val'.
        categories_file (str, optional): Json file (relative to
            ``data_root``) mapping video -> object id -> category, e.g. the
            synthetic benchmark's ``categories.json``. Defaults to None.
        full_scan (bool): Read every annotation PNG while loading: finds
            objects that appear after the first annotated frame and checks
            every mask. With False only the masks that define the objects are
            read (the first annotated frame, or each object's first frame when
            a meta file lists the objects), which is faster on large training
            splits. Defaults to True.
        merge_objects (bool): Read all non-void ids of a palette PNG as
            object 1. Defaults to False.
        **kwargs: ``ann_file``, ``data_prefix``, ``pipeline``, ``test_mode``,
            ``indices``, ``serialize_data``, ``lazy_init``... of mmengine's
            ``BaseDataset``.
    """

    METAINFO: dict = dict(dataset_name='VOS', mask_layout=PALETTE)
    LAYOUT: str = ''
    """Expected files under ``data_root``, shown when it looks wrong."""
    FRAME_SUFFIX: str = '.jpg'
    ANN_SUFFIX: str = '.png'
    frame_step: Optional[int] = 1
    """Difference between consecutive numeric frame names (None: unchecked)."""
    YEARS: Tuple[str, ...] = ()
    """Editions of the benchmark that a ``year`` argument may name (see :meth:`_set_year`)."""
    year: Optional[str] = None
    """The edition, for benchmarks with :attr:`YEARS`."""

    def __init__(
        self,
        data_root: str,
        split: str,
        categories_file: Optional[str] = None,
        full_scan: bool = True,
        merge_objects: bool = False,
        **kwargs,
    ) -> None:
        self.split = split
        self.full_scan = full_scan
        self.merge_objects = merge_objects
        self.categories_file = categories_file
        if categories_file and not osp.isabs(categories_file):
            self.categories_file = osp.join(data_root, categories_file)
        super().__init__(data_root=data_root, **kwargs)
        for key, value in self._instance_metainfo().items():
            self._metainfo.setdefault(key, value)

    def _set_year(self, year: Union[str, int]) -> None:
        """Check and keep the edition of a benchmark with :attr:`YEARS`.

        Args:
            year (str | int): One of :attr:`YEARS`, e.g. '2017' or 2017.
        """
        self.year = str(year)
        if self.year not in self.YEARS:
            raise ValueError(
                f'{self.METAINFO["dataset_name"]} year must be one of {self.YEARS}, got {year!r}'
            )

    def _instance_metainfo(self) -> dict:
        """Meta information that depends on the arguments.

        Returns:
            dict: ``split`` (and ``year``, see :meth:`_set_year`), added to
            ``metainfo`` unless given there.
        """
        if self.year is None:
            return dict(split=self.split)
        return dict(split=self.split, year=self.year)

    @property
    def mask_layout(self) -> str:
        """``'palette'`` or ``'per_object'``."""
        return self.METAINFO['mask_layout']

    def prepare_data(self, idx: int) -> Any:
        """Get an item with lazy ``frames`` and ``annotations``, through the pipeline.

        Args:
            idx (int): Video index.

        Returns:
            Any: The pipeline's output (the item dict by default).
        """
        data_info = self.get_data_info(idx)
        data_info['frames'] = self.open_frames(data_info)
        data_info['annotations'] = self.open_annotations(data_info)
        return self.pipeline(data_info)

    @classmethod
    def open_frames(cls, data_info: Mapping) -> VideoFrames:
        """The lazily decoded frames of an item (frame files by default).

        Datasets whose frames are not image files (SA-V train's mp4s)
        override this; :class:`VOSClipDataset` reads frames through it.

        Args:
            data_info (Mapping): An item of this dataset.

        Returns:
            VideoFrames: Its frames, or an object indexed the same way.
        """
        return VideoFrames(data_info['frame_paths'], (data_info['height'], data_info['width']))

    @classmethod
    def open_annotations(cls, data_info: Mapping) -> VideoMasks:
        """The lazily read masks of an item (annotation PNGs by default).

        Datasets whose masks are not PNGs (SA-V train's RLE json) override
        this; :class:`VOSClipDataset` reads masks through it.

        Args:
            data_info (Mapping): An item of this dataset.

        Returns:
            VideoMasks: Its masks, or an object with the same interface.
        """
        return VideoMasks.from_data_info(data_info)

    def load_data_list(self) -> List[dict]:
        """Load one item per video (see the class docstring).

        Returns:
            List[dict]: The items, in the order of :meth:`list_videos`.
        """
        self._check_root()
        self._load_meta()
        data_list = [self._load_video(video) for video in self.list_videos()]
        if not data_list:
            raise VOSDatasetError(f'{type(self).__name__}: no videos in split {self.split!r}')
        classes = {name for item in data_list for name in item.get('categories', {}).values()}
        if classes:
            self._metainfo.setdefault('classes', tuple(sorted(classes)))
        return data_list

    def _load_meta(self) -> None:
        """Read the split-wide files the videos need: ``categories_file`` here."""
        self._file_categories = load_json(self.categories_file) if self.categories_file else None

    def list_videos(self) -> List[str]:
        """Names of the split's videos: the lines of ``ann_file`` by default.

        Returns:
            List[str]: Video names, in order.
        """
        with open(self.ann_file, encoding='utf-8') as file:
            return [line.strip() for line in file if line.strip()]

    def _required_paths(self) -> List[str]:
        """Files and folders that must exist under ``data_root``.

        Returns:
            List[str]: Paths.
        """
        paths = [self.data_prefix['img_path'], self.data_prefix['ann_path']]
        return paths + ([self.ann_file] if self.ann_file else [])

    def _check_root(self) -> None:
        """Raise a helpful error when ``data_root`` does not hold the benchmark."""
        if self.data_root and not osp.isdir(self.data_root):
            raise VOSDatasetError(
                f'{type(self).__name__}: data_root does not exist. {DOCS_HINT}', self.data_root
            )
        for path in self._required_paths():
            if not osp.exists(path):
                raise VOSDatasetError(
                    f'{type(self).__name__}: {osp.relpath(path, self.data_root or ".")!r} '
                    f'not found under data_root {self.data_root!r} (split {self.split!r}). '
                    f'Expected: {self.LAYOUT}. {DOCS_HINT}',
                    path,
                )

    def _load_video(self, video: str) -> dict:
        """Build the item of one video.

        Args:
            video (str): Video name.

        Returns:
            dict: The item.
        """
        frame_paths = self._list_frames(video)
        frame_names = [osp.splitext(osp.basename(path))[0] for path in frame_paths]
        height, width = image_size(frame_paths[0])
        masks = VideoMasks(
            self._list_annotations(video),
            [],
            self.mask_layout,
            self.merge_objects,
            (height, width),
        )
        self._require_frames(video, masks.frame_names, frame_names, 'an annotation')
        first_frames = self._find_objects(video, frame_names, masks)
        object_ids = sorted(first_frames)
        info = dict(
            video_name=video,
            video_length=len(frame_paths),
            frame_paths=frame_paths,
            frame_names=frame_names,
            ann_paths=masks.ann_paths,
            mask_layout=self.mask_layout,
            merge_objects=self.merge_objects,
            object_ids=object_ids,
            first_frame_of_object={obj: first_frames[obj] for obj in object_ids},
            annotated_frames=self._annotated_frames(video, frame_names, masks),
            height=height,
            width=width,
        )
        info.update(self._video_extras(video, object_ids))
        return info

    def _list_frames(self, video: str) -> List[str]:
        """List a video's frame files in temporal order and check none is missing.

        Args:
            video (str): Video name.

        Returns:
            List[str]: Frame paths.
        """
        folder = osp.join(self.data_prefix['img_path'], video)
        if not osp.isdir(folder):
            raise VOSDatasetError(f'video {video!r} of split {self.split!r} has no frames', folder)
        names = [
            osp.splitext(file)[0] for file in os.listdir(folder) if file.endswith(self.FRAME_SUFFIX)
        ]
        if not names:
            raise VOSDatasetError(f'no {self.FRAME_SUFFIX} frames for video {video!r}', folder)
        names = sort_frame_names(names)
        self._check_frame_numbers(names, folder)
        return [osp.join(folder, name + self.FRAME_SUFFIX) for name in names]

    def _check_frame_numbers(self, names: List[str], folder: str) -> None:
        """Raise if numbered frames are not ``frame_step`` apart (a frame is missing).

        Args:
            names (List[str]): Sorted frame names.
            folder (str): Their folder, for the message.
        """
        if self.frame_step is None or not all(name.isdigit() for name in names):
            return
        for prev, cur in zip(names, names[1:]):
            if int(cur) - int(prev) != self.frame_step:
                raise VOSDatasetError(
                    f'frame {prev}{self.FRAME_SUFFIX} is followed by {cur}{self.FRAME_SUFFIX}, '
                    f'expected one frame every {self.frame_step}: is a frame missing?',
                    folder,
                )

    def _list_annotations(self, video: str) -> Dict[str, str]:
        """List a video's palette PNGs.

        Args:
            video (str): Video name.

        Returns:
            Dict[str, str]: Frame name -> PNG path.
        """
        folder = osp.join(self.data_prefix['ann_path'], video)
        if not osp.isdir(folder):
            raise VOSDatasetError(f'video {video!r} has no annotation folder', folder)
        return {
            osp.splitext(file)[0]: osp.join(folder, file)
            for file in sorted(os.listdir(folder))
            if file.endswith(self.ANN_SUFFIX)
        }

    def _require_frames(
        self, video: str, names: Sequence[str], frame_names: Sequence[str], what: str
    ) -> None:
        """Raise if some frames referenced by the annotations do not exist.

        Args:
            video (str): Video name.
            names (Sequence[str]): Referenced frame names.
            frame_names (Sequence[str]): The video's frames.
            what (str): What references them, for the message.
        """
        missing = sorted(set(names) - set(frame_names))
        if missing:
            folder = osp.join(self.data_prefix['img_path'], video)
            raise VOSDatasetError(
                f'{what} refers to frames {missing[:5]} of video {video!r} '
                f'that are not in its frame folder',
                folder,
            )

    def _find_objects(
        self, video: str, frame_names: List[str], masks: VideoMasks
    ) -> Dict[int, int]:
        """Find the objects of a video and the frame where each first appears.

        Objects that a meta file declares (:meth:`_declared_objects`) are
        checked against the masks (:meth:`_check_declared_objects`);
        otherwise they are found by reading the masks: the palette PNGs, or
        each object's PNGs in the ``'per_object'`` layout.

        Args:
            video (str): Video name.
            frame_names (List[str]): The video's frames.
            masks (VideoMasks): Its annotations.

        Returns:
            Dict[int, int]: Object id -> index of its first annotated frame.
        """
        declared = self._declared_objects(video, frame_names)
        if declared is not None:
            return self._check_declared_objects(video, declared, frame_names, masks)
        index = {name: i for i, name in enumerate(frame_names)}
        if self.mask_layout == PER_OBJECT:
            return self._scan_object_masks(video, index, masks)
        return self._scan_palette_masks(video, index, masks)

    def _declared_objects(self, video: str, frame_names: List[str]) -> Optional[Dict[int, str]]:
        """The objects and first frames that a meta file declares: none by default.

        Args:
            video (str): Video name.
            frame_names (List[str]): The video's frames.

        Returns:
            Dict[int, str] | None: Object id -> name of the frame where it
            first appears, or None to find the objects in the masks.
        """
        return None

    def _scan_palette_masks(
        self, video: str, index: Mapping[str, int], masks: VideoMasks
    ) -> Dict[int, int]:
        """Find the objects in the palette PNGs (only the first one without ``full_scan``).

        Args:
            video (str): Video name.
            index (Mapping[str, int]): Frame name -> index in the video.
            masks (VideoMasks): The video's palette annotations.

        Returns:
            Dict[int, int]: Object id -> index of the first PNG showing it.
        """
        annotated = masks.frame_names
        if not annotated:
            raise VOSDatasetError(
                f'video {video!r} has no annotation',
                osp.join(self.data_prefix['ann_path'], video),
            )
        first_frames: Dict[int, int] = {}
        for name in annotated if self.full_scan else annotated[:1]:
            for obj_id in object_ids_in(masks.id_map(name)):
                first_frames.setdefault(obj_id, index[name])
        if not first_frames:
            raise VOSDatasetError(
                f'video {video!r} has no object in its annotations', masks.ann_paths[annotated[0]]
            )
        return first_frames

    def _scan_object_masks(
        self, video: str, index: Mapping[str, int], masks: VideoMasks
    ) -> Dict[int, int]:
        """Find each object's first non-empty mask in the per-object PNGs.

        Without ``full_scan``, an object's masks are read only up to that one.

        Args:
            video (str): Video name.
            index (Mapping[str, int]): Frame name -> index in the video.
            masks (VideoMasks): The video's per-object annotations.

        Returns:
            Dict[int, int]: Object id -> index of its first non-empty mask.
        """
        first_frames: Dict[int, int] = {}
        for obj_id, frames in masks.ann_paths.items():
            for name in sort_frame_names(list(frames)):
                if masks.object_mask(obj_id, name).any():
                    first_frames.setdefault(obj_id, index[name])
                    if not self.full_scan:
                        break
            if obj_id not in first_frames:
                raise VOSDatasetError(
                    f'object {obj_id:03d} of video {video!r} is empty on every annotated frame',
                    osp.join(self.data_prefix['ann_path'], video, f'{obj_id:03d}'),
                )
        return first_frames

    def _check_declared_objects(
        self, video: str, declared: Mapping[int, str], frame_names: List[str], masks: VideoMasks
    ) -> Dict[int, int]:
        """Check objects listed by a meta file against the palette PNGs.

        Each object's first frame must exist, have a PNG, and show the object;
        PNGs may not hold undeclared ids. With ``full_scan`` every PNG is
        read, otherwise only those of the first frames.

        Args:
            video (str): Video name.
            declared (Mapping[int, str]): Object id -> name of the frame where
                the meta file says it first appears.
            frame_names (List[str]): The video's frames.
            masks (VideoMasks): Its annotations.

        Returns:
            Dict[int, int]: Object id -> index of its first frame.
        """
        self._require_frames(video, list(declared.values()), frame_names, 'the meta file')
        missing = sorted({name for name in declared.values() if name not in masks})
        if missing:
            raise VOSDatasetError(
                f'video {video!r}: objects first appear on frames {missing} (meta file) '
                'but these frames have no annotation PNG',
                osp.join(self.data_prefix['ann_path'], video),
            )
        index = {name: i for i, name in enumerate(frame_names)}
        first_frames = {obj_id: index[name] for obj_id, name in declared.items()}
        to_read = masks.frame_names if self.full_scan else sorted(set(declared.values()))
        for name in to_read:
            self._check_declared_frame(video, name, index[name], first_frames, masks)
        return first_frames

    def _check_declared_frame(
        self,
        video: str,
        name: str,
        frame_index: int,
        first_frames: Mapping[int, int],
        masks: VideoMasks,
    ) -> None:
        """Check one palette PNG against the objects a meta file declares.

        Args:
            video (str): Video name.
            name (str): The annotated frame.
            frame_index (int): Its index in the video.
            first_frames (Mapping[int, int]): Declared object id -> index of
                its first frame.
            masks (VideoMasks): The video's annotations.
        """
        present = object_ids_in(masks.id_map(name))
        path = masks.ann_paths[name]
        unknown = sorted(present - set(first_frames))
        if unknown:
            raise VOSDatasetError(
                f'mask has ids {unknown} that the meta file does not list for video {video!r}',
                path,
            )
        early = sorted(obj for obj in present if first_frames[obj] > frame_index)
        if early:
            raise VOSDatasetError(
                f'objects {early} are on frame {name}, before their first frame in the meta file',
                path,
            )
        absent = sorted(
            obj
            for obj, first in first_frames.items()
            if first == frame_index and obj not in present
        )
        if absent:
            raise VOSDatasetError(
                f'objects {absent} have no pixels on their first frame {name}', path
            )

    def _annotated_frames(self, video: str, frame_names: List[str], masks: VideoMasks) -> List[str]:
        """Frames the benchmark evaluates: every frame by default.

        Args:
            video (str): Video name.
            frame_names (List[str]): The video's frames, all evaluated by
                default.
            masks (VideoMasks): Its annotations (unused by default).

        Returns:
            List[str]: Frame names, in order.
        """
        return list(frame_names)

    def _video_extras(self, video: str, object_ids: List[int]) -> dict:
        """Optional per-video fields: ``categories`` from ``categories_file``.

        Args:
            video (str): Video name.
            object_ids (List[int]): Its objects.

        Returns:
            dict: Fields added to the item.
        """
        if self._file_categories is None:
            return {}
        entry = self._file_categories.get(video)
        missing = [obj for obj in object_ids if str(obj) not in (entry or {})]
        if missing:
            raise VOSDatasetError(
                f'no category for objects {missing} of video {video!r}', self.categories_file
            )
        return dict(categories={obj: entry[str(obj)] for obj in object_ids})


class MetaFileVOSDataset(BaseVOSDataset):
    """Base of the benchmarks whose ``ann_file`` is a json meta file (YouTube-VOS, LVOS).

    The file holds ``{"videos": {<video>: {"objects": {...}}}}``: the videos
    are its keys, sorted, and subclasses take each video's objects from it
    in :meth:`_declared_objects`. Takes the arguments of
    :class:`BaseVOSDataset`.
    """

    META_NAME: str = 'meta file'
    """How error messages name ``ann_file``."""

    def _load_meta(self) -> None:
        """Read the meta file (and ``categories_file``)."""
        super()._load_meta()
        meta = load_json(self.ann_file)
        if 'videos' not in meta:
            raise VOSDatasetError(f'{self.META_NAME} has no "videos" key', self.ann_file)
        self._videos_meta: Dict[str, dict] = meta['videos']

    def list_videos(self) -> List[str]:
        """Videos of the meta file, sorted.

        Returns:
            List[str]: Video names.
        """
        return sorted(self._videos_meta)
