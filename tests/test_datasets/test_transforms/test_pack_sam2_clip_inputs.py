import numpy as np
import torch
from mmdet.structures import DetDataSample, TrackDataSample

from mmsam2.datasets.transforms import PackSAM2ClipInputs
from mmsam2.registry import TRANSFORMS


def test_pack_contract(make_clip) -> None:
    clip = make_clip()
    clip['flip'] = [True] * 3
    out = TRANSFORMS.build(dict(type='PackSAM2ClipInputs'))(clip)
    inputs, sample = out['inputs'], out['data_samples']
    assert inputs.shape == (3, 3, 24, 32) and inputs.dtype == torch.uint8
    assert torch.equal(inputs[1].permute(1, 2, 0), torch.from_numpy(clip['imgs'][1]))
    assert isinstance(sample, TrackDataSample)
    assert sample.video_name == 'clip' and sample.frame_indices == [0, 1, 2]
    assert len(sample) == 3
    for t, frame in enumerate(sample.video_data_samples):
        assert isinstance(frame, DetDataSample)
        assert frame.frame_idx == t and frame.video_name == 'clip' and frame.flip is True
        assert frame.img_shape == (24, 32) and frame.ori_shape == (24, 32)
        masks = frame.gt_instances.masks
        assert masks.dtype == torch.bool and masks.shape == (2, 24, 32)
        assert torch.equal(masks, torch.from_numpy(clip['gt_masks'][t]))
        ids = frame.gt_instances.instances_ids
        assert ids.dtype == torch.long and ids.tolist() == [3, 7]


def test_pack_drops_objects_empty_on_first_frame(make_clip) -> None:
    clip = make_clip()
    clip['gt_masks'][0][1] = False  # object 7 gone from the first frame only
    clip['gt_masks'][2][0] = False  # object 3 gone from the last frame
    out = PackSAM2ClipInputs()(clip)
    frames = out['data_samples'].video_data_samples
    assert [f.gt_instances.instances_ids.tolist() for f in frames] == [[3]] * 3
    assert not frames[2].gt_instances.masks[0].any()  # absent later: kept, empty mask


def test_pack_can_keep_objects_visible_later(make_clip) -> None:
    clip = make_clip()
    clip['gt_masks'][0][1] = False
    out = PackSAM2ClipInputs(require_first_frame=False)(clip)
    first = out['data_samples'].video_data_samples[0].gt_instances
    assert first.instances_ids.tolist() == [3, 7] and not first.masks[1].any()


def test_pack_without_objects_gives_none(make_clip) -> None:
    clip = make_clip()
    clip['gt_masks'] = [np.zeros_like(m) for m in clip['gt_masks']]
    assert PackSAM2ClipInputs(require_first_frame=False)(clip) is None
