import json
import os.path as osp

import pytest

from mmsam2.datasets import LVOSDataset, VideoMasks, VOSDatasetError
from mmsam2.registry import DATASETS


def read_meta(root, split):
    return json.load(open(osp.join(root, split, f'{split}_meta.json')))


def test_frame_ranges_give_first_frames(synthetic_root):
    root = synthetic_root('lvos')
    dataset = LVOSDataset(root, split='train')
    item = dataset.get_data_info(0)
    assert item['frame_names'][:2] == ['00000001', '00000002']  # 8 digits, from 1
    assert item['first_frame_of_object'] == {1: 0, 2: 0, 3: 5}
    ranges = read_meta(root, 'train')['videos']['video_000']['objects']
    masks = VideoMasks.from_data_info(item)
    for obj_id, obj in ranges.items():
        start, end = obj['frame_range']['start'], obj['frame_range']['end']
        present = [n for n in item['frame_names'] if masks[n][int(obj_id)].any()]
        assert (present[0], present[-1]) == (start, end)
    starts = [int(obj['frame_range']['start']) for obj in ranges.values()]
    ends = [int(obj['frame_range']['end']) for obj in ranges.values()]
    assert item['annotated_frames'] == [
        n for n in item['frame_names'] if min(starts) <= int(n) <= max(ends)
    ]


def test_valid_split_first_masks_only(synthetic_root):
    dataset = DATASETS.build(
        dict(type='LVOSDataset', data_root=synthetic_root('lvos'), split='valid')
    )
    assert dataset.metainfo['dataset_name'] == 'LVOS'
    item = dataset.get_data_info(0)
    assert sorted(item['ann_paths']) == ['00000001', '00000006']
    assert item['first_frame_of_object'] == {1: 0, 2: 0, 3: 5}


def write_meta(root, split, edit):
    meta = read_meta(root, split)
    edit(meta['videos']['video_002']['objects'])
    json.dump(meta, open(osp.join(root, split, f'{split}_meta.json'), 'w'))


def test_range_outside_the_video(fresh_root):
    root = fresh_root('lvos')
    write_meta(root, 'valid', lambda objects: objects['1']['frame_range'].update(end=99))
    with pytest.raises(VOSDatasetError, match=r'refers to frames \[99\]'):
        LVOSDataset(root)


def test_malformed_frame_range(fresh_root):
    root = fresh_root('lvos')
    write_meta(root, 'valid', lambda objects: objects['1'].pop('frame_range'))
    with pytest.raises(VOSDatasetError, match='malformed frame_range'):
        LVOSDataset(root)


def test_start_without_annotation(fresh_root):
    root = fresh_root('lvos')
    write_meta(root, 'valid', lambda objects: objects['3']['frame_range'].update(start=3))
    with pytest.raises(VOSDatasetError, match=r"frames \['00000003'\] .* no annotation PNG"):
        LVOSDataset(root)
