"""Training clips from the synthetic benchmark (DAVIS train: 2 videos of 12 frames, 48x64)."""

import logging
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.structures import TrackDataSample
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmsam2.datasets import (
    VideoFrames,
    VideoMasks,
    VOSClipDataset,
    VOSDatasetError,
    data_root_of,
)
from mmsam2.datasets.base_clip_dataset import build_pipeline
from mmsam2.datasets.mask_io import write_palette_mask
from mmsam2.models.data_preprocessors import SAM2DataPreprocessor
from mmsam2.registry import DATASETS

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets')


def davis_clips(root: str, **kwargs) -> VOSClipDataset:
    """Clips of the synthetic DAVIS train split, raw (no pipeline) unless given."""
    dataset = dict(type='DAVISDataset', data_root=root, split='train', full_scan=False)
    return DATASETS.build(dict(dict(type='VOSClipDataset', dataset=dataset), **kwargs))


def test_clip_contract(synthetic_root) -> None:
    pipeline = [dict(type='ClipResize', size=64), dict(type='PackSAM2ClipInputs')]
    dataset = davis_clips(synthetic_root('davis'), num_frames=4, pipeline=pipeline)
    np.random.seed(0)
    out = dataset[0]
    assert out['inputs'].shape == (4, 3, 64, 64) and out['inputs'].dtype == torch.uint8
    sample = out['data_samples']
    assert isinstance(sample, TrackDataSample) and sample.video_name == 'video_000'
    start = sample.frame_indices[0]
    assert sample.frame_indices == list(range(start, start + 4))
    ids = sample.video_data_samples[0].gt_instances.instances_ids
    assert 1 <= len(ids) <= 3 and ids.dtype == torch.long
    for t, frame in enumerate(sample.video_data_samples):
        assert frame.frame_idx == sample.frame_indices[t] and frame.video_name == 'video_000'
        assert frame.img_shape == (64, 64) and frame.ori_shape == (48, 64) and frame.flip is False
        assert frame.gt_instances.masks.shape == (len(ids), 64, 64)
        assert frame.gt_instances.masks.dtype == torch.bool
        assert torch.equal(frame.gt_instances.instances_ids, ids)
    assert sample.video_data_samples[0].gt_instances.masks.flatten(1).any(1).all()


def test_clips_follow_meta_sampler(synthetic_root) -> None:
    dataset = davis_clips(synthetic_root('davis'), num_frames=3, max_num_objects=2)
    np.random.seed(0)
    for idx in range(20):
        clip = dataset[idx % 2]
        item = dataset.get_data_info(idx % 2)
        masks = VideoMasks.from_data_info(item)
        indices, ids = clip['frame_indices'], clip['instances_ids'].tolist()
        assert np.diff(indices).tolist() == [1, 1]
        assert 1 <= len(ids) <= 2 and ids == sorted(ids)
        assert clip['gt_masks'][0].reshape(len(ids), -1).any(axis=1).all()  # first frame
        for t, frame in zip(indices, clip['gt_masks']):
            id_map = masks.id_map(item['frame_names'][t])
            np.testing.assert_array_equal(frame, np.stack([id_map == i for i in ids]))
        frames = VideoFrames(item['frame_paths'])
        np.testing.assert_array_equal(clip['imgs'][1], frames[indices[1]])


def test_vanishing_objects_keep_empty_masks(synthetic_root) -> None:
    # object 2 of video_000 leaves the frame and comes back: clips showing it first keep it,
    # with empty masks on the frames where it is gone
    dataset = davis_clips(synthetic_root('davis'), num_frames=8, max_num_objects=3)
    np.random.seed(0)
    seen_gone = False
    for _ in range(30):
        clip = dataset[0]
        ids = clip['instances_ids'].tolist()
        if 2 in ids:
            visible = [bool(m[ids.index(2)].any()) for m in clip['gt_masks']]
            assert visible[0]
            seen_gone |= not all(visible)
    assert seen_gone


