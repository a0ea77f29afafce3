"""Tests of SAM 2's FPN neck, including parity with Meta's ``FpnNeck``."""

from typing import List, Optional

import pytest
import torch
import torch.nn.functional as F
from meta_reference import import_meta_sam2

from mmsam2.models.necks import SAM2FPNNeck, convert_meta_fpn_keys
from mmsam2.registry import MODELS

IN_CHANNELS = [8, 16, 32, 64]


def _feats(size: int = 32, batch: int = 1) -> List[torch.Tensor]:
    """Random backbone maps, high resolution first, strides doubling."""
    return [torch.randn(batch, c, size >> i, size >> i) for i, c in enumerate(IN_CHANNELS)]


def _neck(**kwargs) -> SAM2FPNNeck:
    cfg = dict(type='SAM2FPNNeck', in_channels=IN_CHANNELS, d_model=32)
    cfg['position_encoding'] = dict(type='SinePositionEmbedding', num_pos_feats=32)
    cfg.update(kwargs)
    return MODELS.build(cfg).eval()


def test_default_outputs() -> None:
    neck = _neck()
    with torch.no_grad():
        outs, pos = neck(_feats(batch=2))
    assert len(outs) == len(pos) == 4
    for i, (out, enc) in enumerate(zip(outs, pos)):
        assert tuple(out.shape) == (2, 32, 32 >> i, 32 >> i)
        assert tuple(enc.shape) == (2, 32, 32 >> i, 32 >> i)
        assert enc.dtype == out.dtype


def test_scalp_drops_lowest_resolution() -> None:
    neck = _neck(scalp=1)
    with torch.no_grad():
        outs, pos = neck(_feats())
    assert [o.shape[-1] for o in outs] == [32, 16, 8]
    assert [p.shape[-1] for p in pos] == [32, 16, 8]


@pytest.mark.parametrize('fuse_type', ['sum', 'avg'])
def test_top_down_levels(fuse_type: str) -> None:
    neck = _neck(fpn_top_down_levels=[2, 3], fpn_interp_model='nearest', fuse_type=fuse_type)
    feats = _feats()
    with torch.no_grad():
        outs, _ = neck(feats)
        laterals = [conv(f) for conv, f in zip(neck.lateral_convs, feats)]
    for level in (0, 1, 3):
        torch.testing.assert_close(outs[level], laterals[level])
    fused = laterals[2] + F.interpolate(laterals[3], scale_factor=2.0, mode='nearest')
    expected = fused / 2 if fuse_type == 'avg' else fused
    torch.testing.assert_close(outs[2], expected)


def test_input_validation() -> None:
    neck = _neck()
    feats = _feats()
    with pytest.raises(ValueError, match='expects 4 feature maps'):
        neck(feats[:3])
    with pytest.raises(ValueError, match='input channels'):
        neck(feats[::-1])


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(fuse_type='max'), 'fuse_type'),
        (dict(scalp=4), 'scalp'),
        (dict(fpn_top_down_levels=[4]), 'fpn_top_down_levels'),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _neck(**kwargs)


def test_convert_meta_fpn_keys() -> None:
    state = {
        'image_encoder.trunk.pos_embed': 0,
        'image_encoder.neck.convs.0.conv.weight': 1,
        'image_encoder.neck.convs.0.conv.bias': 2,
        'image_encoder.neck.convs.3.conv.weight': 3,
        'image_encoder.neck.convs.1.conv.weight': 4,
        'image_encoder.neck.convs.2.conv.weight': 5,
        'image_encoder.neck.extra.buffer': 6,
    }
    assert convert_meta_fpn_keys(state) == {
        'image_encoder.trunk.pos_embed': 0,
        'neck.lateral_convs.3.weight': 1,
        'neck.lateral_convs.3.bias': 2,
        'neck.lateral_convs.0.weight': 3,
        'neck.lateral_convs.2.weight': 4,
        'neck.lateral_convs.1.weight': 5,
        'neck.extra.buffer': 6,
    }


@pytest.mark.parity
@pytest.mark.parametrize(
    'interp, fuse_type, top_down, scalp',
    [
        ('nearest', 'sum', [2, 3], 1),
        ('bilinear', 'avg', None, 0),
        ('bicubic', 'sum', [0, 1], 2),
    ],
)
def test_parity_with_meta(
    interp: str, fuse_type: str, top_down: Optional[List[int]], scalp: int
) -> None:
    import_meta_sam2()
    from sam2.modeling.backbones.image_encoder import FpnNeck
    from sam2.modeling.position_encoding import PositionEmbeddingSine

    torch.manual_seed(0)
    meta = FpnNeck(
        position_encoding=PositionEmbeddingSine(num_pos_feats=32),
        d_model=32,
        backbone_channel_list=IN_CHANNELS[::-1],
        fpn_interp_model=interp,
        fuse_type=fuse_type,
        fpn_top_down_levels=top_down,
    ).eval()
    neck = _neck(
        fpn_interp_model=interp, fuse_type=fuse_type, fpn_top_down_levels=top_down, scalp=scalp
    )
    neck.load_state_dict(convert_meta_fpn_keys(meta.state_dict(), '', ''), strict=True)
    feats = _feats(batch=2)
    with torch.no_grad():
        expected_outs, expected_pos = meta(feats)
        outs, pos = neck(feats)
    keep = len(IN_CHANNELS) - scalp
    assert len(outs) == len(pos) == keep
    for ours, theirs in zip(outs + pos, expected_outs[:keep] + expected_pos[:keep]):
        assert (ours - theirs).abs().max().item() <= 1e-5
