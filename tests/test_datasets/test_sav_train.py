"""SA-V train read from mp4 + json masklets, on a synthetic SA-V train (3 videos, 24 frames).

Video sav_000001 has 3 shapes: 1 stays, 2 leaves the frame (gone on frames 4,
12 and 16) and comes back, 3 first appears on frame 10 (first annotated on 12);
sav_000003 has no auto masklet file. Frames go through lossy H.264, masks
through COCO RLEs, which must give them back exactly.
"""

import json
import os
import os.path as osp
import pickle
import shutil
from typing import Callable, List

import numpy as np
import pytest
import torch
from mmdet.structures import TrackDataSample
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmsam2.datasets import (
    AUTO_ID_OFFSET,
    SAVTrainDataset,
    VOSClipDataset,
    VOSDatasetError,
    generate_synthetic_sav_train,
)
from mmsam2.datasets.sav_train_masklets import rle_runs
from mmsam2.datasets.sav_train_writer import (
    synthetic_masklets,
    synthetic_sav_train_videos,
    write_mp4,
)
from mmsam2.datasets.synthetic import SyntheticVideo
from mmsam2.registry import DATASETS
from mmsam2.utils.rle import encode_rle

SPEC = dict(num_videos=3, num_frames=24, size=(48, 64), max_objects=3, seed=0)
CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets')
FIRST = 'sav_000/sav_000001'


@pytest.fixture(scope='module')
def sav_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = str(tmp_path_factory.mktemp('sav_train'))
    generate_synthetic_sav_train(root, **SPEC)
    return root


@pytest.fixture(scope='module')
def sources() -> List[SyntheticVideo]:
    return synthetic_sav_train_videos(**SPEC)


@pytest.fixture
def broken_root(sav_root: str, tmp_path) -> Callable[[], str]:
    """A private copy of the synthetic SA-V train that a test may break."""

    def copy() -> str:
        return shutil.copytree(sav_root, str(tmp_path / 'sav_train'))

    return copy


def _edit_json(path: str, edit: Callable[[dict], None]) -> None:
    with open(path) as file:
        content = json.load(file)
    edit(content)
    with open(path, 'w') as file:
        json.dump(content, file)


def _clips(root: str, **kwargs) -> VOSClipDataset:
    dataset = dict(type='SAVTrainDataset', data_root=root, **kwargs.pop('dataset', {}))
    return DATASETS.build(dict(type='VOSClipDataset', dataset=dataset, **kwargs))


def test_items(sav_root: str) -> None:
    dataset = DATASETS.build(dict(type='SAVTrainDataset', data_root=sav_root))
    assert dataset.metainfo['dataset_name'] == 'SA-V train'
    assert dataset.metainfo['mask_layout'] == 'per_object'
    assert [dataset.get_data_info(i)['video_name'] for i in range(3)] == [
        'sav_000001',
        'sav_000002',
        'sav_000003',
    ]
    item = dataset.get_data_info(0)
    # the video at 6 fps: frame i is frame 4 i of the mp4, named by that number
    assert item['frame_names'] == ['00000', '00004', '00008', '00012', '00016', '00020']
    assert item['annotated_frames'] == item['frame_names']
    assert item['video_length'] == 6 and (item['height'], item['width']) == (48, 64)
    assert item['video_path'] == osp.join(sav_root, FIRST + '.mp4')
    assert item['ann_paths'] == {'manual': osp.join(sav_root, FIRST + '_manual.json')}
    assert item['object_ids'] == [0, 1, 2]  # manual masklets 0..2: shapes 1..3
    assert item['first_frame_of_object'] == {0: 0, 1: 0, 2: 3}  # shape 3 from frame 12


def test_frames_come_from_every_4th_mp4_frame(sav_root: str, sources) -> None:
    dataset = SAVTrainDataset(sav_root)
    frames = dataset.open_frames(dataset.get_data_info(0))
    assert len(frames) == 6 and frames.num_file_frames == 24
    for i, frame in enumerate(frames):
        assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
        errors = [np.abs(frame.astype(float) - source).mean() for source in sources[0].frames]
        assert int(np.argmin(errors)) == 4 * i and errors[4 * i] < 8  # lossy, but that frame
    np.testing.assert_array_equal(frames[-1], frames[5])
    assert frames[2:4].frame_numbers == [8, 12]
    clone = pickle.loads(pickle.dumps(frames))  # workers get the path, not the open file
    np.testing.assert_array_equal(clone[1], frames[1])


