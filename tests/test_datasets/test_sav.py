import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmsam2.datasets import SAVDataset, VOSDatasetError, write_binary_mask
from mmsam2.registry import DATASETS


def test_items(synthetic_root):
    root = osp.join(synthetic_root('sav'), 'sav_val')
    dataset = SAVDataset(root, split='val', categories_file='categories.json')
    assert dataset.metainfo['mask_layout'] == 'per_object'
    item = dataset.get_data_info(0)
    assert item['mask_layout'] == 'per_object'
    assert item['frame_names'] == [f'{t:05d}' for t in range(12)]  # 24 fps frames
    assert item['annotated_frames'] == ['00000', '00004', '00008']  # 6 fps masks
    assert item['object_ids'] == [0, 1, 2, 3]  # 3 shapes (from 000) and a part of 000
    assert sorted(item['ann_paths'][2]) == ['00000', '00004', '00008']
    assert item['ann_paths'][0]['00004'] == osp.join(
        root, 'Annotations_6fps', 'video_000', '000', '00004.png'
    )
    # shape 2 first appears on frame 5, so its first mask is on frame 8
    assert item['first_frame_of_object'] == {0: 0, 1: 0, 2: 8, 3: 0}
    assert item['categories'][3] == item['categories'][0] + '_part'


def test_objects_overlap(synthetic_root):
    dataset = DATASETS.build(
        dict(type='SAVDataset', data_root=osp.join(synthetic_root('sav'), 'sav_val'))
    )
    masks = dataset[0]['annotations']['00000']
    whole, part = masks[0], masks[3]
    assert part.any() and (whole & part).sum() == part.sum() < whole.sum()
    with pytest.raises(TypeError, match='overlap'):
        dataset[0]['annotations'].id_map('00000')


def test_quick_scan_finds_the_same_objects(synthetic_root):
    root = osp.join(synthetic_root('sav'), 'sav_test')
    full = SAVDataset(root, split='test').get_data_info(0)
    quick = SAVDataset(root, split='test', full_scan=False).get_data_info(0)
    assert quick == full


def test_png_outside_object_folders(fresh_root):
    root = osp.join(fresh_root('sav'), 'sav_val')
    write_binary_mask(
        osp.join(root, 'Annotations_6fps', 'video_001', '00000.png'), np.zeros((48, 64))
    )
    with pytest.raises(VOSDatasetError, match='one numbered folder per object'):
        SAVDataset(root)


def test_object_never_visible(fresh_root):
    root = osp.join(fresh_root('sav'), 'sav_val')
    folder = osp.join(root, 'Annotations_6fps', 'video_001', '001')
    for name in os.listdir(folder):
        write_binary_mask(osp.join(folder, name), np.zeros((48, 64)))
    with pytest.raises(VOSDatasetError, match='object 001 .* empty on every annotated frame'):
        SAVDataset(root)


def test_mask_size_mismatch(fresh_root):
    root = osp.join(fresh_root('sav'), 'sav_val')
    path = osp.join(root, 'Annotations_6fps', 'video_001', '000', '00008.png')
    Image.open(path).resize((64, 64)).save(path)
    with pytest.raises(VOSDatasetError, match='mask is 64x64'):
        SAVDataset(root)


def test_wrong_root(synthetic_root):
    with pytest.raises(VOSDatasetError, match="'JPEGImages_24fps' not found"):
        SAVDataset(synthetic_root('sav'))  # the folder above sav_val