def test_reverse_time(synthetic_root) -> None:
    dataset = davis_clips(synthetic_root('davis'), num_frames=4, reverse_time_prob=1.0)
    clip = dataset[1]
    assert np.diff(clip['frame_indices']).tolist() == [-1, -1, -1]
    assert clip['gt_masks'][0].reshape(len(clip['instances_ids']), -1).any(axis=1).all()


def test_multiplier_and_metainfo(synthetic_root) -> None:
    dataset = davis_clips(synthetic_root('davis'), num_frames=4, multiplier=3)
    assert len(dataset) == 6 and dataset.num_sources == 2
    assert dataset.metainfo['dataset_name'] == 'DAVIS'
    assert dataset.get_data_info(5)['video_name'] == dataset.get_data_info(1)['video_name']


def test_same_seed_same_clip(synthetic_root) -> None:
    pipeline = [
        dict(type='ClipRandomHorizontalFlip'),
        dict(type='ClipRandomAffine', degrees=25, shear=20),
        dict(type='ClipColorJitter', brightness=0.1, contrast=0.05, consistent=False),
        dict(type='PackSAM2ClipInputs'),
    ]
    dataset = davis_clips(synthetic_root('davis'), num_frames=4, pipeline=pipeline)
    np.random.seed(7)
    first = [dataset[i] for i in range(2)]
    np.random.seed(7)
    second = [dataset[i] for i in range(2)]
    for a, b in zip(first, second):
        assert torch.equal(a['inputs'], b['inputs'])
        assert a['data_samples'].frame_indices == b['data_samples'].frame_indices
        masks = [f.gt_instances.masks for f in a['data_samples'].video_data_samples]
        others = [f.gt_instances.masks for f in b['data_samples'].video_data_samples]
        assert all(torch.equal(m, o) for m, o in zip(masks, others))


def test_short_videos_are_skipped(fresh_root) -> None:
    root = fresh_root('davis')
    for folder, ext in (('JPEGImages', 'jpg'), ('Annotations', 'png')):
        for t in range(8, 12):
            os.remove(osp.join(root, folder, '480p', 'video_001', f'{t:05d}.{ext}'))
    dataset = davis_clips(root, num_frames=10)
    assert [dataset.get_data_info(i)['video_name'] for i in range(len(dataset))] == ['video_000']
    assert len(davis_clips(root, num_frames=8)) == 2
    with pytest.raises(VOSDatasetError, match='13 annotated frames'):
        davis_clips(root, num_frames=13)


def test_missing_annotation_png_is_reported(fresh_root, monkeypatch) -> None:
    # a missing PNG in the middle of a fully annotated video used to pass silently
    warnings = []
    monkeypatch.setattr(
        'mmsam2.datasets.vos_clip_dataset.print_log',
        lambda msg, logger=None, level=None: warnings.append((msg, level)),
    )
    root = fresh_root('davis')
    missing = osp.join(root, 'Annotations', '480p', 'video_001', '00005.png')
    os.remove(missing)
    dataset = davis_clips(root, num_frames=4)
    ((message, level),) = [w for w in warnings if 'missing' in w[0]]
    assert level == logging.WARNING and missing in message and '1 annotation file(s)' in message
    assert 5 not in dataset.get_data_info(1)['clip_frames']  # left out of the clips
    warnings.clear()
    davis_clips(fresh_root('davis'), num_frames=4)
    assert not [w for w in warnings if 'missing' in w[0]]