def test_masks_survive_the_rle_round_trip(sav_root: str, sources) -> None:
    dataset = SAVTrainDataset(sav_root, masklets='both')
    for index, video in enumerate(sources):
        item = dataset.get_data_info(index)
        masks = dataset.open_annotations(item)
        manual, auto = synthetic_masklets(video)
        for t, name in enumerate(item['frame_names']):
            frame = masks[name]
            for k in range(manual.shape[1]):
                np.testing.assert_array_equal(frame[k], manual[t, k])
                if index < 2:  # sav_000003 has no auto file
                    np.testing.assert_array_equal(frame[AUTO_ID_OFFSET + k], auto[t, k])
        with pytest.raises(TypeError, match='overlap'):
            masks.id_map('00000')


def test_masklet_choice(sav_root: str) -> None:
    ids = lambda ds: [ds.get_data_info(i)['object_ids'] for i in range(len(ds))]  # noqa: E731
    manual = SAVTrainDataset(sav_root, masklets='manual')
    assert all(max(obj) < AUTO_ID_OFFSET for obj in ids(manual))
    auto = SAVTrainDataset(sav_root, masklets='auto')
    assert len(auto) == 2  # sav_000003 has no auto file: skipped, and logged
    assert all(min(obj) >= AUTO_ID_OFFSET for obj in ids(auto))
    both = SAVTrainDataset(sav_root, masklets='both')
    assert len(both) == 3
    assert ids(both)[0] == [0, 1, 2, 1000, 1001, 1002] and ids(both)[2] == ids(manual)[2]
    assert set(both.get_data_info(0)['ann_paths']) == {'manual', 'auto'}
    with pytest.raises(ValueError, match='masklets'):
        SAVTrainDataset(sav_root, masklets='all')


def test_clips(sav_root: str, sources) -> None:
    clips = _clips(sav_root, num_frames=3, max_num_objects=3, reverse_time_prob=0.5)
    assert len(clips) == 3 and clips.metainfo['dataset_name'] == 'SA-V train'
    assert clips.get_data_info(0)['clip_frames'] == list(range(6))
    np.random.seed(0)
    reversed_seen, gone_seen = False, False
    for draw in range(24):
        index = draw % 3
        clip = clips[index]
        video, ids = sources[index], clip['instances_ids'].tolist()
        indices = clip['frame_indices']
        assert np.abs(np.diff(indices)).tolist() == [1, 1]  # consecutive annotated frames
        reversed_seen |= indices[0] > indices[1]
        for t, imgs, masks in zip(indices, clip['imgs'], clip['gt_masks']):
            truth = np.stack([video.id_maps[4 * t] == obj + 1 for obj in ids])
            np.testing.assert_array_equal(masks, truth)  # exact after the RLE round trip
            assert np.abs(imgs.astype(float) - video.frames[4 * t]).mean() < 8
        assert clip['gt_masks'][0].reshape(len(ids), -1).any(axis=1).all()  # first frame
        empty = [not m.any() for masks in clip['gt_masks'][1:] for m in masks]
        gone_seen |= any(empty)  # shape 2 leaves: it keeps empty masks there
    assert reversed_seen and gone_seen


def test_unannotated_frames_are_not_sampled(broken_root) -> None:
    # Meta's rm_unannotated: a frame stored as null, or with a null mask, is not annotated
    root = broken_root()

    def drop(content: dict) -> None:
        content['masklet'][2][1] = None
        content['masklet'][4] = None

    _edit_json(osp.join(root, FIRST + '_manual.json'), drop)
    item = SAVTrainDataset(root).get_data_info(0)
    assert item['annotated_frames'] == ['00000', '00004', '00012', '00020']
    assert len(item['frame_names']) == 6
    clips = _clips(root, num_frames=2)
    assert clips.get_data_info(0)['clip_frames'] == [0, 1, 3, 5]
    np.random.seed(0)
    assert all(set(clips[0]['frame_indices']) <= {0, 1, 3, 5} for _ in range(10))


