"""Tests of the Hiera backbone, including parity with Meta's image encoder."""

import copy
import inspect
import os
import re
from typing import Dict, List, Tuple

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml
from meta_reference import META_CONFIGS, import_meta_sam2

from mmsam2.models.backbones import Hiera
from mmsam2.models.backbones.hiera import max_pool_tokens
from mmsam2.models.layers import DropPath
from mmsam2.models.necks import convert_meta_fpn_keys
from mmsam2.registry import MODELS

ARCHS = ('tiny', 'small', 'base_plus', 'large')
# Parity image sizes: never 1024, so the background embedding is interpolated.
# Large is costly on CPU and pads its 16-wide stage-3 windows anyway.
PARITY_SIZES = {
    'tiny': (128, 256),
    'small': (128, 256),
    'base_plus': (128, 256),
    'large': (64, 128),
}
TINY_CHANNELS = [96, 192, 384, 768]


def _small_hiera(**kwargs) -> Hiera:
    """A four-block Hiera that runs in milliseconds on 64 px inputs."""
    cfg = dict(
        type='Hiera',
        arch='tiny',
        embed_dim=16,
        stages=(1, 1, 1, 1),
        global_att_blocks=(2,),
        window_spec=(4, 4, 2, 2),
    )
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _randomize_(module: nn.Module) -> None:
    """Random position embeddings and LayerNorm affines (others keep their init)."""
    with torch.no_grad():
        for name, param in module.named_parameters():
            if 'pos_embed' in name:
                param.normal_(0.0, 0.5)
        for sub in module.modules():
            if isinstance(sub, nn.LayerNorm):
                sub.weight.normal_(1.0, 0.1)
                sub.bias.normal_(0.0, 0.1)


def _meta_image_encoder(arch: str) -> nn.Module:
    """Meta's ImageEncoder configured as in its configs, with random weights."""
    import_meta_sam2()
    from sam2.modeling.backbones.hieradet import Hiera as MetaHiera
    from sam2.modeling.backbones.image_encoder import FpnNeck, ImageEncoder
    from sam2.modeling.position_encoding import PositionEmbeddingSine

    trunk = MetaHiera(**Hiera.arch_zoo[arch])
    neck = FpnNeck(
        position_encoding=PositionEmbeddingSine(num_pos_feats=256),
        d_model=256,
        backbone_channel_list=trunk.channel_list,
        fpn_top_down_levels=[2, 3],
        fpn_interp_model='nearest',
    )
    encoder = ImageEncoder(trunk, neck, scalp=1)
    _randomize_(encoder)
    return encoder.eval()


def _ours_from_meta(arch: str, meta: nn.Module) -> Tuple[nn.Module, nn.Module]:
    """Our backbone and neck, built from configs, holding Meta's weights.

    The keys go through the full-model renaming: ``image_encoder.trunk.`` ->
    ``backbone.`` and :func:`convert_meta_fpn_keys` for the neck.
    """
    state = {'image_encoder.' + k: v for k, v in meta.state_dict().items()}
    state = convert_meta_fpn_keys(state, 'image_encoder.neck.', 'neck.')
    state = {re.sub(r'^image_encoder\.trunk\.', 'backbone.', k): v for k, v in state.items()}
    with torch.device('meta'):
        backbone = MODELS.build(dict(type='Hiera', arch=arch))
        neck = MODELS.build(
            dict(
                type='SAM2FPNNeck',
                in_channels=backbone.out_channels,
                fpn_top_down_levels=[2, 3],
                fpn_interp_model='nearest',
                scalp=1,
            )
        )
    for prefix, module in (('backbone.', backbone), ('neck.', neck)):
        sub_state = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        module.load_state_dict(sub_state, strict=True, assign=True)
    return backbone.eval(), neck.eval()


def _as_tuple(value: object) -> object:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _max_diff(a: List[torch.Tensor], b: List[torch.Tensor]) -> float:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape
    return max((x - y).abs().max().item() for x, y in zip(a, b))


