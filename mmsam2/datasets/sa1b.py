"""SA-1B: images with automatic masks as COCO RLEs, one json per image."""

import os
import os.path as osp
from typing import Any, Dict, List, Tuple

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.registry import DATASETS

from .base_vos_dataset import load_json
from .image_as_clip_dataset import BaseImageClipDataset


@DATASETS.register_module()
class SA1BDataset(BaseImageClipDataset):
    """SA-1B images as one-frame training clips.

    Layout under ``data_root`` (one extracted ``sa_0000xx.tar``)::

        sa_1.jpg
        sa_1.json    {"image": {"height", "width", ...},
                      "annotations": [{"id", "segmentation": <RLE>, "area", ...}]}

    The images are the ``.jpg`` files of ``data_prefix['img_path']`` (or the
    names listed in ``ann_file``, one per line, with or without extension);
    each has a json of the same stem in ``data_prefix['ann_path']``, read
    when the image is drawn. Masks with no area, or covering at least
    ``mask_area_frac_thresh`` of the image (Meta's filter of huge
    background masks), are not used. Object ids are the annotations' ``id``.

    Args:
        data_root (str): The SA-1B folder.
        mask_area_frac_thresh (float): Drop masks whose area is at least this
            fraction of the image. Defaults to 1.1 (keep all).
        **kwargs: ``data_prefix`` (``img_path``: images, ``ann_path``:
            jsons, relative to ``data_root``; both '' by default),
            ``ann_file``, ``max_num_objects``, ``multiplier``,
            ``pipeline``... of :class:`BaseImageClipDataset`.
    """

    METAINFO: dict = dict(dataset_name='SA-1B')

    def __init__(
        self,
        data_root: str,
        mask_area_frac_thresh: float = 1.1,
        **kwargs,
    ) -> None:
        self.mask_area_frac_thresh = mask_area_frac_thresh
        kwargs.setdefault('data_prefix', dict(img_path='', ann_path=''))
        super().__init__(data_root=data_root, **kwargs)

    def _image_names(self) -> List[str]:
        """Stems of the images: the lines of ``ann_file``, or the image folder's ``.jpg`` files.

        Returns:
            List[str]: Image names, sorted.
        """
        if self.ann_file:
            with open(self.ann_file, encoding='utf-8') as file:
                return sorted(osp.splitext(line.strip())[0] for line in file if line.strip())
        folder = self.data_prefix['img_path']
        if not osp.isdir(folder):
            raise VOSDatasetError('SA1BDataset: image folder not found', folder)
        return sorted(osp.splitext(name)[0] for name in os.listdir(folder) if name.endswith('.jpg'))

    def load_data_list(self) -> List[dict]:
        """List the images (their jsons are read when drawn).

        Returns:
            List[dict]: ``img_path``, ``ann_path`` and ``video_name`` per image.
        """
        img_dir, ann_dir = self.data_prefix['img_path'], self.data_prefix['ann_path']
        names = self._image_names()
        if not names:
            raise VOSDatasetError('SA1BDataset: no .jpg image', img_dir)
        return [
            dict(
                img_path=osp.join(img_dir, name + '.jpg'),
                ann_path=osp.join(ann_dir, name + '.json'),
                video_name=name,
            )
            for name in names
        ]

    def load_objects(self, item: dict) -> Tuple[Dict[int, Any], Tuple[int, int]]:
        """Read an image's json and keep the usable masks.

        Args:
            item (dict): The image's item.

        Returns:
            Tuple[Dict[int, Any], Tuple[int, int]]: Annotation id -> RLE, and
            the image's (height, width).
        """
        content = load_json(item['ann_path'])
        height, width = content['image']['height'], content['image']['width']
        max_area = self.mask_area_frac_thresh * height * width
        segmentations = {
            int(ann['id']): ann['segmentation']
            for ann in content['annotations']
            if 0 < ann['area'] < max_area
        }
        return segmentations, (height, width)