def test_config_end_to_end(sav_root: str) -> None:
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'sav_clip_train.py')).train_dataloader
    assert cfg.dataset.dataset.type == 'SAVTrainDataset'
    cfg.dataset.dataset.data_root = sav_root
    cfg.dataset.num_frames = 4
    for transform in cfg.dataset.pipeline:
        if transform.type == 'ClipResize':
            transform.size = 64
    cfg.num_workers = 1  # frames decoded in a worker, from a pickled dataset
    with DefaultScope.overwrite_default_scope('mmsam2'):
        loader = Runner.build_dataloader(cfg, seed=0)
    batch = next(iter(loader))
    assert batch['inputs'][0].shape == (4, 3, 64, 64) and batch['inputs'][0].dtype == torch.uint8
    sample = batch['data_samples'][0]
    assert isinstance(sample, TrackDataSample) and sample.video_name.startswith('sav_')
    masks = sample.video_data_samples[0].gt_instances.masks
    assert masks.dtype == torch.bool and masks.flatten(1).any(1).all()


def test_full_scan_checks_the_mp4(broken_root) -> None:
    root = broken_root()
    SAVTrainDataset(root, full_scan=True)
    frames = np.zeros((4, 48, 64, 3), np.uint8)
    write_mp4(osp.join(root, FIRST + '.mp4'), frames)  # 4 frames, annotations up to 20
    with pytest.raises(VOSDatasetError, match='annotate frame 20 but the video has 4 frames'):
        SAVTrainDataset(root, full_scan=True)
    # without the scan, the clip that needs a missing frame says so
    dataset = SAVTrainDataset(root)
    with pytest.raises(VOSDatasetError, match='frame 8 does not exist: the video has 4 frames'):
        dataset.open_frames(dataset.get_data_info(0))[2]
    write_mp4(osp.join(root, FIRST + '.mp4'), np.zeros((24, 32, 64, 3), np.uint8))
    with pytest.raises(VOSDatasetError, match=r'frame 0 is 32x64 \(HxW\), but the annotations'):
        SAVTrainDataset(root, full_scan=True)


@pytest.mark.parametrize(
    'edit, message',
    [
        (lambda c: c['masklet'][1][0].update(counts='not an rle!'), 'does not fit in 48x64'),
        (lambda c: c['masklet'][1][0].update(size=[24, 32]), r'is 24x32 \(HxW\) but the video'),
        (lambda c: c['masklet'][3].pop(), 'annotated frame 3 has 2 masklets, expected 3'),
        (lambda c: c['masklet'][2].__setitem__(0, [1, 2]), 'is not a COCO RLE'),
        (lambda c: c.update(video_frame_count=16.0), 'do not fit in a video of 16 frames'),
        (lambda c: c.update(video_height='tall'), "whole number 'video_height'"),
        (lambda c: c.pop('masklet'), 'not an SA-V masklet file'),
    ],
    ids=['corrupt-rle', 'rle-size', 'masklet-count', 'not-rle', 'frame-count', 'height', 'no-list'],
)
def test_malformed_masklet_file(broken_root, edit, message: str) -> None:
    root = broken_root()
    _edit_json(osp.join(root, FIRST + '_manual.json'), edit)
    with pytest.raises(VOSDatasetError, match=message) as info:
        SAVTrainDataset(root)
    assert info.value.path.endswith('sav_000001_manual.json')


def test_rle_runs_match_pycocotools() -> None:
    rng = np.random.default_rng(0)
    for trial in range(200):
        height, width = rng.integers(1, 40, 2)
        mask = rng.random((height, width)) < (0 if trial % 5 == 0 else rng.random())
        runs = rle_runs(encode_rle(mask)['counts'])
        assert runs.sum() == height * width and (runs >= 0).all()
        rebuilt = np.repeat(np.arange(len(runs)) % 2, runs).reshape(width, height).T
        np.testing.assert_array_equal(rebuilt, mask)  # column-major runs, background first
    with pytest.raises(ValueError, match='alphabet'):
        rle_runs('not an rle!')


