import json
import os
import os.path as osp
import shutil

import pytest

from mmsam2.datasets import VOSDatasetError, YouTubeVOSDataset
from mmsam2.registry import DATASETS


def test_valid_split(synthetic_root):
    root = synthetic_root('youtube_vos')
    dataset = YouTubeVOSDataset(root, split='valid', train_meta_file='train/meta.json')
    assert dataset.metainfo['dataset_name'] == 'YouTube-VOS'
    assert dataset.metainfo['year'] == '2019'
    item = dataset.get_data_info(0)
    assert item['video_name'] == 'video_002'
    assert item['frame_names'] == ['00000', '00005', '00010']  # every 5th frame
    assert item['annotated_frames'] == ['00000', '00005', '00010']
    # valid holds first-appearance masks only: object 3 first appears on 00005
    assert sorted(item['ann_paths']) == ['00000', '00005']
    assert item['first_frame_of_object'] == {1: 0, 2: 0, 3: 1}
    meta = json.load(open(osp.join(root, 'valid', 'meta.json')))['videos']['video_002']
    assert item['categories'] == {int(k): v['category'] for k, v in meta['objects'].items()}
    train_meta = json.load(open(osp.join(root, 'train', 'meta.json')))['videos']
    seen = {o['category'] for v in train_meta.values() for o in v['objects'].values()}
    assert item['seen'] == {k: c in seen for k, c in item['categories'].items()}
    masks = dataset[0]['annotations']
    assert masks['00005'][3].any() and not masks['00005'][1].any()


def test_dense_frames(synthetic_root):
    dataset = YouTubeVOSDataset(synthetic_root('youtube_vos'), split='valid', dense=True)
    item = dataset.get_data_info(0)
    assert item['frame_names'] == [f'{t:05d}' for t in range(12)]
    assert '_all_frames' in item['frame_paths'][0]
    assert item['first_frame_of_object'] == {1: 0, 2: 0, 3: 5}
    assert item['annotated_frames'] == ['00000', '00005', '00010']
    assert 'seen' not in item


def test_train_split_every_fifth_frame(synthetic_root):
    dataset = DATASETS.build(
        dict(
            type='YouTubeVOSDataset',
            data_root=synthetic_root('youtube_vos'),
            year=2018,
            split='train',
        )
    )
    assert dataset.metainfo['year'] == '2018' and len(dataset) == 2
    item = dataset.get_data_info(0)
    assert sorted(item['ann_paths']) == ['00000', '00005', '00010']
    assert item['object_ids'] == [1, 2, 3] and item['first_frame_of_object'][3] == 1


def test_bad_year():
    with pytest.raises(ValueError, match='year'):
        YouTubeVOSDataset('anywhere', year=2017)


def test_missing_all_frames(fresh_root):
    root = fresh_root('youtube_vos')
    shutil.rmtree(osp.join(root, 'valid_all_frames'))
    with pytest.raises(VOSDatasetError, match="'valid_all_frames/JPEGImages' not found"):
        YouTubeVOSDataset(root, split='valid', dense=True)


def test_meta_frame_missing(fresh_root):
    root = fresh_root('youtube_vos')
    os.remove(osp.join(root, 'valid', 'JPEGImages', 'video_002', '00010.jpg'))
    with pytest.raises(VOSDatasetError, match=r"meta.json refers to frames \['00010'\]"):
        YouTubeVOSDataset(root, split='valid')


def edit_meta(root, split, edit):
    path = osp.join(root, split, 'meta.json')
    meta = json.load(open(path))
    edit(meta['videos'])
    json.dump(meta, open(path, 'w'))


def test_undeclared_object(fresh_root):
    root = fresh_root('youtube_vos')
    edit_meta(root, 'valid', lambda videos: videos['video_002']['objects'].pop('2'))
    with pytest.raises(VOSDatasetError, match=r'ids \[2\] that the meta file does not list'):
        YouTubeVOSDataset(root, split='valid')


def test_first_frame_without_annotation(fresh_root):
    root = fresh_root('youtube_vos')
    os.remove(osp.join(root, 'valid', 'Annotations', 'video_002', '00005.png'))
    with pytest.raises(VOSDatasetError, match=r"frames \['00005'\] .* no annotation PNG"):
        YouTubeVOSDataset(root, split='valid')


def test_object_absent_on_its_first_frame(fresh_root):
    root = fresh_root('youtube_vos')

    def move_later(videos):
        videos['video_000']['objects']['3']['frames'].insert(0, '00000')

    edit_meta(root, 'train', move_later)
    with pytest.raises(VOSDatasetError, match=r'objects \[3\] have no pixels on their first'):
        YouTubeVOSDataset(root, split='train')
