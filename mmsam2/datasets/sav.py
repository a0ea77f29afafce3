"""SA-V val / test: per-object masks that may overlap."""

import os
import os.path as osp
from typing import Dict, List

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.registry import DATASETS

from .base_vos_dataset import BaseVOSDataset
from .video_masks import PER_OBJECT, VideoMasks


@DATASETS.register_module()
class SAVDataset(BaseVOSDataset):
    """SA-V val or test, with one binary PNG per object and annotated frame.

    Layout under ``data_root`` (the ``sav_val`` or ``sav_test`` folder)::

        sav_<split>.txt                                 video names
        JPEGImages_24fps/<video>/00000.jpg              every frame (24 fps)
        Annotations_6fps/<video>/<obj 000>/00000.png    every 4th frame (6 fps)

    Object ids are the folder numbers (they start at 0). Objects may overlap,
    so masks are read per object (``mask_layout='per_object'``). An object
    first appears on its first non-empty mask; ``annotated_frames`` are the
    frames with masks.

    Args:
        data_root (str): The ``sav_val`` / ``sav_test`` folder.
        split (str): 'val' or 'test'. Defaults to 'val'.
        full_scan (bool): Read every mask while loading; with False, each
            object's masks are read only up to its first non-empty one.
            Defaults to True.
        **kwargs: Other arguments of :class:`BaseVOSDataset` / mmengine's
            ``BaseDataset``.
    """

    METAINFO: dict = dict(dataset_name='SA-V', mask_layout=PER_OBJECT)
    LAYOUT = (
        'sav_<split>.txt, JPEGImages_24fps/<video>/00000.jpg and '
        'Annotations_6fps/<video>/<object 000>/00000.png'
    )

    def __init__(
        self, data_root: str, split: str = 'val', full_scan: bool = True, **kwargs
    ) -> None:
        kwargs.setdefault('ann_file', f'sav_{split}.txt')
        kwargs.setdefault(
            'data_prefix', dict(img_path='JPEGImages_24fps', ann_path='Annotations_6fps')
        )
        super().__init__(data_root=data_root, split=split, full_scan=full_scan, **kwargs)

    def _list_annotations(self, video: str) -> Dict[int, Dict[str, str]]:
        """List the per-object PNGs of a video.

        Args:
            video (str): Video name.

        Returns:
            Dict[int, Dict[str, str]]: Object id -> frame name -> PNG path.
        """
        folder = osp.join(self.data_prefix['ann_path'], video)
        if not osp.isdir(folder):
            raise VOSDatasetError(f'video {video!r} has no annotation folder', folder)
        ann_paths = {}
        for entry in sorted(os.listdir(folder)):
            path = osp.join(folder, entry)
            if entry.startswith('.'):
                continue
            if not (entry.isdigit() and osp.isdir(path)):
                raise VOSDatasetError(
                    'expected one numbered folder per object (000, 001, ...) in the SA-V '
                    'annotations of a video',
                    path,
                )
            ann_paths[int(entry)] = {
                osp.splitext(file)[0]: osp.join(path, file)
                for file in sorted(os.listdir(path))
                if file.endswith(self.ANN_SUFFIX)
            }
            if not ann_paths[int(entry)]:
                raise VOSDatasetError('object folder has no PNG mask', path)
        if not ann_paths:
            raise VOSDatasetError(f'video {video!r} has no object folder', folder)
        return ann_paths

    def _annotated_frames(self, video: str, frame_names: List[str], masks: VideoMasks) -> List[str]:
        """The frames with masks.

        Args:
            video (str): Video name (unused).
            frame_names (List[str]): The video's frames (unused: masks are on
                every 4th frame only).
            masks (VideoMasks): Its per-object annotations.

        Returns:
            List[str]: The frames any object has a PNG for, in order.
        """
        return masks.frame_names