def test_short_rle(broken_root) -> None:
    # pycocotools decodes an RLE that covers too few pixels into uninitialised memory
    root = broken_root()
    short = encode_rle(np.ones((24, 32), bool))['counts']  # 768 pixels, in a 48 x 64 frame
    _edit_json(
        osp.join(root, FIRST + '_manual.json'),
        lambda c: c['masklet'][1][0].update(counts=short),
    )
    dataset = SAVTrainDataset(root)  # its area fits in the frame: only the full scan sees it
    masks = dataset.open_annotations(dataset.get_data_info(0))
    with pytest.raises(VOSDatasetError, match='runs cover 768 pixels .* not 48x64'):
        masks.object_mask(0, '00004')
    with pytest.raises(VOSDatasetError, match='runs cover 768 pixels'):
        SAVTrainDataset(root, full_scan=True)


def test_missing_or_broken_files(broken_root, tmp_path) -> None:
    root = broken_root()
    with pytest.raises(VOSDatasetError, match='data_root does not exist'):
        SAVTrainDataset(str(tmp_path / 'nowhere'))
    os.makedirs(tmp_path / 'empty')
    with pytest.raises(VOSDatasetError, match='no .mp4 video'):
        SAVTrainDataset(str(tmp_path / 'empty'))
    with open(osp.join(root, FIRST + '_auto.json'), 'w') as file:
        file.write('{"masklet": [')
    SAVTrainDataset(root)  # the auto file is not read for manual masklets
    with pytest.raises(VOSDatasetError, match='invalid json'):
        SAVTrainDataset(root, masklets='both')
    os.remove(osp.join(root, FIRST + '_manual.json'))
    with pytest.raises(VOSDatasetError, match='json file not found'):
        SAVTrainDataset(root)


def test_broken_video(broken_root) -> None:
    root = broken_root()
    with open(osp.join(root, FIRST + '.mp4'), 'wb') as file:
        file.write(b'not a video')
    dataset = SAVTrainDataset(root)  # not opened while loading...
    with pytest.raises(VOSDatasetError, match='cannot read video'):
        dataset.open_frames(dataset.get_data_info(0))[0]  # ...but named when decoded
    with pytest.raises(VOSDatasetError, match='cannot read video'):
        SAVTrainDataset(root, full_scan=True)


def test_sizes_of_manual_and_auto_disagree(broken_root) -> None:
    root = broken_root()

    def taller(content: dict) -> None:
        content['video_height'] = 96.0
        for frame in content['masklet']:
            for rle in frame:
                rle['size'] = [96, 64]

    _edit_json(osp.join(root, FIRST + '_auto.json'), taller)
    with pytest.raises(VOSDatasetError, match='disagree on the video size'):
        SAVTrainDataset(root, masklets='both')


def test_video_list(broken_root, tmp_path) -> None:
    root = broken_root()
    (tmp_path / 'list.txt').write_text('sav_000003\nsav_000001.mp4\n')
    dataset = SAVTrainDataset(root, ann_file=str(tmp_path / 'list.txt'))
    assert [dataset.get_data_info(i)['video_name'] for i in range(2)] == [
        'sav_000001',
        'sav_000003',
    ]
    (tmp_path / 'list.txt').write_text('sav_000009\n')
    with pytest.raises(VOSDatasetError, match='have no .mp4'):
        SAVTrainDataset(root, ann_file=str(tmp_path / 'list.txt'))
    shutil.copy(osp.join(root, FIRST + '.mp4'), osp.join(root, 'sav_001'))
    with pytest.raises(VOSDatasetError, match="'sav_000001' is found twice"):
        SAVTrainDataset(root)


def test_videos_without_visible_masklet_are_skipped(broken_root) -> None:
    root = broken_root()
    path = osp.join(root, 'sav_001', 'sav_000003_manual.json')
    empty = encode_rle(np.zeros((48, 64), bool))

    def clear(content: dict) -> None:
        content['masklet'] = [[dict(empty) for _ in frame] for frame in content['masklet']]

    _edit_json(path, clear)
    dataset = SAVTrainDataset(root)
    assert [dataset.get_data_info(i)['video_name'] for i in range(len(dataset))] == [
        'sav_000001',
        'sav_000002',
    ]