def test_resamples_until_first_frame_shows_an_object(fresh_root) -> None:
    root = fresh_root('davis')
    for t in range(1, 12):  # only frame 0 of video_000 keeps its objects
        path = osp.join(root, 'Annotations', '480p', 'video_000', f'{t:05d}.png')
        write_palette_mask(path, np.zeros((48, 64), np.uint8))
    np.random.seed(0)
    patient = davis_clips(root, num_frames=4, max_retries=200)
    assert all(patient.prepare_data(0)['frame_indices'] == [0, 1, 2, 3] for _ in range(5))
    hasty = davis_clips(root, num_frames=4, max_retries=1)
    assert any(hasty.prepare_data(0) is None for _ in range(10))


def test_per_object_layout(synthetic_root) -> None:
    root = data_root_of(synthetic_root('sav'), 'sav', 'val')
    dataset = DATASETS.build(
        dict(
            type='VOSClipDataset',
            dataset=dict(type='SAVDataset', data_root=root, split='val'),
            num_frames=2,
        )
    )
    np.random.seed(0)
    clip = dataset[0]
    item = dataset.get_data_info(0)
    assert item['clip_frames'] == list(range(0, 12, 4))  # SA-V annotates every 4th frame
    assert np.diff(clip['frame_indices']).tolist() == [4]
    assert clip['gt_masks'][0].reshape(len(clip['instances_ids']), -1).any(axis=1).all()


def test_synthetic_config_end_to_end(synthetic_root) -> None:
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'vos_clip_synthetic.py'))
    cfg.train_dataloader.dataset.dataset.data_root = synthetic_root('davis')
    with DefaultScope.overwrite_default_scope('mmsam2'):
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    batch = next(iter(loader))
    assert len(batch['inputs']) == 1 and batch['inputs'][0].shape == (4, 3, 128, 128)
    sample = batch['data_samples'][0]
    assert len(sample.video_data_samples) == 4
    masks = sample.video_data_samples[0].gt_instances.masks
    assert masks.shape[1:] == (128, 128) and masks.dtype == torch.bool
    out = SAM2DataPreprocessor(image_size=128)(batch, training=True)
    assert out['inputs'].shape == (1, 4, 3, 128, 128) and out['inputs'].dtype == torch.float32
    assert isinstance(out['data_samples'][0], TrackDataSample)


@pytest.mark.parametrize(
    'name', ['mose_clip_train', 'davis_ytvos_clip_train', 'sav_clip_train', 'vos_clip_synthetic']
)
def test_dataset_configs_build_their_pipelines(name: str) -> None:
    loader = Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py')).train_dataloader
    assert loader.batch_size == 1 and loader.sampler.shuffle and loader.sampler.seed == 0
    datasets = loader.dataset.get('datasets', [loader.dataset])
    for dataset in datasets:
        assert dataset.type == 'VOSClipDataset' and dataset.max_num_objects == 3
        transforms = build_pipeline(dataset.pipeline)
        assert type(transforms[-1]).__name__ == 'PackSAM2ClipInputs'


def test_resumed_epoch_repeats_clips(synthetic_root) -> None:
    # workers are re-seeded at each epoch (persistent_workers=False), so a fresh loader set
    # to epoch 1 (a resumed run) gives the clips and augmentations of an uninterrupted run
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'vos_clip_synthetic.py')).train_dataloader
    cfg.dataset.dataset.data_root = synthetic_root('davis')
    cfg.dataset.multiplier = 2

    def run_epoch(loader, number: int) -> list:
        loader.sampler.set_epoch(number)
        return [(b['data_samples'][0].frame_indices, b['inputs'][0]) for b in loader]

    with DefaultScope.overwrite_default_scope('mmsam2'):
        loader = Runner.build_dataloader(cfg, seed=1)
        epochs = [run_epoch(loader, number) for number in range(2)]
        resumed = run_epoch(Runner.build_dataloader(cfg, seed=1), 1)
    assert len(resumed) == 4
    for (indices, inputs), (expected_indices, expected) in zip(resumed, epochs[1]):
        assert indices == expected_indices and torch.equal(inputs, expected)
    assert any(not torch.equal(a[1], b[1]) for a, b in zip(epochs[0], epochs[1]))
