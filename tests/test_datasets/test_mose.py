import os.path as osp
import shutil

import pytest

from mmsam2.datasets import MOSEDataset, VOSDatasetError
from mmsam2.registry import DATASETS


def test_valid_split(synthetic_root):
    dataset = MOSEDataset(synthetic_root('mose'), split='valid')
    assert dataset.metainfo == dict(dataset_name='MOSE', mask_layout='palette', split='valid')
    item = dataset.get_data_info(0)
    assert item['video_name'] == 'video_002'
    assert list(item['ann_paths']) == ['00000']  # first-frame masks only
    assert item['object_ids'] == [1, 2]  # object 3 is not on frame 0
    assert item['annotated_frames'] == [f'{t:05d}' for t in range(12)]  # every frame evaluated


def test_train_split(synthetic_root):
    dataset = DATASETS.build(
        dict(
            type='MOSEDataset',
            data_root=synthetic_root('mose'),
            split='train',
            categories_file='categories.json',
        )
    )
    assert [dataset.get_data_info(i)['video_name'] for i in range(2)] == ['video_000', 'video_001']
    item = dataset.get_data_info(0)
    assert item['first_frame_of_object'] == {1: 0, 2: 0, 3: 5}
    assert set(item['categories']) == {1, 2, 3}


def test_video_list_file(synthetic_root, tmp_path):
    video_list = tmp_path / 'subset.txt'
    video_list.write_text('video_001\n')
    dataset = MOSEDataset(synthetic_root('mose'), split='train', ann_file=str(video_list))
    assert len(dataset) == 1 and dataset.get_data_info(0)['video_name'] == 'video_001'


def test_video_without_annotations(fresh_root):
    root = fresh_root('mose')
    shutil.rmtree(osp.join(root, 'valid', 'Annotations', 'video_002'))
    with pytest.raises(VOSDatasetError, match="video 'video_002' has no annotation folder"):
        MOSEDataset(root, split='valid')


def test_wrong_root(synthetic_root):
    with pytest.raises(VOSDatasetError, match="'test/JPEGImages' not found"):
        MOSEDataset(synthetic_root('mose'), split='test')
