"""Training clips of T frames and up to K objects sampled from any VOS dataset."""

import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.registry import DATASETS

from .base_clip_dataset import BaseClipDataset, clip_results
from .base_vos_dataset import object_ids_in
from .video_masks import PALETTE, VideoMasks


def visible_objects(masks: VideoMasks, frame_name: str) -> Dict[int, np.ndarray]:
    """Read the masks of the objects visible on one annotated frame.

    Palette PNGs give every id they hold (not only the item's
    ``object_ids``, which may be incomplete without ``full_scan``); per-object
    layouts give the listed objects whose mask is not empty.

    Args:
        masks (VideoMasks): The video's annotations.
        frame_name (str): An annotated frame.

    Returns:
        Dict[int, np.ndarray]: Object id -> (H, W) bool mask, sorted by id.
    """
    if masks.mask_layout == PALETTE:
        ids = masks.id_map(frame_name)
        return {obj_id: ids == obj_id for obj_id in sorted(object_ids_in(ids))}
    per_object = {obj_id: masks.object_mask(obj_id, frame_name) for obj_id in masks.object_ids}
    return {obj_id: mask for obj_id, mask in per_object.items() if mask.any()}


def read_object_masks(masks: VideoMasks, frame_name: str, object_ids: Sequence[int]) -> np.ndarray:
    """Read some objects' masks on one annotated frame.

    Args:
        masks (VideoMasks): The video's annotations.
        frame_name (str): An annotated frame.
        object_ids (Sequence[int]): The K objects (at least one).

    Returns:
        np.ndarray: (K, H, W) bool masks, empty for an object absent from
        the frame.
    """
    if masks.mask_layout == PALETTE:
        ids = masks.id_map(frame_name)
        return np.stack([ids == obj_id for obj_id in object_ids])
    return np.stack([masks.object_mask(obj_id, frame_name) for obj_id in object_ids])


def missing_annotations(item: dict, masks: VideoMasks) -> List[str]:
    """Frames the benchmark annotates whose annotation is not on disk.

    Args:
        item (dict): An item of a :class:`BaseVOSDataset` (its
            ``annotated_frames``: the frames with ground truth).
        masks (VideoMasks): Its annotations as found on disk.

    Returns:
        List[str]: The expected annotation file of each such frame (its path
        when the annotations are palette PNGs in one folder, else
        ``'<video>: frame <name>'``), in frame order.
    """
    missing = [name for name in item.get('annotated_frames', ()) if name not in masks]
    paths = list(getattr(masks, 'ann_paths', {}).values())
    if getattr(masks, 'mask_layout', None) == PALETTE and paths:
        folder, suffix = osp.dirname(paths[0]), osp.splitext(paths[0])[1]
        return [osp.join(folder, name + suffix) for name in missing]
    return [f'{item["video_name"]}: frame {name}' for name in missing]


def annotated_frame_indices(item: dict, masks: Optional[VideoMasks] = None) -> List[int]:
    """Indices (into ``frame_names``) of a video's frames that have annotations.

    Args:
        item (dict): An item of a :class:`BaseVOSDataset`.
        masks (VideoMasks, optional): Its annotations. Defaults to None
            (read from the item's annotation PNGs).

    Returns:
        List[int]: Frame indices, increasing.
    """
    index = {name: t for t, name in enumerate(item['frame_names'])}
    annotated = (masks if masks is not None else VideoMasks.from_data_info(item)).frame_names
    return sorted(index[name] for name in annotated)