@pytest.mark.parity
@pytest.mark.parametrize('arch', [*ARCHS[:-1], pytest.param(ARCHS[-1], marks=pytest.mark.slow)])
def test_image_encoder_parity(arch: str) -> None:
    torch.manual_seed(0)
    meta = _meta_image_encoder(arch)
    backbone, neck = _ours_from_meta(arch, meta)
    assert backbone.out_strides == [4, 8, 16, 32]
    assert backbone.out_channels == meta.trunk.channel_list[::-1]
    trunk_outs = []
    meta.trunk.register_forward_hook(lambda mod, inp, out: trunk_outs.append(out))
    for size in PARITY_SIZES[arch]:
        x = torch.randn(1, 3, size, size)
        with torch.no_grad():
            expected = meta(x)
            feats = backbone(x)
            outs, pos = neck(feats)
        for feat, channels, stride in zip(feats, backbone.out_channels, backbone.out_strides):
            assert feat.shape == (1, channels, size // stride, size // stride)
        assert _max_diff(feats, trunk_outs.pop()) <= 1e-5
        assert _max_diff(outs, expected['backbone_fpn']) <= 1e-5
        assert _max_diff(pos, expected['vision_pos_enc']) <= 1e-5


@pytest.mark.parametrize('arch', ARCHS)
def test_arch_zoo_matches_meta_configs(arch: str) -> None:
    sam2 = import_meta_sam2()
    from sam2.modeling.backbones.hieradet import Hiera as MetaHiera

    params = inspect.signature(MetaHiera.__init__).parameters
    settings = Hiera.arch_zoo[arch]
    channels = [settings['embed_dim'] * 2**i for i in range(4)]
    for version in ('sam2', 'sam2.1'):
        path = os.path.join(os.path.dirname(sam2.__file__), META_CONFIGS[(version, arch)])
        with open(path) as f:
            encoder_cfg = yaml.safe_load(f)['model']['image_encoder']
        for key, value in settings.items():
            meta_value = encoder_cfg['trunk'].get(key, params[key].default)
            assert _as_tuple(meta_value) == _as_tuple(value), (version, key)
        assert encoder_cfg['scalp'] == 1
        assert encoder_cfg['neck']['fpn_top_down_levels'] == [2, 3]
        assert encoder_cfg['neck']['fpn_interp_model'] == 'nearest'
        assert encoder_cfg['neck']['backbone_channel_list'] == channels[::-1]


def test_tiny_from_config_shapes() -> None:
    backbone = MODELS.build(dict(type='Hiera', arch='tiny')).eval()
    assert backbone.out_channels == TINY_CHANNELS
    assert backbone.out_strides == [4, 8, 16, 32]
    with torch.no_grad():
        outs = backbone(torch.randn(2, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [
        (2, c, 64 // s, 96 // s) for c, s in zip(TINY_CHANNELS, [4, 8, 16, 32])
    ]


def test_arch_override_by_field() -> None:
    backbone = _small_hiera()
    assert len(backbone.blocks) == 4
    assert backbone.out_channels == [16, 32, 64, 128]
    assert backbone.arch_settings['num_heads'] == 1
    assert backbone.arch_settings['window_pos_embed_bkg_spatial_size'] == (7, 7)
    assert tuple(backbone.pos_embed_window.shape) == (1, 16, 4, 4)
    assert [b.window_size for b in backbone.blocks] == [4, 4, 0, 2]
    assert [b.attn.num_heads for b in backbone.blocks] == [1, 2, 4, 8]
    with torch.no_grad():
        outs = backbone(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [
        (1, 16, 16, 16),
        (1, 32, 8, 8),
        (1, 64, 4, 4),
        (1, 128, 2, 2),
    ]


def test_custom_arch_dict() -> None:
    arch: Dict[str, object] = dict(Hiera.arch_zoo['tiny'], embed_dim=8, stages=(1, 1, 1, 1))
    arch['global_att_blocks'] = ()
    backbone = Hiera(arch=arch, num_heads=2)
    assert backbone.out_channels == [8, 16, 32, 64]
    assert backbone.blocks[0].attn.num_heads == 2
    del arch['window_spec']
    with pytest.raises(ValueError, match='window_spec'):
        Hiera(arch=arch)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match='Unknown Hiera arch'):
        Hiera(arch='huge')
    with pytest.raises(TypeError, match='arch must be'):
        Hiera(arch=3)
    with pytest.raises(ValueError, match='q_pool'):
        _small_hiera(q_pool=4)
    with pytest.raises(ValueError, match='one entry per stage'):
        _small_hiera(window_spec=(4, 4, 2))


def test_last_stage_only_and_partial_pooling() -> None:
    last_only = _small_hiera(return_interm_layers=False)
    assert last_only.out_channels == [128] and last_only.out_strides == [32]
    pooled_twice = _small_hiera(q_pool=2)
    assert pooled_twice.out_strides == [4, 8, 16, 16]
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        (last,) = last_only(x)
        outs = pooled_twice(x)
    assert tuple(last.shape) == (1, 128, 2, 2)
    assert tuple(outs[-1].shape) == (1, 128, 4, 4)


def test_drop_path_in_train_mode() -> None:
    torch.manual_seed(0)
    backbone = _small_hiera(drop_path_rate=0.3)
    assert isinstance(backbone.blocks[0].drop_path, nn.Identity)
    rates = [b.drop_path.drop_prob for b in backbone.blocks[1:]]
    assert all(isinstance(b.drop_path, DropPath) for b in backbone.blocks[1:])
    assert rates == pytest.approx([0.1, 0.2, 0.3])
    x = torch.randn(4, 3, 64, 64)
    with torch.no_grad():
        train_a, train_b = backbone(x)[-1], backbone(x)[-1]
        backbone.eval()
        eval_a, eval_b = backbone(x)[-1], backbone(x)[-1]
    assert not torch.allclose(train_a, train_b)
    assert torch.equal(eval_a, eval_b)


def test_backward_reaches_all_parameters() -> None:
    backbone = _small_hiera()
    outs = backbone(torch.randn(1, 3, 64, 64))
    sum(o.square().mean() for o in outs).backward()
    missing = [n for n, p in backbone.named_parameters() if p.grad is None]
    assert not missing


def test_pretrained_init_cfg_with_prefix(tmp_path) -> None:
    source = _small_hiera()
    ckpt = str(tmp_path / 'sam2.pth')
    state = {'backbone.' + k: v for k, v in source.state_dict().items()}
    torch.save({'state_dict': state}, ckpt)
    init_cfg = dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')
    target = _small_hiera(init_cfg=init_cfg)
    target.init_weights()
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        assert torch.equal(a, b), name


def test_max_pool_tokens_matches_max_pool2d() -> None:
    qkv = torch.randn(3, 9, 7, 3, 8)  # a strided slice, as the query of a fused qkv
    q = qkv[..., 0, :]
    for stride in ((2, 2), (3, 2), (1, 3)):
        expected = F.max_pool2d(q.permute(0, 3, 1, 2), stride, stride).permute(0, 2, 3, 1)
        assert torch.equal(max_pool_tokens(q, stride), expected)


def test_cached_position_embedding_follows_updates() -> None:
    backbone = _small_hiera().eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        before = backbone(x)[0]
        backbone.pos_embed.add_(1.0)  # in place, as an optimizer step or a load
        after = backbone(x)[0]
        fresh = copy.deepcopy(backbone)
        fresh._pos_embed_cache = None
        assert not torch.allclose(before, after)
        assert torch.equal(after, fresh(x)[0])


def test_bf16_autocast_keeps_tokens_in_bf16() -> None:
    torch.manual_seed(0)
    backbone = _small_hiera().eval()
    _randomize_(backbone)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = backbone(x)
        with torch.autocast('cpu', torch.bfloat16):
            outs = backbone(x)
    for out, ref in zip(outs, expected):
        assert out.dtype == torch.bfloat16
        assert (out.float() - ref).abs().max() < 0.05 * ref.abs().max()
