import os
import os.path as osp

import numpy as np
import pytest
from mmengine.dataset import pseudo_collate
from PIL import Image
from torch.utils.data import DataLoader

from mmsam2.datasets import DAVISDataset, VideoFrames, VideoMasks, VOSDatasetError
from mmsam2.registry import DATASETS

ITEM_KEYS = {
    'video_name',
    'video_length',
    'frame_paths',
    'frame_names',
    'ann_paths',
    'mask_layout',
    'merge_objects',
    'object_ids',
    'first_frame_of_object',
    'annotated_frames',
    'height',
    'width',
    'sample_idx',
}


def first_frames_from_gt(item):
    """Object id -> first frame index, from the annotation PNGs themselves."""
    masks = VideoMasks.from_data_info(item)
    first = {}
    for name in masks.frame_names:
        for obj_id in np.unique(masks.id_map(name)):
            if obj_id:
                first.setdefault(int(obj_id), item['frame_names'].index(name))
    return first


def test_davis_2017_items(synthetic_root):
    root = synthetic_root('davis')
    dataset = DAVISDataset(root, split='train', categories_file='categories.json')
    assert len(dataset) == 2
    assert dataset.metainfo['dataset_name'] == 'DAVIS'
    assert dataset.metainfo['year'] == '2017' and dataset.metainfo['split'] == 'train'
    item = dataset.get_data_info(0)
    assert set(item) == ITEM_KEYS | {'categories'}
    assert item['video_name'] == 'video_000' and item['video_length'] == 12
    assert item['frame_names'] == [f'{t:05d}' for t in range(12)]
    assert item['frame_paths'][3] == osp.join(root, 'JPEGImages', '480p', 'video_000', '00003.jpg')
    assert sorted(item['ann_paths']) == item['frame_names']
    assert item['object_ids'] == [1, 2, 3]
    assert item['first_frame_of_object'] == {1: 0, 2: 0, 3: 5}  # object 3 appears later
    assert item['first_frame_of_object'] == first_frames_from_gt(item)
    assert item['annotated_frames'] == item['frame_names']
    assert (item['height'], item['width']) == (48, 64)
    assert set(item['categories'].values()) <= {'circle', 'square', 'triangle'}
    assert item['mask_layout'] == 'palette' and item['merge_objects'] is False


def test_lazy_frames_and_masks(synthetic_root):
    dataset = DAVISDataset(synthetic_root('davis'), split='train')
    item = dataset[0]
    assert isinstance(item['frames'], VideoFrames) and isinstance(item['annotations'], VideoMasks)
    assert item['frames'][5].shape == (48, 64, 3)
    masks = item['annotations']['00005']
    assert sorted(masks) == [1, 2, 3] and masks[3].any() and masks[3].dtype == bool
    assert not item['annotations']['00000'][3].any()
    with pytest.raises(KeyError):
        item['annotations']['99999']


def test_data_loader_workers(synthetic_root):
    dataset = DAVISDataset(synthetic_root('davis'), split='train')
    loader = DataLoader(dataset, batch_size=1, num_workers=1, collate_fn=pseudo_collate)
    batches = list(loader)
    assert [batch['video_name'] for batch in batches] == [['video_000'], ['video_001']]
    assert batches[1]['frames'][0][0].shape == (48, 64, 3)


def test_object_that_leaves_and_comes_back(synthetic_root):
    item = DAVISDataset(synthetic_root('davis'), split='train')[0]
    present = [item['annotations'][name][2].any() for name in item['frame_names']]
    gone = present.index(False)
    assert present[0] and True in present[gone:]


def test_build_from_config(synthetic_root):
    dataset = DATASETS.build(
        dict(type='DAVISDataset', data_root=synthetic_root('davis'), year='2017', split='val')
    )
    assert isinstance(dataset, DAVISDataset) and len(dataset) == 1


def test_davis_2016_is_single_object(synthetic_root):
    root = synthetic_root('davis')
    single = DAVISDataset(root, year=2016, split='train')
    multi = DAVISDataset(root, year=2017, split='train')
    item, multi_item = single[0], multi[0]
    assert item['object_ids'] == [1] and item['merge_objects'] is True
    assert single.metainfo['year'] == '2016'
    for name in ('00000', '00007'):
        union = np.any(list(multi_item['annotations'][name].values()), axis=0)
        assert np.array_equal(item['annotations'][name][1], union)


def test_first_frame_only_scan(synthetic_root):
    dataset = DAVISDataset(synthetic_root('davis'), split='train', full_scan=False)
    assert dataset.get_data_info(0)['object_ids'] == [1, 2]


def test_serialization_does_not_change_items(synthetic_root):
    root = synthetic_root('davis')
    plain = DAVISDataset(root, split='train', serialize_data=False)
    packed = DAVISDataset(root, split='train')
    assert plain.get_data_info(1) == packed.get_data_info(1)


def test_bad_year():
    with pytest.raises(ValueError, match='year'):
        DAVISDataset('anywhere', year='2018')


def test_wrong_root(tmp_path):
    with pytest.raises(VOSDatasetError, match='data_root does not exist'):
        DAVISDataset(str(tmp_path / 'nope'))
    with pytest.raises(VOSDatasetError, match=r"'JPEGImages/480p' not found.*docs/datasets.md"):
        DAVISDataset(str(tmp_path))


def test_missing_frame(fresh_root):
    root = fresh_root('davis')
    os.remove(osp.join(root, 'JPEGImages', '480p', 'video_001', '00004.jpg'))
    with pytest.raises(VOSDatasetError, match='00003.jpg is followed by 00005.jpg'):
        DAVISDataset(root, split='train')
    os.remove(osp.join(root, 'JPEGImages', '480p', 'video_002', '00011.jpg'))
    with pytest.raises(VOSDatasetError, match=r"annotation refers to frames \['00011'\]"):
        DAVISDataset(root, split='val')


def test_video_without_frames(fresh_root):
    root = fresh_root('davis')
    with open(osp.join(root, 'ImageSets', '2017', 'val.txt'), 'a') as file:
        file.write('ghost\n')
    with pytest.raises(VOSDatasetError, match="video 'ghost' of split 'val' has no frames"):
        DAVISDataset(root, split='val')


def test_mask_size_mismatch(fresh_root):
    root = fresh_root('davis')
    path = osp.join(root, 'Annotations', '480p', 'video_002', '00006.png')
    Image.open(path).resize((32, 24)).save(path)
    with pytest.raises(VOSDatasetError, match=r'mask is 24x32 \(HxW\) but its frames are 48x64'):
        DAVISDataset(root, split='val')


def test_id_not_in_palette(fresh_root):
    root = fresh_root('davis')
    path = osp.join(root, 'Annotations', '480p', 'video_002', '00003.png')
    ids = np.array(Image.open(path))
    ids[0, 0] = 30
    image = Image.fromarray(ids)
    image.putpalette(np.zeros(17 * 3, np.uint8).tolist())
    image.save(path)
    with pytest.raises(VOSDatasetError, match=r'ids \[30\] are not in its 17-colour palette'):
        DAVISDataset(root, split='val')


def test_missing_category(fresh_root):
    root = fresh_root('davis')
    with open(osp.join(root, 'categories.json'), 'w') as file:
        file.write('{"video_002": {}}')
    with pytest.raises(VOSDatasetError, match='no category for objects'):
        DAVISDataset(root, split='val', categories_file='categories.json')
