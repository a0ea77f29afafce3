"""SA-1B and COCO-format images as one-frame clips, on tiny files written in tmp_path."""

import json
import os.path as osp
from typing import Dict, List

import numpy as np
import pytest
import torch
from PIL import Image
from pycocotools import mask as mask_utils

from mmsam2.datasets import COCOMaskClipDataset, SA1BDataset, VOSDatasetError
from mmsam2.datasets.image_as_clip_dataset import decode_segmentation
from mmsam2.registry import DATASETS

HEIGHT, WIDTH = 20, 30


def box_mask(top: int, left: int, bottom: int, right: int) -> np.ndarray:
    """(H, W) bool mask of a box, bottom and right excluded."""
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[top:bottom, left:right] = True
    return mask


def compressed_rle(mask: np.ndarray) -> dict:
    """COCO compressed RLE with string counts, as in SA-1B jsons."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=rle['size'], counts=rle['counts'].decode())


def write_image(path: str, seed: int) -> None:
    """Write a random RGB image."""
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)).save(path)


SA1B_MASKS = {
    11: box_mask(2, 3, 8, 9),
    12: box_mask(10, 12, 18, 25),
    13: box_mask(0, 0, HEIGHT, WIDTH - 1),  # covers 97% of the image
}


@pytest.fixture
def sa1b_root(tmp_path) -> str:
    """Two SA-1B images: sa_1 with the masks above (and an empty one), sa_2 without masks."""
    annotations: Dict[str, List[dict]] = {
        'sa_1': [
            dict(id=i, segmentation=compressed_rle(m), area=int(m.sum()))
            for i, m in SA1B_MASKS.items()
        ]
        + [dict(id=14, segmentation=compressed_rle(box_mask(0, 0, 0, 0)), area=0)],
        'sa_2': [],
    }
    for seed, (name, anns) in enumerate(annotations.items()):
        write_image(str(tmp_path / f'{name}.jpg'), seed)
        content = dict(image=dict(image_id=seed, height=HEIGHT, width=WIDTH), annotations=anns)
        (tmp_path / f'{name}.json').write_text(json.dumps(content))
    return str(tmp_path)


def test_sa1b_one_frame_clips(sa1b_root) -> None:
    dataset = DATASETS.build(dict(type='SA1BDataset', data_root=sa1b_root, max_num_objects=3))
    assert len(dataset) == 2 and dataset.metainfo['dataset_name'] == 'SA-1B'
    np.random.seed(0)
    clip = dataset.prepare_data(0)
    assert clip['video_name'] == 'sa_1' and clip['frame_indices'] == [0]
    assert len(clip['imgs']) == 1 and clip['imgs'][0].shape == (HEIGHT, WIDTH, 3)
    assert clip['instances_ids'].tolist() == [11, 12, 13]  # the empty mask 14 is not used
    expected = np.stack([SA1B_MASKS[i] for i in (11, 12, 13)])
    np.testing.assert_array_equal(clip['gt_masks'][0], expected)
    assert dataset.prepare_data(1) is None  # no mask: mmengine draws another image


def test_sa1b_filters_and_samples(sa1b_root, tmp_path) -> None:
    dataset = SA1BDataset(sa1b_root, mask_area_frac_thresh=0.9, max_num_objects=1)
    np.random.seed(0)
    drawn = {int(dataset.prepare_data(0)['instances_ids'][0]) for _ in range(20)}
    assert drawn == {11, 12}  # the huge mask 13 is filtered out
    (tmp_path / 'list.txt').write_text('sa_2.jpg\n')
    assert SA1BDataset(sa1b_root, ann_file='list.txt').get_data_info(0)['video_name'] == 'sa_2'
    with pytest.raises(VOSDatasetError, match='image folder not found'):
        SA1BDataset(osp.join(sa1b_root, 'missing'))


def test_image_clip_through_the_pipeline(sa1b_root) -> None:
    pipeline = [
        dict(type='ClipRandomHorizontalFlip', prob=1.0),
        dict(type='ClipResize', size=32),
        dict(type='PackSAM2ClipInputs'),
    ]
    dataset = SA1BDataset(sa1b_root, pipeline=pipeline)
    out = dataset[0]
    assert out['inputs'].shape == (1, 3, 32, 32) and out['inputs'].dtype == torch.uint8
    frame = out['data_samples'].video_data_samples[0]
    assert frame.flip is True and frame.ori_shape == (HEIGHT, WIDTH)
    assert frame.gt_instances.masks.shape == (3, 32, 32)


@pytest.fixture
def coco_file(tmp_path) -> str:
    """A COCO instances json: image 1 with polygon, RLE and crowd objects; 2 with only crowd."""
    (tmp_path / 'images').mkdir()
    for image_id in (1, 2):
        write_image(str(tmp_path / 'images' / f'{image_id:012d}.jpg'), image_id)
    annotations = [
        dict(id=5, image_id=1, iscrowd=0, area=36.0, segmentation=[[3, 2, 9, 2, 9, 8, 3, 8]]),
        dict(
            id=6,
            image_id=1,
            iscrowd=0,
            area=16.0,
            # uncompressed RLE of box_mask(0, 0, 4, 4), column by column
            segmentation=dict(size=[HEIGHT, WIDTH], counts=[0, 4, 16, 4, 16, 4, 16, 4, 536]),
        ),
        dict(
            id=7,
            image_id=1,
            iscrowd=0,
            area=30.0,
            segmentation=compressed_rle(box_mask(10, 10, 15, 16)),
        ),
        dict(
            id=8,
            image_id=2,
            iscrowd=1,
            area=20.0,
            segmentation=compressed_rle(box_mask(1, 1, 5, 6)),
        ),
    ]
    images = [dict(id=i, file_name=f'{i:012d}.jpg', height=HEIGHT, width=WIDTH) for i in (2, 1)]
    path = tmp_path / 'instances.json'
    path.write_text(json.dumps(dict(images=images, annotations=annotations, categories=[])))
    return str(path)


def test_coco_masks(coco_file) -> None:
    root = osp.dirname(coco_file)
    dataset = DATASETS.build(
        dict(
            type='COCOMaskClipDataset',
            data_root=root,
            ann_file='instances.json',
            data_prefix=dict(img_path='images'),
            max_num_objects=5,
        )
    )
    assert len(dataset) == 1  # image 2 has only a crowd annotation
    item = dataset.get_data_info(0)
    assert item['video_name'] == '000000000001' and sorted(item['segmentations']) == [5, 6, 7]
    clip = dataset.prepare_data(0)
    assert clip['instances_ids'].tolist() == [5, 6, 7]
    polygon, rle, compressed = clip['gt_masks'][0]
    assert polygon[2:8, 3:9].all() and polygon.sum() <= 7 * 7
    np.testing.assert_array_equal(rle, box_mask(0, 0, 4, 4))
    np.testing.assert_array_equal(compressed, box_mask(10, 10, 15, 16))
    assert clip['imgs'][0].shape == (HEIGHT, WIDTH, 3)


def test_decode_segmentation_checks_size() -> None:
    with pytest.raises(VOSDatasetError, match='RLE of size'):
        decode_segmentation(compressed_rle(box_mask(0, 0, 2, 2)), HEIGHT + 1, WIDTH)


def test_coco_without_masks(tmp_path) -> None:
    path = tmp_path / 'empty.json'
    path.write_text(json.dumps(dict(images=[], annotations=[])))
    with pytest.raises(VOSDatasetError, match='no image with a mask'):
        COCOMaskClipDataset(str(path))
