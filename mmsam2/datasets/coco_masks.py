"""COCO-format instance masks (polygons or RLE) as one-frame training clips."""

import logging
import os.path as osp
from collections import defaultdict
from typing import Any, Dict, List, Tuple

from mmengine.logging import print_log

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.registry import DATASETS

from .base_vos_dataset import load_json
from .image_as_clip_dataset import BaseImageClipDataset


@DATASETS.register_module()
class COCOMaskClipDataset(BaseImageClipDataset):
    """Images of a COCO instances json as one-frame training clips.

    Any dataset in COCO's instance format works (COCO, LVIS-style exports,
    ...). Each annotation with a non-empty ``segmentation`` (polygons,
    uncompressed or compressed RLE, decoded with pycocotools) and a positive
    ``area`` is one object, whose id is the annotation ``id``; crowd
    annotations (``iscrowd=1``) are not used. Images without such an
    annotation are skipped when loading, with a logged count.

    Args:
        ann_file (str): The instances json, relative to ``data_root``.
        data_root (str): Dataset root. Defaults to ''.
        **kwargs: ``data_prefix`` (``img_path``: folder of the images,
            relative to ``data_root``; '' by default), ``max_num_objects``,
            ``multiplier``, ``pipeline``... of :class:`BaseImageClipDataset`.
    """

    METAINFO: dict = dict(dataset_name='COCO')

    def __init__(
        self,
        ann_file: str,
        data_root: str = '',
        **kwargs,
    ) -> None:
        kwargs.setdefault('data_prefix', dict(img_path=''))
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the json: one item per image with usable masks.

        Returns:
            List[dict]: ``img_path``, ``video_name`` (file stem), ``height``,
            ``width`` and ``segmentations`` (annotation id -> segmentation)
            per image, by image id.
        """
        content = load_json(self.ann_file)
        objects: Dict[int, Dict[int, Any]] = defaultdict(dict)
        for ann in content['annotations']:
            if ann.get('segmentation') and ann['area'] > 0 and not ann.get('iscrowd', 0):
                objects[ann['image_id']][int(ann['id'])] = ann['segmentation']
        images = sorted(content['images'], key=lambda image: image['id'])
        data_list = [
            dict(
                img_path=osp.join(self.data_prefix['img_path'], image['file_name']),
                video_name=osp.splitext(osp.basename(image['file_name']))[0],
                height=image['height'],
                width=image['width'],
                segmentations=objects[image['id']],
            )
            for image in images
            if image['id'] in objects
        ]
        if not data_list:
            raise VOSDatasetError('COCOMaskClipDataset: no image with a mask', self.ann_file)
        skipped = len(images) - len(data_list)
        if skipped:
            print_log(
                f'COCOMaskClipDataset: skipped {skipped} of {len(images)} images without masks',
                logger='current',
                level=logging.WARNING,
            )
        return data_list

    def load_objects(self, item: dict) -> Tuple[Dict[int, Any], Tuple[int, int]]:
        """Give an image's segmentations, read with the json.

        Args:
            item (dict): The image's item.

        Returns:
            Tuple[Dict[int, Any], Tuple[int, int]]: Annotation id ->
            segmentation, and the image's (height, width).
        """
        return item['segmentations'], (item['height'], item['width'])
