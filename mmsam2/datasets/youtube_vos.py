"""YouTube-VOS 2018 / 2019 semi-supervised video object segmentation."""

import os.path as osp
from typing import Dict, List, Optional, Union

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.fileio.video_frames import sort_frame_names
from mmsam2.registry import DATASETS

from .base_vos_dataset import MetaFileVOSDataset, load_json
from .video_masks import VideoMasks

YOUTUBE_VOS_YEARS = ('2018', '2019')


@DATASETS.register_module()
class YouTubeVOSDataset(MetaFileVOSDataset):
    """YouTube-VOS 2018 or 2019.

    Layout under ``data_root``::

        <split>/meta.json                       videos -> objects -> category, frames
        <split>/JPEGImages/<video>/00000.jpg    every 5th frame
        <split>/Annotations/<video>/00000.png   palette PNGs
        <split>_all_frames/JPEGImages/<video>/00000.jpg   (optional) every frame

    ``meta.json`` lists each video's objects with their category and the
    annotated (every 5th) frames they are on; an object's first listed frame
    is where it first appears, possibly after frame 0 (in ``valid``, the PNG
    of a frame holds only the objects that first appear on it). Those listed
    frames are the ones the benchmark evaluates (``annotated_frames``).
    With ``dense=True`` the frames come from ``<split>_all_frames``, so a
    model can track through every frame.

    Args:
        data_root (str): The YouTube-VOS folder.
        year (str | int): '2018' or '2019'. Defaults to '2019'.
        split (str): 'train', 'valid' or 'test'. Defaults to 'valid'.
        dense (bool): Use every frame (``<split>_all_frames``). Defaults to
            False.
        train_meta_file (str, optional): ``meta.json`` of the training split,
            relative to ``data_root`` (e.g. 'train/meta.json'): items then get
            ``seen``, whether each object's category is in the training split
            (YouTube-VOS reports seen and unseen categories apart). Defaults
            to None.
        full_scan (bool): Read every annotation while loading (see
            :class:`BaseVOSDataset`). Defaults to True.
        **kwargs: Other arguments of :class:`BaseVOSDataset` / mmengine's
            ``BaseDataset``.
    """

    METAINFO: dict = dict(dataset_name='YouTube-VOS', mask_layout='palette')
    YEARS = YOUTUBE_VOS_YEARS
    META_NAME = 'meta.json'
    LAYOUT = (
        '<split>/meta.json, <split>/JPEGImages/<video>/00000.jpg, '
        '<split>/Annotations/<video>/00000.png (and <split>_all_frames/JPEGImages for dense=True)'
    )

    def __init__(
        self,
        data_root: str,
        year: Union[str, int] = '2019',
        split: str = 'valid',
        dense: bool = False,
        train_meta_file: Optional[str] = None,
        full_scan: bool = True,
        **kwargs,
    ) -> None:
        self._set_year(year)
        self.dense = dense
        self.frame_step = 1 if dense else None
        self.train_meta_file = train_meta_file
        if train_meta_file and not osp.isabs(train_meta_file):
            self.train_meta_file = osp.join(data_root, train_meta_file)
        frame_folder = f'{split}_all_frames' if dense else split
        kwargs.setdefault('ann_file', f'{split}/meta.json')
        kwargs.setdefault(
            'data_prefix',
            dict(img_path=f'{frame_folder}/JPEGImages', ann_path=f'{split}/Annotations'),
        )
        super().__init__(data_root=data_root, split=split, full_scan=full_scan, **kwargs)

    def _load_meta(self) -> None:
        """Read ``meta.json`` (and the training split's one)."""
        super()._load_meta()
        self._seen_categories = None
        if self.train_meta_file:
            train_videos = load_json(self.train_meta_file).get('videos', {})
            self._seen_categories = {
                obj['category']
                for video in train_videos.values()
                for obj in video['objects'].values()
            }

    def _meta_objects(self, video: str) -> Dict[int, dict]:
        """Objects of a video in ``meta.json``.

        Args:
            video (str): Video name.

        Returns:
            Dict[int, dict]: Object id -> ``{'category', 'frames'}``.
        """
        objects = self._videos_meta[video].get('objects', {})
        if not objects or any(not obj.get('frames') for obj in objects.values()):
            raise VOSDatasetError(
                f'meta.json lists no objects / frames for video {video!r}', self.ann_file
            )
        return {int(obj_id): obj for obj_id, obj in objects.items()}

    def _declared_objects(self, video: str, frame_names: List[str]) -> Dict[int, str]:
        """Each object's first frame: the first of the frames ``meta.json`` lists for it.

        Args:
            video (str): Video name.
            frame_names (List[str]): The video's frames, which must include
                every frame ``meta.json`` lists.

        Returns:
            Dict[int, str]: Object id -> name of its first frame.
        """
        objects = self._meta_objects(video)
        listed = {name for obj in objects.values() for name in obj['frames']}
        self._require_frames(video, sorted(listed), frame_names, 'meta.json')
        return {obj_id: sort_frame_names(obj['frames'])[0] for obj_id, obj in objects.items()}

    def _annotated_frames(self, video: str, frame_names: List[str], masks: VideoMasks) -> List[str]:
        """The frames ``meta.json`` lists for any object.

        Args:
            video (str): Video name, whose ``meta.json`` entry is read.
            frame_names (List[str]): The video's frames (unused: with
                ``dense`` they are every frame, not only the annotated ones).
            masks (VideoMasks): Its annotations (unused: in ``valid`` they
                are only on the frames where objects first appear).

        Returns:
            List[str]: The listed frames, in order.
        """
        objects = self._meta_objects(video)
        return sort_frame_names(list({name for obj in objects.values() for name in obj['frames']}))

    def _video_extras(self, video: str, object_ids: List[int]) -> dict:
        """Categories from ``meta.json`` and, if known, which were seen in training.

        Args:
            video (str): Video name.
            object_ids (List[int]): Its objects, each with a category in
                ``meta.json``.

        Returns:
            dict: ``categories`` (and ``seen``).
        """
        objects = self._meta_objects(video)
        categories = {obj_id: objects[obj_id]['category'] for obj_id in object_ids}
        extras = dict(categories=categories)
        if self._seen_categories is not None:
            extras['seen'] = {
                obj_id: name in self._seen_categories for obj_id, name in categories.items()
            }
        return extras
