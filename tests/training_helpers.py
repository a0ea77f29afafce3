"""Shared pieces of the training tests: a tiny SAM2Train and hand-built clip batches."""

import os.path as osp
from typing import List, Sequence, Tuple

import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmsam2.models.segmentors import SAM2Train
from mmsam2.registry import MODELS

CONFIG_DIR = osp.join(osp.dirname(osp.abspath(__file__)), '..', 'configs')
TINY_MODEL = osp.join(CONFIG_DIR, '_base_', 'models', 'sam2.1_hiera-tiny-cpu.py')


def build_tiny_model(image_size: int = 64, seed: int = 0, **options) -> SAM2Train:
    """The tiny CPU model of the configs at ``image_size``, in train mode.

    Args:
        image_size (int): Input side. Defaults to 64.
        seed (int): Seed of the random initialisation. Defaults to 0.
        **options: Model options overriding the config's.

    Returns:
        SAM2Train: The model.
    """
    init_default_scope('mmsam2')
    cfg = Config.fromfile(TINY_MODEL).model
    cfg.update(image_size=image_size, **options)
    torch.manual_seed(seed)
    return MODELS.build(cfg).train()


def rectangle_masks(
    num_frames: int, num_objects: int, size: int, absent: Sequence[Tuple[int, int]] = ()
) -> torch.Tensor:
    """Moving rectangles, one per object.

    Args:
        num_frames (int): T.
        num_objects (int): K.
        size (int): Image side S.
        absent (Sequence[Tuple[int, int]]): (frame, object) pairs left empty.
            Defaults to ().

    Returns:
        torch.Tensor: Bool masks (T, K, S, S).
    """
    masks = torch.zeros(num_frames, num_objects, size, size, dtype=torch.bool)
    side = size // 4
    for t in range(num_frames):
        for k in range(num_objects):
            if (t, k) in absent:
                continue
            y = (size // 8 + k * side) % (size - side)
            x = (size // 8 + 2 * t + k * side // 2) % (size - side)
            masks[t, k, y : y + side, x : x + side + k] = True
    return masks


def clip_sample(masks: torch.Tensor) -> TrackDataSample:
    """A ``TrackDataSample`` holding masks (T, K, S, S) as in the data contract."""
    frames = []
    for t, frame_masks in enumerate(masks):
        frame = DetDataSample(metainfo=dict(frame_idx=t))
        frame.gt_instances = InstanceData(
            masks=frame_masks, instances_ids=torch.arange(1, frame_masks.shape[0] + 1)
        )
        frames.append(frame)
    sample = TrackDataSample()
    sample.video_data_samples = frames
    return sample


def clip_batch(
    objects_per_clip: Sequence[int], num_frames: int, size: int, seed: int = 0
) -> Tuple[torch.Tensor, List[TrackDataSample]]:
    """Preprocessed-looking clips (random images) and their ground truth.

    Args:
        objects_per_clip (Sequence[int]): K of each clip.
        num_frames (int): T.
        size (int): S.
        seed (int): Seed of the images. Defaults to 0.

    Returns:
        Tuple[torch.Tensor, List[TrackDataSample]]: Inputs (N, T, 3, S, S)
        and one data sample per clip.
    """
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(len(objects_per_clip), num_frames, 3, size, size, generator=g)
    samples = [clip_sample(rectangle_masks(num_frames, k, size)) for k in objects_per_clip]
    return inputs, samples
