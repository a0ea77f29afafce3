"""PlainViT (EfficientTAM-style image encoder) and the simple feature pyramid."""

import pytest
import torch
from mmengine.registry import init_default_scope

from mmsam2.models.backbones import (
    BackboneOutputError,
    PlainViT,
    SimpleFeaturePyramid,
    check_feature_maps,
    convert_timm_vit_state_dict,
)
from mmsam2.registry import MODELS


def _vit(**kwargs) -> PlainViT:
    cfg = dict(type='PlainViT', arch='tiny', embed_dim=32, depth=2, num_heads=2)
    cfg.update(kwargs)
    init_default_scope('mmsam2')
    return MODELS.build(cfg)


def test_arch_zoo_and_overrides() -> None:
    vit = PlainViT(arch='small')
    assert vit.arch_settings == dict(embed_dim=384, depth=12, num_heads=6)
    assert len(vit.blocks) == 12 and vit.out_channels == [384] and vit.out_strides == [16]
    assert _vit(depth=3).arch_settings == dict(embed_dim=32, depth=3, num_heads=2)
    with pytest.raises(ValueError, match='Unknown PlainViT arch'):
        PlainViT(arch='huge')
    with pytest.raises(ValueError, match='divisible'):
        _vit(num_heads=3)


@pytest.mark.parametrize('size', [(64, 64), (96, 128)])
def test_output_follows_the_input_size(size) -> None:
    vit = _vit(pretrain_img_size=64)
    (feat,) = vit(torch.randn(2, 3, *size))
    assert feat.shape == (2, 32, size[0] // 16, size[1] // 16)
    check_feature_maps([feat], size, vit.out_channels, vit.out_strides)


def test_windowed_attention_with_global_blocks() -> None:
    vit = _vit(window_size=2, global_att_blocks=(1,))
    assert [b.window_size for b in vit.blocks] == [2, 0]
    assert vit(torch.randn(1, 3, 80, 80))[0].shape == (1, 32, 5, 5)


def _as_timm(vit: PlainViT) -> dict:
    """``vit``'s weights in timm's layout (class token, token position embedding, head)."""
    state = {}
    for key, value in vit.state_dict().items():
        key = key.replace('mlp.layers.0.', 'mlp.fc1.').replace('mlp.layers.1.', 'mlp.fc2.')
        if key == 'pos_embed':
            value = torch.cat([torch.zeros(1, 1, 32), value.flatten(2).transpose(1, 2)], 1)
        state[key] = value
    state.update(cls_token=torch.zeros(1, 1, 32), **{'head.weight': torch.zeros(10, 32)})
    return state


def test_timm_checkpoint_loads_through_init_cfg(tmp_path) -> None:
    source = _vit(pretrain_img_size=64)
    path = str(tmp_path / 'vit.pth')
    torch.save({'model': _as_timm(source)}, path)
    target = _vit(pretrain_img_size=64, init_cfg=dict(type='Pretrained', checkpoint=path))
    target.init_weights()
    for key, value in source.state_dict().items():
        torch.testing.assert_close(target.state_dict()[key], value, msg=key)
    converted = convert_timm_vit_state_dict(_as_timm(source), grid_size=(8, 8))
    assert converted['pos_embed'].shape == (1, 32, 8, 8)
    assert 'cls_token' not in converted and 'head.weight' not in converted


def test_simple_feature_pyramid_levels() -> None:
    sfp = SimpleFeaturePyramid(_vit())
    assert sfp.out_channels == [8, 16, 32, 32] and sfp.out_strides == [4, 8, 16, 32]
    feats = sfp(torch.randn(1, 3, 64, 64))
    check_feature_maps(feats, (64, 64), sfp.out_channels, sfp.out_strides)
    assert [f.shape[-1] for f in feats] == [16, 8, 4, 2]


@pytest.mark.parametrize(
    'factors, error, match',
    [
        ((3.0, 1.0), ValueError, 'powers of 2'),
        ((1.0, 2.0), ValueError, 'decrease'),
        ((32.0,), BackboneOutputError, 'gives stride 0.5'),
    ],
)
def test_simple_feature_pyramid_rejects_bad_factors(factors, error, match) -> None:
    with pytest.raises(error, match=match):
        SimpleFeaturePyramid(_vit(embed_dim=64), scale_factors=factors)
