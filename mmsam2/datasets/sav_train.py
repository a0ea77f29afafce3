"""SA-V train as released: mp4 videos with manual and automatic masklets in json files."""

import logging
import os
import os.path as osp
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

from mmsam2.registry import DATASETS

from .base_vos_dataset import BaseVOSDataset
from .errors import DOCS_HINT, VOSDatasetError
from .sav_train_frames import EncodedVideoFrames
from .sav_train_masklets import (
    AUTO,
    MANUAL,
    SAV_ANN_EVERY,
    SAVMasklets,
    masklet_areas,
    masklet_json_path,
    masklet_size,
    object_id_of,
    read_masklet_file,
)
from .video_masks import PER_OBJECT

MASKLET_CHOICES = {MANUAL: (MANUAL,), AUTO: (AUTO,), 'both': (MANUAL, AUTO)}
"""``masklets`` option -> the json files read."""
VIDEO_SUFFIX = '.mp4'


@DATASETS.register_module()
class SAVTrainDataset(BaseVOSDataset):
    """SA-V train, read from the mp4 videos and json masklets it is released as.

    Layout under ``data_root`` (the extracted ``sav_0NN.tar`` files, or the
    files of one folder)::

        sav_000/sav_000001.mp4           24 fps video
        sav_000/sav_000001_manual.json   manual masklets, every 4th frame (6 fps)
        sav_000/sav_000001_auto.json     automatic masklets (most videos)
        sav_001/...

    Videos are the ``.mp4`` files of ``data_prefix['img_path']`` and of its
    sub-folders (or the ids listed in ``ann_file``, one per line, like
    Meta's ``file_list_txt``); each has its json files next to it (or in the
    same sub-folder of ``data_prefix['ann_path']``). Nothing is extracted:
    :class:`VOSClipDataset` decodes the frames of a clip from the mp4
    (:class:`EncodedVideoFrames`) and its masks from the RLEs
    (:class:`SAVMasklets`).

    An item is the video at the annotation rate, like the JPEG folders of
    Meta's SA-V frame extraction (every 4th frame): frame ``i`` is frame
    ``4 i`` of the mp4 and is named by that number (``'00004'``), as SA-V
    val names its masks. The annotated frames are those where every
    masklet used has a mask (Meta's ``rm_unannotated``: a frame or a mask
    stored as null is not annotated). Manual masklet ``k`` is object ``k``,
    automatic masklet ``k`` object ``1000 + k``; objects may overlap
    (``mask_layout='per_object'``). An object's first frame is its first
    non-empty mask; masklets empty on every annotated frame are left out,
    and videos without a usable masklet (or, with ``masklets='auto'``,
    without an auto file) are skipped, with a logged count.

    Loading reads every json once (about 5 ms for a manual file of 0.3 MB,
    mostly json parsing) and checks its structure, its sizes and the area of
    every RLE. ``full_scan=True`` also checks every run of every RLE (about
    60 ms more per video) and opens every mp4 to check its frame count and
    size; without it, these problems are found when a clip reads the mask or
    frame, with the same :class:`VOSDatasetError` naming the file.

    Args:
        data_root (str): The SA-V train folder.
        masklets (str): Masklets to use: ``'manual'`` (Meta's
            ``JSONRawDataset`` reads only these), ``'auto'`` or ``'both'``
            (a video without auto file then uses its manual masklets).
            Defaults to 'manual'.
        ann_every (int): Video frames per annotated frame (Meta's
            ``ann_every``). Defaults to 4.
        full_scan (bool): Also check every RLE run and every mp4 while
            loading. Defaults to False.
        **kwargs: ``ann_file``, ``data_prefix`` (``img_path``: videos,
            ``ann_path``: json files; both '' by default), ``pipeline``,
            ``test_mode``... of :class:`BaseVOSDataset` / mmengine's
            ``BaseDataset``.

    Examples:
        >>> clips = dict(
        ...     type='VOSClipDataset',
        ...     dataset=dict(type='SAVTrainDataset', data_root='data/sav_train'),
        ...     num_frames=8)
    """

    METAINFO: dict = dict(dataset_name='SA-V train', mask_layout=PER_OBJECT)
    LAYOUT = (
        '<video>.mp4 with <video>_manual.json (and <video>_auto.json) in data_root or in its '
        'sub-folders (sav_000/, sav_001/, ...)'
    )

    def __init__(
        self,
        data_root: str,
        masklets: str = MANUAL,
        ann_every: int = SAV_ANN_EVERY,
        full_scan: bool = False,
        **kwargs,
    ) -> None:
        if masklets not in MASKLET_CHOICES:
            raise ValueError(f'masklets must be one of {tuple(MASKLET_CHOICES)}, got {masklets!r}')
        if ann_every < 1:
            raise ValueError(f'ann_every must be at least 1, got {ann_every}')
        self.masklets = masklets
        self.ann_every = ann_every
        kwargs.setdefault('data_prefix', dict(img_path='', ann_path=''))
        kwargs.setdefault('split', 'train')
        super().__init__(data_root=data_root, full_scan=full_scan, **kwargs)

    def _instance_metainfo(self) -> dict:
        return dict(split=self.split, masklets=self.masklets)

    @classmethod
    def open_frames(cls, data_info: Mapping) -> EncodedVideoFrames:
        """The item's frames, decoded from its mp4 when indexed.

        Args:
            data_info (Mapping): An item.

        Returns:
            EncodedVideoFrames: Frame i is frame ``i * ann_every`` of the mp4.
        """
        return EncodedVideoFrames(
            data_info['video_path'],
            [int(name) for name in data_info['frame_names']],
            (data_info['height'], data_info['width']),
        )

    @classmethod
    def open_annotations(cls, data_info: Mapping) -> SAVMasklets:
        """The item's masklets, decoded from their RLEs when read.

        Args:
            data_info (Mapping): An item.

        Returns:
            SAVMasklets: Its masks.
        """
        return SAVMasklets.from_data_info(data_info)

    def _required_paths(self) -> List[str]:
        paths = [self.data_prefix['img_path'], self.data_prefix['ann_path']]
        return paths + ([self.ann_file] if self.ann_file else [])

    def load_data_list(self) -> List[dict]:
        """Load one item per usable video (see the class docstring).

        Returns:
            List[dict]: The items, sorted by video id.
        """
        self._check_root()
        self._load_meta()
        self._notes: Dict[str, List[str]] = {}
        data_list = []
        for video in self.list_videos():
            item = self._load_video(video)
            if item is not None:
                data_list.append(item)
        for what, videos in self._notes.items():
            print_log(
                f'SAVTrainDataset: {len(videos)} videos {what} (e.g. {videos[:3]})',
                logger='current',
                level=logging.WARNING,
            )
        if not data_list:
            raise VOSDatasetError(
                f'SAVTrainDataset: no usable video with {self.masklets} masklets under '
                f'{self.data_root!r}. Expected: {self.LAYOUT}. {DOCS_HINT}'
            )
        return data_list

    def list_videos(self) -> List[str]:
        """Ids of the videos: the lines of ``ann_file``, or every mp4 found.

        Returns:
            List[str]: Video ids, sorted.
        """
        self._video_dirs = self._find_videos()
        if not self.ann_file:
            return sorted(self._video_dirs)
        with open(self.ann_file, encoding='utf-8') as file:
            listed = [osp.splitext(line.strip())[0] for line in file if line.strip()]
        missing = [video for video in listed if video not in self._video_dirs]
        if missing:
            raise VOSDatasetError(
                f'{len(missing)} videos of ann_file have no {VIDEO_SUFFIX} under '
                f'{self.data_prefix["img_path"]!r}, e.g. {missing[:3]}',
                self.ann_file,
            )
        return sorted(set(listed))

    def _find_videos(self) -> Dict[str, str]:
        """Find the mp4 files in the video folder and its sub-folders.

        Returns:
            Dict[str, str]: Video id -> its folder, relative to the video
            folder ('' for the folder itself).
        """
        root = self.data_prefix['img_path']
        found: Dict[str, str] = {}
        for entry in sorted(os.listdir(root)):
            if entry.endswith(VIDEO_SUFFIX):
                self._add_video(found, entry[: -len(VIDEO_SUFFIX)], '')
            elif osp.isdir(osp.join(root, entry)) and not entry.startswith('.'):
                for name in sorted(os.listdir(osp.join(root, entry))):
                    if name.endswith(VIDEO_SUFFIX):
                        self._add_video(found, name[: -len(VIDEO_SUFFIX)], entry)
        if not found:
            raise VOSDatasetError(
                f'SAVTrainDataset: no {VIDEO_SUFFIX} video in the folder or its sub-folders. '
                f'Expected: {self.LAYOUT}. {DOCS_HINT}',
                root,
            )
        return found

    def _add_video(self, found: Dict[str, str], video: str, folder: str) -> None:
        """Record a video, refusing one id found twice.

        Args:
            found (Dict[str, str]): Video id -> folder, updated.
            video (str): Video id.
            folder (str): Its folder relative to the video folder.
        """
        if video in found:
            paths = [osp.join(found[video], video), osp.join(folder, video)]
            raise VOSDatasetError(f'video {video!r} is found twice: {paths}', self.data_root)
        found[video] = folder

    def _note(self, video: str, what: str) -> None:
        """Count a video left out or read partly, for the log.

        Args:
            video (str): Video id.
            what (str): What happened, e.g. 'skipped: no auto masklet file'.
        """
        self._notes.setdefault(what, []).append(video)

    def _load_video(self, video: str) -> Optional[dict]:
        """Build the item of one video, or None to skip it.

        Args:
            video (str): Video id.

        Returns:
            dict | None: The item.
        """
        folder = self._video_dirs[video]
        video_path = osp.join(self.data_prefix['img_path'], folder, video + VIDEO_SUFFIX)
        ann_dir = osp.join(self.data_prefix['ann_path'], folder)
        ann_paths = {}
        for source in MASKLET_CHOICES[self.masklets]:
            path = masklet_json_path(ann_dir, video, source)
            if source == AUTO and not osp.isfile(path):
                continue  # not every SA-V video has automatic masklets
            ann_paths[source] = path
        if not ann_paths:
            self._note(video, 'skipped: no auto masklet file')
            return None
        if self.masklets == 'both' and AUTO not in ann_paths:
            self._note(video, 'have no auto masklet file: only their manual masklets are used')
        contents = {src: read_masklet_file(path, self.ann_every) for src, path in ann_paths.items()}
        size = self._common_size(contents, ann_paths)
        num_frames = min(len(content['masklet']) for content in contents.values())
        areas = {
            source: masklet_areas(content, ann_paths[source], self.full_scan)[:num_frames]
            for source, content in contents.items()
        }
        annotated, first_frames = self._find_masklets(areas)
        num_masklets = sum(source_areas.shape[1] for source_areas in areas.values())
        if not first_frames:
            self._note(video, 'skipped: no masklet is visible on an annotated frame')
            return None
        if len(first_frames) < num_masklets:
            self._note(video, 'have masklets never visible on an annotated frame (left out)')
        frame_names = [f'{t * self.ann_every:05d}' for t in range(num_frames)]
        if self.full_scan:
            self._check_video(video_path, frame_names, size)
        elif not osp.isfile(video_path):
            raise VOSDatasetError('video not found', video_path)
        object_ids = sorted(first_frames)
        return dict(
            video_name=video,
            video_path=video_path,
            video_length=num_frames,
            frame_names=frame_names,
            ann_paths=ann_paths,
            ann_every=self.ann_every,
            mask_layout=self.mask_layout,
            merge_objects=False,
            object_ids=object_ids,
            first_frame_of_object={obj: first_frames[obj] for obj in object_ids},
            annotated_frames=[frame_names[t] for t in np.flatnonzero(annotated)],
            height=size[0],
            width=size[1],
        )

    @staticmethod
    def _find_masklets(areas: Mapping[str, np.ndarray]) -> Tuple[np.ndarray, Dict[int, int]]:
        """Find the annotated frames and where each masklet is first visible on one.

        A frame is annotated if every masklet has a mask on it (Meta's
        ``rm_unannotated``: a null frame or mask is not an annotation).

        Args:
            areas (Mapping[str, np.ndarray]): Source -> (T, K) mask areas,
                NaN where not annotated (:func:`masklet_areas`).

        Returns:
            Tuple[np.ndarray, Dict[int, int]]: (T,) bool annotated frames,
            and object id -> first annotated frame where it is visible (for
            the masklets visible on one).
        """
        num_frames = min(len(source_areas) for source_areas in areas.values())
        annotated = np.ones(num_frames, bool)
        for source_areas in areas.values():
            annotated &= ~np.isnan(source_areas[:num_frames]).any(axis=1)
        first_frames: Dict[int, int] = {}
        for source, source_areas in areas.items():
            visible = annotated[:, None] & (np.nan_to_num(source_areas[:num_frames]) > 0)
            for k in np.flatnonzero(visible.any(axis=0)):
                first_frames[object_id_of(source, int(k))] = int(np.argmax(visible[:, k]))
        return annotated, first_frames

    @staticmethod
    def _common_size(contents: Mapping[str, dict], ann_paths: Mapping[str, str]) -> tuple:
        """The video size, which the manual and auto files must agree on.

        Args:
            contents (Mapping[str, dict]): Source -> masklet file content.
            ann_paths (Mapping[str, str]): Source -> file.

        Returns:
            tuple: (height, width).
        """
        sizes = {source: masklet_size(content) for source, content in contents.items()}
        if len(set(sizes.values())) > 1:
            raise VOSDatasetError(
                f'the masklet files disagree on the video size (HxW): {sizes}',
                ann_paths[AUTO],
            )
        return next(iter(sizes.values()))

    def _check_video(self, video_path: str, frame_names: List[str], size: tuple) -> None:
        """Check that the mp4 has the annotated frames, at the size of the masks.

        Args:
            video_path (str): The mp4.
            frame_names (List[str]): The item's frames.
            size (tuple): (height, width) of the masks.
        """
        frames = EncodedVideoFrames(video_path, [int(name) for name in frame_names], size)
        last = frames.frame_numbers[-1]
        if frames.num_file_frames <= last:
            raise VOSDatasetError(
                f'the masklets annotate frame {last} but the video has '
                f'{frames.num_file_frames} frames',
                video_path,
            )
        frames[0]  # decodes frame 0 and checks its size