@DATASETS.register_module()
class VOSClipDataset(BaseClipDataset):
    """Training clips sampled from the videos of any VOS dataset.

    One source item is one video of ``dataset`` (a :class:`BaseVOSDataset`
    config such as ``dict(type='DAVISDataset', ...)``). Clips are drawn from
    the video's annotated frames (every frame for DAVIS and MOSE, every 5th for
    YouTube-VOS, every 4th for SA-V), following Meta's ``RandomUniformSampler``:

    1. a random start, then ``num_frames`` consecutive annotated frames;
    2. with probability ``reverse_time_prob``, the clip is played backwards;
    3. the objects visible on the clip's first frame are the candidates; if
       there are none, go back to 1 (at most ``max_retries`` times, then the
       item is skipped and mmengine draws another one);
    4. up to ``max_num_objects`` candidates are drawn at random.

    Only those frames and masks are read, through the video dataset's
    ``open_frames`` and ``open_annotations`` (image files and PNGs, or the
    mp4 and json RLEs of :class:`SAVTrainDataset`). An object absent from a
    later frame has an empty mask there. Videos with fewer than
    ``num_frames`` annotated frames are skipped when loading, with a logged
    count. Frames whose annotation file is missing (a palette PNG of DAVIS /
    MOSE, a frame ``meta.json`` lists) are left out of the clips, and a
    warning names the files: training goes on, but the user knows.

    Args:
        dataset (dict): Config of the VOS dataset to sample from; its own
            pipeline is not used. ``full_scan=False`` makes loading a large
            training split much faster and loses nothing here: the objects of
            a clip are read from its first frame.
        num_frames (int): T, frames per clip. Defaults to 8.
        max_num_objects (int): K, the most objects per clip. Defaults to 3.
        reverse_time_prob (float): Probability of playing a clip backwards.
            Defaults to 0.0.
        max_retries (int): Draws of a start frame per item before giving up
            on the video. Defaults to 100.
        multiplier (int): Repeat the videos this many times per epoch.
            Defaults to 1.
        **kwargs: ``pipeline``, ``metainfo``, ``lazy_init``,
            ``max_refetch``... of :class:`BaseClipDataset`.
    """

    def __init__(
        self,
        dataset: dict,
        num_frames: int = 8,
        max_num_objects: int = 3,
        reverse_time_prob: float = 0.0,
        max_retries: int = 100,
        multiplier: int = 1,
        **kwargs,
    ) -> None:
        if num_frames < 1:
            raise ValueError(f'num_frames must be at least 1, got {num_frames}')
        self.dataset_cfg = dict(dataset)
        self.num_frames = num_frames
        self.reverse_time_prob = reverse_time_prob
        self.max_retries = max_retries
        super().__init__(max_num_objects=max_num_objects, multiplier=multiplier, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Load the videos of ``dataset`` that have at least ``num_frames`` annotated frames.

        Returns:
            List[dict]: The videos' items, with ``clip_frames``: the indices
            of their annotated frames, which clips are drawn from.
        """
        videos = DATASETS.build(self.dataset_cfg)
        # frames and masks are read the way the video dataset says (files, mp4, RLE json)
        self.video_dataset_type = type(videos)
        self._metainfo.setdefault('dataset_name', videos.metainfo.get('dataset_name', ''))
        data_list, missing = [], []
        for i in range(len(videos)):
            item = videos.get_data_info(i)
            masks = videos.open_annotations(item)
            missing += missing_annotations(item, masks)
            item['clip_frames'] = annotated_frame_indices(item, masks)
            if len(item['clip_frames']) >= self.num_frames:
                data_list.append(item)
        name = self._metainfo['dataset_name']
        if missing:
            more = f' and {len(missing) - 5} more' if len(missing) > 5 else ''
            shown = ', '.join(missing[:5]) + more
            print_log(
                f'VOSClipDataset: {len(missing)} annotation file(s) of {name} are missing: '
                f'{shown}; their frames are left out of the training clips',
                logger='current',
                level=logging.WARNING,
            )
        skipped = len(videos) - len(data_list)
        if skipped:
            print_log(
                f'VOSClipDataset: skipped {skipped} of {len(videos)} {name} videos with fewer '
                f'than {self.num_frames} annotated frames',
                logger='current',
                level=logging.WARNING,
            )
        if not data_list:
            raise VOSDatasetError(
                f'VOSClipDataset: no {name} video has {self.num_frames} annotated frames'
            )
        return data_list

    def load_clip(self, item: dict) -> Optional[dict]:
        """Sample a clip of a video and read its frames and masks.

        Args:
            item (dict): The video's item.

        Returns:
            dict | None: The clip's results, or None if no clip with a
            visible object was found.
        """
        masks = self.video_dataset_type.open_annotations(item)
        sampled = self._sample_clip(item, masks)
        if sampled is None:
            return None
        frame_indices, first_masks = sampled
        object_ids = self.sample_objects(list(first_masks))
        frames = self.video_dataset_type.open_frames(item)
        names = [item['frame_names'][t] for t in frame_indices]
        gt_masks = [np.stack([first_masks[obj_id] for obj_id in object_ids])]
        gt_masks += [read_object_masks(masks, name, object_ids) for name in names[1:]]
        decoded = {t: frames[t] for t in sorted(frame_indices)}  # forward: cheaper for videos
        imgs = [decoded[t] for t in frame_indices]
        return clip_results(item['video_name'], frame_indices, imgs, gt_masks, object_ids)

    def _sample_clip(
        self, item: dict, masks: VideoMasks
    ) -> Optional[Tuple[List[int], Dict[int, np.ndarray]]]:
        """Draw frames until the first one shows an object (Meta's ``RandomUniformSampler``).

        Args:
            item (dict): The video's item.
            masks (VideoMasks): Its annotations.

        Returns:
            Tuple[List[int], Dict[int, np.ndarray]] | None: The clip's frame
            indices, in clip order, and the masks of the objects visible on
            its first frame; None after ``max_retries`` draws without.
        """
        pool = item['clip_frames']
        for _ in range(self.max_retries):
            start = np.random.randint(len(pool) - self.num_frames + 1)
            frame_indices = pool[start : start + self.num_frames]
            if np.random.rand() < self.reverse_time_prob:
                frame_indices = frame_indices[::-1]
            visible = visible_objects(masks, item['frame_names'][frame_indices[0]])
            if visible:
                return frame_indices, visible
        return None
