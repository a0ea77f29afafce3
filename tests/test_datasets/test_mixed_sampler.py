"""MixedRatioSampler: ratios, no repeats within a pass, determinism, resume and ranks."""

import json
from typing import List

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from PIL import Image
from pycocotools import mask as mask_utils
from torch.utils.data import ConcatDataset

from mmsam2.datasets import MixedRatioSampler
from mmsam2.datasets.samplers import mixed_ratio_sampler
from mmsam2.registry import DATA_SAMPLERS


def two_datasets() -> ConcatDataset:
    """10 + 1000 items."""
    return ConcatDataset([list(range(10)), list(range(1000))])


def epoch(sampler: MixedRatioSampler, number: int) -> List[int]:
    """The indices of one epoch."""
    sampler.set_epoch(number)
    return list(sampler)


def test_ratios_are_followed() -> None:
    sampler = DATA_SAMPLERS.build(
        dict(type='MixedRatioSampler', ratios=[1, 3], num_samples=8000, seed=0),
        default_args=dict(dataset=two_datasets()),
    )
    indices = np.array(list(sampler))
    assert len(indices) == len(sampler) == 8000
    assert abs((indices < 10).mean() - 0.25) < 0.02


def test_each_pass_covers_a_dataset_before_repeating() -> None:
    indices = list(MixedRatioSampler(two_datasets(), ratios=[1, 1], num_samples=100, seed=3))
    small = [i for i in indices if i < 10]
    assert len(small) > 20
    assert sorted(small[:10]) == list(range(10)) and sorted(small[10:20]) == list(range(10))
    ordered = MixedRatioSampler(two_datasets(), [1, 1], num_samples=100, shuffle=False, seed=3)
    large = [i - 10 for i in ordered if i >= 10]
    assert large == list(range(len(large)))


def test_zero_ratio_and_default_length() -> None:
    sampler = MixedRatioSampler(two_datasets(), ratios=[0, 1], seed=0)
    indices = list(sampler)
    assert len(indices) == 1010 and min(indices) >= 10


def test_deterministic_and_resumable() -> None:
    sampler = MixedRatioSampler(two_datasets(), ratios=[1, 2], num_samples=50, seed=5)
    epochs = [epoch(sampler, e) for e in range(3)]
    assert epochs[0] != epochs[1] != epochs[2]
    resumed = MixedRatioSampler(two_datasets(), ratios=[1, 2], num_samples=50, seed=5)
    assert epoch(resumed, 2) == epochs[2]  # a fresh sampler set to epoch 2 repeats it
    assert list(resumed) == epochs[2]
    other_seed = MixedRatioSampler(two_datasets(), ratios=[1, 2], num_samples=50, seed=6)
    assert list(other_seed) != epochs[0]


def test_ranks_split_the_draws(monkeypatch) -> None:
    parts, draws = [], []
    for rank in range(2):
        monkeypatch.setattr(mixed_ratio_sampler, 'get_dist_info', lambda rank=rank: (rank, 2))
        sampler = MixedRatioSampler(two_datasets(), ratios=[1, 1], num_samples=9, seed=0)
        assert len(sampler) == 5
        parts.append(list(sampler))
        draws.append(sampler.global_indices())
    assert draws[0] == draws[1] and len(draws[0]) == 10
    assert parts == [draws[0][0::2], draws[0][1::2]]


def test_errors() -> None:
    with pytest.raises(ValueError, match='2 ratios for 1 datasets'):
        MixedRatioSampler(ConcatDataset([[1, 2]]), ratios=[1, 1])
    with pytest.raises(ValueError, match='non-negative'):
        MixedRatioSampler(two_datasets(), ratios=[-1, 2])
    with pytest.raises(ValueError, match='empty'):
        MixedRatioSampler(ConcatDataset([[], [1]]), ratios=[1, 1])
    with pytest.raises(TypeError, match='ConcatDataset'):
        MixedRatioSampler(list(range(5)), ratios=[1])


def test_mixing_images_and_videos(synthetic_root, tmp_path) -> None:
    # one SA-1B-style image (single-frame clips) mixed with video clips, one clip per batch
    Image.fromarray(np.full((16, 24, 3), 90, np.uint8)).save(tmp_path / 'sa_1.jpg')
    mask = np.zeros((16, 24), np.uint8, order='F')
    mask[2:9, 3:12] = 1
    rle = mask_utils.encode(mask)
    ann = dict(id=1, area=63, segmentation=dict(size=rle['size'], counts=rle['counts'].decode()))
    content = dict(image=dict(height=16, width=24), annotations=[ann])
    (tmp_path / 'sa_1.json').write_text(json.dumps(content))
    pipeline = [dict(type='ClipResize', size=32), dict(type='PackSAM2ClipInputs')]
    videos = dict(
        type='VOSClipDataset',
        dataset=dict(type='DAVISDataset', data_root=synthetic_root('davis'), split='train'),
        num_frames=3,
        pipeline=pipeline,
    )
    images = dict(type='SA1BDataset', data_root=str(tmp_path), pipeline=pipeline)
    loader_cfg = dict(
        batch_size=1,
        num_workers=0,
        sampler=dict(type='MixedRatioSampler', ratios=[1, 1], num_samples=12, seed=0),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(type='ConcatDataset', datasets=[videos, images], ignore_keys=['dataset_name']),
    )
    with DefaultScope.overwrite_default_scope('mmsam2'):
        loader = Runner.build_dataloader(loader_cfg, seed=0)
    shapes = [tuple(batch['inputs'][0].shape) for batch in loader]
    assert len(shapes) == 12 and set(shapes) == {(1, 3, 32, 32), (3, 3, 32, 32)}
