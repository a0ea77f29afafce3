"""SAM 2 / 2.1 (T/S/B+/L) against Meta's sam2==1.1.0 with the same random weights.

Every config is built at a reduced image size (256 px) so the suite stays fast;
the whole model is compared: image features, SAM heads for clicks, a box, a
mask prompt, multimask on and off, and a 7-frame, 2-object tracking run in
which memory attention, the memory encoder and object pointers all take part
(a correction click on frame 3 adds a second conditioning frame).
"""

from typing import Dict, Iterator, List

import pytest
import torch
from parity_helpers import ARCHS, meta_and_ours, report_worst

from mmsam2.models.segmentors import ImageFeatures
from mmsam2.structures import MemoryBank, PointPrompts

IMAGE_SIZE = 256
TOL = 1e-4
CASES = [(v, a) for v in ('sam2', 'sam2.1') for a in ARCHS]


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return (a.float() - b.float()).abs().max().item()


@pytest.fixture(scope='module')
def worst() -> Iterator[Dict[str, float]]:
    """Worst difference per config, printed at the end of the module."""
    yield from report_worst('parity')


def _meta_features(meta, images: torch.Tensor):
    out = meta.forward_image(images)
    _, feats, pos, sizes = meta._prepare_backbone_features(out)
    return out, feats, pos, sizes


def _clicks(batch: int, num: int, seed: int) -> PointPrompts:
    g = torch.Generator().manual_seed(seed)
    coords = torch.rand(batch, num, 2, generator=g) * IMAGE_SIZE
    labels = torch.randint(0, 2, (batch, num), generator=g, dtype=torch.int32)
    labels[:, 0] = 1
    return PointPrompts(coords, labels)


def _meta_points(p: PointPrompts) -> dict:
    return {'point_coords': p.coords, 'point_labels': p.labels}


def _compare_heads(meta_out, ours_out) -> float:
    names = [
        'multimasks',
        'multimasks_high_res',
        'ious',
        'masks',
        'masks_high_res',
        'obj_ptr',
        'object_score_logits',
    ]
    return max(_max_diff(m, getattr(ours_out, n)) for m, n in zip(meta_out, names))


@pytest.mark.parity
@pytest.mark.parametrize('version,arch', CASES)
@torch.no_grad()
def test_model_parity(version: str, arch: str, worst: Dict[str, float]) -> None:
    meta, ours = meta_and_ours(IMAGE_SIZE, version, arch)
    diffs: List[float] = []
    torch.manual_seed(1)
    frames = torch.randn(7, 1, 3, IMAGE_SIZE, IMAGE_SIZE)
    batch = 2

    # image features (after conv_s0 / conv_s1 projections) and position encodings
    meta_out = meta.forward_image(frames[0])
    feats = ours.forward_image(frames[0])
    diffs += [_max_diff(m, o) for m, o in zip(meta_out['backbone_fpn'], feats.feats)]
    diffs += [_max_diff(m, o) for m, o in zip(meta_out['vision_pos_enc'], feats.pos)]

    # SAM heads on raw features: clicks, a box, a mask prompt, multimask on/off
    top = feats.feats[-1].expand(batch, -1, -1, -1)
    high = [f.expand(batch, -1, -1, -1) for f in feats.feats[:-1]]
    box = PointPrompts(
        torch.tensor([[[30.0, 40.0], [180.0, 200.0]]]).expand(batch, -1, -1),
        torch.tensor([[2, 3]], dtype=torch.int32).expand(batch, -1),
    )
    g = torch.Generator().manual_seed(3)
    mask_prompt = torch.randn(batch, 1, IMAGE_SIZE // 4, IMAGE_SIZE // 4, generator=g)
    for points, mask, multi in [
        (_clicks(batch, 1, 0), None, True),
        (_clicks(batch, 3, 1), None, False),
        (box, None, False),
        (box, None, True),
        (None, mask_prompt, False),
        (_clicks(batch, 2, 2), mask_prompt, True),
    ]:
        m = meta._forward_sam_heads(
            top, None if points is None else _meta_points(points), mask, high, multi
        )
        o = ours.forward_sam_heads(top, points, mask, high, multi)
        diffs.append(_compare_heads(m, o))

    # tracking: 2 objects, clicks on frame 0, a correction click on frame 3
    meta_mem = {'cond_frame_outputs': {}, 'non_cond_frame_outputs': {}}
    memory = MemoryBank()
    prompts = {0: _clicks(batch, 1, 10), 3: _clicks(batch, 2, 11)}
    for t in range(frames.shape[0]):
        images = frames[t].expand(batch, -1, -1, -1)
        _, m_feats, m_pos, sizes = _meta_features(meta, images)
        feats: ImageFeatures = ours.forward_image(images)
        points = prompts.get(t)
        m = meta.track_step(
            t,
            t == 0,
            m_feats,
            m_pos,
            sizes,
            None if points is None else _meta_points(points),
            None,
            meta_mem,
            frames.shape[0],
        )
        o = ours.track_step(t, t == 0, feats, points, None, memory, frames.shape[0])
        is_cond = points is not None
        meta_mem['cond_frame_outputs' if is_cond else 'non_cond_frame_outputs'][t] = m
        memory.add(t, o, is_cond)
        diffs += [
            _max_diff(m['pred_masks'], o.pred_masks),
            _max_diff(m['pred_masks_high_res'], o.pred_masks_high_res),
            _max_diff(m['obj_ptr'], o.obj_ptr),
            _max_diff(m['object_score_logits'], o.object_score_logits),
            _max_diff(m['maskmem_features'], o.maskmem_features),
        ]

    # a mask prompt on the first frame is used directly as the output
    mask = torch.zeros(batch, 1, IMAGE_SIZE, IMAGE_SIZE)
    mask[0, :, 40:120, 50:150] = 1
    _, m_feats, m_pos, sizes = _meta_features(meta, frames[0].expand(batch, -1, -1, -1))
    feats = ours.forward_image(frames[0].expand(batch, -1, -1, -1))
    m = meta.track_step(
        0,
        True,
        m_feats,
        m_pos,
        sizes,
        None,
        mask,
        {'cond_frame_outputs': {}, 'non_cond_frame_outputs': {}},
        1,
    )
    o = ours.track_step(0, True, feats, None, mask, MemoryBank(), 1)
    diffs += [
        _max_diff(m['pred_masks'], o.pred_masks),
        _max_diff(m['obj_ptr'], o.obj_ptr),
        _max_diff(m['maskmem_features'], o.maskmem_features),
    ]

    worst[f'{version} {arch}'] = max(diffs)
    assert max(diffs) <= TOL, diffs
