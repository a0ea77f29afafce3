"""MOSE (complex video object segmentation)."""

import os
import os.path as osp
from typing import List, Optional

from mmsam2.registry import DATASETS

from .base_vos_dataset import BaseVOSDataset


@DATASETS.register_module()
class MOSEDataset(BaseVOSDataset):
    """MOSE, laid out like DAVIS with one folder per split.

    Layout under ``data_root``::

        <split>/JPEGImages/<video>/00000.jpg
        <split>/Annotations/<video>/00000.png   palette PNGs (first frame only in valid)

    The videos are the folders of ``<split>/JPEGImages`` (or the lines of
    ``ann_file`` when given). Every frame is evaluated.

    Args:
        data_root (str): The MOSE folder.
        split (str): 'train' or 'valid'. Defaults to 'valid'.
        categories_file (str, optional): Json of video -> object id ->
            category, relative to ``data_root``. Defaults to None.
        full_scan (bool): Read every annotation while loading (see
            :class:`BaseVOSDataset`). Defaults to True.
        **kwargs: Other arguments of :class:`BaseVOSDataset` / mmengine's
            ``BaseDataset``.
    """

    METAINFO: dict = dict(dataset_name='MOSE', mask_layout='palette')
    LAYOUT = '<split>/JPEGImages/<video>/00000.jpg and <split>/Annotations/<video>/00000.png'

    def __init__(
        self,
        data_root: str,
        split: str = 'valid',
        categories_file: Optional[str] = None,
        full_scan: bool = True,
        **kwargs,
    ) -> None:
        kwargs.setdefault(
            'data_prefix', dict(img_path=f'{split}/JPEGImages', ann_path=f'{split}/Annotations')
        )
        super().__init__(
            data_root=data_root,
            split=split,
            categories_file=categories_file,
            full_scan=full_scan,
            **kwargs,
        )

    def list_videos(self) -> List[str]:
        """The frame folders of the split (or the lines of ``ann_file``).

        Returns:
            List[str]: Video names, sorted.
        """
        if self.ann_file:
            return super().list_videos()
        root = self.data_prefix['img_path']
        return sorted(name for name in os.listdir(root) if osp.isdir(osp.join(root, name)))
