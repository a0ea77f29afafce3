"""The backbone contract: declared out_channels / out_strides, checked by the model."""

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from training_helpers import TINY_MODEL

from mmsam2.models.backbones import (
    BackboneOutputError,
    PyramidBackbone,
    check_feature_maps,
    declared_outputs,
)
from mmsam2.registry import MODELS


def _tiny_cfg(**model_options) -> Config:
    """The tiny CPU SAM 2.1 config (Hiera backbone) with some options changed."""
    init_default_scope('mmsam2')
    cfg = Config.fromfile(TINY_MODEL).model
    cfg.update(type='SAM2', **model_options)
    return cfg


def _vit_pyramid(scale_factors=(4.0, 2.0, 1.0, 0.5)) -> dict:
    return dict(
        type='SimpleFeaturePyramid',
        backbone=dict(type='PlainViT', arch=dict(embed_dim=32, depth=1, num_heads=2)),
        scale_factors=scale_factors,
    )


class _Undeclared(nn.Module):
    """A backbone that returns maps but declares nothing."""

    def forward(self, x: torch.Tensor) -> list:
        return [x]


def test_hiera_declares_its_outputs() -> None:
    backbone = MODELS.build(_tiny_cfg().backbone)
    channels, strides = declared_outputs(backbone)
    assert channels == [24, 48, 96, 192] and strides == [4, 8, 16, 32]
    feats = backbone(torch.randn(1, 3, 64, 64))
    check_feature_maps(feats, (64, 64), channels, strides)


@pytest.mark.parametrize(
    'channels, strides, match',
    [
        (None, None, 'declares no outputs'),
        ([8, 16], [4], 'out_strides'),
        ([8, 16], [8, 4], 'increasing'),
    ],
)
def test_bad_declarations_are_rejected(channels, strides, match) -> None:
    backbone = _Undeclared()
    if channels is not None:
        backbone.out_channels, backbone.out_strides = channels, strides
    with pytest.raises(BackboneOutputError, match=match):
        declared_outputs(backbone)


def test_model_rejects_a_backbone_without_declared_outputs() -> None:
    cfg = _tiny_cfg()
    cfg.backbone = _Undeclared()
    with pytest.raises(BackboneOutputError, match='PyramidBackbone'):
        MODELS.build(cfg)


def test_model_takes_backbone_stride_from_the_declaration() -> None:
    model = MODELS.build(_tiny_cfg(image_size=64))
    assert model.backbone_stride == 16
    assert model.prompt_encoder.image_embedding_size == (4, 4)


def test_backbone_stride_mismatch() -> None:
    with pytest.raises(BackboneOutputError, match='backbone_stride=32'):
        MODELS.build(_tiny_cfg(image_size=64, backbone_stride=32))


def test_image_size_must_be_a_multiple_of_every_stride() -> None:
    with pytest.raises(BackboneOutputError, match='multiple of every backbone stride'):
        MODELS.build(_tiny_cfg(image_size=80))


def test_fewer_levels_than_the_model_needs() -> None:
    cfg = _tiny_cfg(image_size=64)
    cfg.backbone = _vit_pyramid((2.0, 1.0, 0.5))  # strides 8 / 16 / 32
    with pytest.raises(BackboneOutputError, match='needs 3 levels'):
        MODELS.build(cfg)
    cfg.use_high_res_features_in_sam = False  # one level is enough without high-res features
    with pytest.raises(BackboneOutputError, match='fuses level 3 top-down'):
        MODELS.build(cfg)
    cfg.neck.fpn_top_down_levels = [1, 2]
    assert MODELS.build(cfg).backbone_stride == 16


def test_high_res_levels_must_be_4x_and_2x_finer() -> None:
    cfg = _tiny_cfg(image_size=64)
    cfg.backbone = _vit_pyramid((4.0, 1.0, 0.5, 0.25))
    with pytest.raises(BackboneOutputError, match='high-resolution SAM features'):
        MODELS.build(cfg)


def test_neck_in_channels_must_match() -> None:
    cfg = _tiny_cfg(image_size=64)
    cfg.neck.in_channels = [8, 16, 32, 64]
    with pytest.raises(BackboneOutputError, match='neck in_channels'):
        MODELS.build(cfg)


@pytest.mark.parametrize(
    'channels, strides, match',
    [
        ([24, 48, 96, 192], [4, 8, 16, 32], None),
        ([24, 48, 96, 193], [4, 8, 16, 32], r'channels \[24, 48, 96, 192\]'),
        ([24, 48, 96, 192], [4, 8, 16, 64], r'strides \[4.0, 8.0, 16.0, 32.0\]'),
        ([24, 48, 96], [4, 8, 16], 'returned 4 maps'),
    ],
)
def test_pyramid_backbone_checks_every_forward(channels, strides, match) -> None:
    inner = MODELS.build(_tiny_cfg().backbone)
    backbone = PyramidBackbone(inner, out_channels=channels, out_strides=strides)
    x = torch.randn(1, 3, 64, 64)
    if match is None:
        assert [f.shape[1] for f in backbone(x)] == channels
    else:
        with pytest.raises(BackboneOutputError, match=match):
            backbone(x)


def test_pyramid_backbone_needs_a_declaration() -> None:
    with pytest.raises(BackboneOutputError, match='one out_channels'):
        PyramidBackbone(_Undeclared(), out_channels=[8, 16], out_strides=[4])
