"""Images with instance masks as one-frame training clips."""

from typing import Any, Dict, Optional, Tuple

import numpy as np
from pycocotools import mask as mask_utils

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.fileio.video_frames import VideoFrames

from .base_clip_dataset import BaseClipDataset, clip_results


def decode_segmentation(segmentation: Any, height: int, width: int) -> np.ndarray:
    """Decode a COCO segmentation: polygons, uncompressed or compressed RLE.

    Args:
        segmentation (list | dict): Polygons (a list of flat ``[x0, y0, x1,
            y1, ...]`` lists) or an RLE ``{'size': [h, w], 'counts': ...}``.
        height (int): Image height.
        width (int): Image width.

    Returns:
        np.ndarray: (H, W) bool mask.
    """
    if isinstance(segmentation, list):
        rle = mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    elif isinstance(segmentation['counts'], list):
        rle = mask_utils.frPyObjects(segmentation, height, width)
    else:
        rle = segmentation
    if tuple(rle['size']) != (height, width):
        raise VOSDatasetError(
            f'an RLE of size {tuple(rle["size"])} in an image of size {(height, width)}'
        )
    return mask_utils.decode(rle).astype(bool)


class BaseImageClipDataset(BaseClipDataset):
    """Base of the image datasets whose items are one-frame clips (T = 1).

    ``dataset[i]`` draws up to ``max_num_objects`` of image i's masks (Meta
    treats every mask of an image as visible on its only frame), decodes only
    those and the image, and passes the results through the pipeline, in
    the same format as :class:`VOSClipDataset`: ``video_name`` is the
    image's file stem and ``frame_indices`` is ``[0]``. An image without
    usable mask gives None, so mmengine draws another one.

    Subclasses list the images in ``load_data_list`` (items with
    ``img_path`` and ``video_name``) and read their masks in
    :meth:`load_objects`.

    Args:
        max_num_objects (int): K, the most objects per clip. Defaults to 3.
        multiplier (int): Repeat the images this many times per epoch.
            Defaults to 1.
        **kwargs: Other arguments of :class:`BaseClipDataset`.
    """

    def load_objects(self, item: dict) -> Tuple[Dict[int, Any], Tuple[int, int]]:
        """Read the usable segmentations of an image.

        Args:
            item (dict): The image's item.

        Returns:
            Tuple[Dict[int, Any], Tuple[int, int]]: Object id -> COCO
            segmentation, and the image's (height, width).
        """
        raise NotImplementedError

    def load_clip(self, item: dict) -> Optional[dict]:
        """Make a one-frame clip of an image.

        Args:
            item (dict): The image's item.

        Returns:
            dict | None: The clip's results, or None if the image has no
            usable mask.
        """
        segmentations, (height, width) = self.load_objects(item)
        if not segmentations:
            return None
        object_ids = self.sample_objects(list(segmentations))
        masks = np.stack(
            [decode_segmentation(segmentations[obj_id], height, width) for obj_id in object_ids]
        )
        image = VideoFrames([item['img_path']], (height, width))[0]
        return clip_results(item['video_name'], [0], [image], [masks], object_ids)
