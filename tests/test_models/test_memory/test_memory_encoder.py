"""Tests of the memory encoder and its parts (unit tests and parity with Meta)."""

import copy
import os

import pytest
import torch
from meta_reference import import_meta_sam2

from mmsam2.models.memory import CXBlock, Fuser, MaskDownSampler, MemoryEncoder
from mmsam2.registry import MODELS

CFG = dict(
    type='MemoryEncoder',
    out_dim=64,
    in_dim=256,
    mask_downsampler=dict(type='MaskDownSampler', kernel_size=3, stride=2, padding=1),
    fuser=dict(
        type='Fuser',
        layer=dict(
            type='CXBlock',
            dim=256,
            kernel_size=7,
            padding=3,
            layer_scale_init_value=1e-6,
            use_dwconv=True,
        ),
        num_layers=2,
    ),
    position_encoding=dict(type='SinePositionEmbedding', num_pos_feats=64),
)


def _inputs(batch: int = 2, size: int = 16, seed: int = 0) -> tuple:
    """Random image features (B, 256, size, size) and mask logits (B, 1, 16size, 16size)."""
    g = torch.Generator().manual_seed(seed)
    pix_feat = torch.randn(batch, 256, size, size, generator=g)
    masks = 5 * torch.randn(batch, 1, 16 * size, 16 * size, generator=g)
    return pix_feat, masks


@pytest.fixture(scope='module')
def encoder() -> MemoryEncoder:
    torch.manual_seed(0)
    return MODELS.build(CFG).eval()


def test_build_and_param_names(encoder: MemoryEncoder) -> None:
    assert isinstance(encoder.mask_downsampler, MaskDownSampler)
    assert isinstance(encoder.fuser, Fuser)
    assert all(isinstance(layer, CXBlock) for layer in encoder.fuser.layers)
    names = set(encoder.state_dict())
    for name in (
        'mask_downsampler.encoder.0.weight',
        'mask_downsampler.encoder.10.bias',
        'mask_downsampler.encoder.12.weight',
        'pix_feat_proj.weight',
        'fuser.layers.1.dwconv.weight',
        'fuser.layers.0.norm.bias',
        'fuser.layers.0.pwconv1.weight',
        'fuser.layers.1.pwconv2.bias',
        'fuser.layers.0.gamma',
        'out_proj.weight',
    ):
        assert name in names
    # 4 stride-2 stages, channels 1 -> 4 -> 16 -> 64 -> 256, then a 1x1 conv to in_dim.
    assert encoder.mask_downsampler.encoder[9].out_channels == 256
    assert encoder.mask_downsampler.encoder[12].out_channels == 256


def test_forward_shapes_non_square(encoder: MemoryEncoder) -> None:
    pix_feat = torch.randn(1, 256, 8, 12)
    masks = torch.randn(1, 1, 128, 192)
    with torch.no_grad():
        out = encoder(pix_feat, masks)
    assert out['vision_features'].shape == (1, 64, 8, 12)
    assert len(out['vision_pos_enc']) == 1
    assert out['vision_pos_enc'][0].shape == (1, 64, 8, 12)


def test_skip_mask_sigmoid(encoder: MemoryEncoder) -> None:
    pix_feat, masks = _inputs(batch=1, size=8)
    with torch.no_grad():
        out = encoder(pix_feat, masks)['vision_features']
        out_skip = encoder(pix_feat, torch.sigmoid(masks), skip_mask_sigmoid=True)
    torch.testing.assert_close(out_skip['vision_features'], out, atol=0, rtol=0)


def test_same_dims_has_no_out_proj() -> None:
    cfg = copy.deepcopy(CFG)
    cfg['out_dim'] = 256
    assert isinstance(MODELS.build(cfg).out_proj, torch.nn.Identity)


def test_mask_downsampler_defaults() -> None:
    sampler = MaskDownSampler(embed_dim=32)  # 2 stages of stride 4
    assert len(sampler.encoder) == 7
    assert sampler(torch.randn(1, 1, 64, 64)).shape == (1, 32, 4, 4)


def test_invalid_configs() -> None:
    with pytest.raises(ValueError, match='power'):
        MaskDownSampler(stride=3, total_stride=16)
    with pytest.raises(ValueError, match='activation'):
        MaskDownSampler(activation='NoSuchAct')
    with pytest.raises(ValueError, match='dim'):
        Fuser(layer=dict(dim=8), num_layers=1, input_projection=True)


def test_cx_block_without_layer_scale_and_fuser_projection() -> None:
    block = CXBlock(dim=8, layer_scale_init_value=0)
    assert block.gamma is None
    fuser = Fuser(
        layer=dict(dim=8, layer_scale_init_value=0), num_layers=2, dim=8, input_projection=True
    )
    assert isinstance(fuser.proj, torch.nn.Conv2d)
    assert fuser(torch.randn(2, 8, 5, 5)).shape == (2, 8, 5, 5)


def test_cx_block_drop_path_only_in_training() -> None:
    block = CXBlock(dim=8, drop_path=0.5, layer_scale_init_value=1.0)
    x = torch.randn(16, 8, 4, 4)
    with torch.no_grad():
        block.eval()
        torch.testing.assert_close(block(x), block(x), atol=0, rtol=0)
        block.train()
        torch.manual_seed(0)
        dropped = (block(x) == x).flatten(1).all(1)
    assert dropped.any() and not dropped.all()


# --------------------------------------------------------------------------- parity


def _meta_encoder(arch: str) -> torch.nn.Module:
    """Meta's memory encoder of the sam2.1 ``arch`` config, random weights."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    sam2 = import_meta_sam2()
    path = os.path.join(
        os.path.dirname(sam2.__file__), 'configs', 'sam2.1', f'sam2.1_hiera_{arch}.yaml'
    )
    meta = instantiate(OmegaConf.load(path).model.memory_encoder).eval()
    with torch.no_grad():  # move biases, norms and layer scales off their constants
        for param in meta.parameters():
            if param.dim() == 1:
                param.add_(0.1 * torch.randn_like(param))
    return meta


@pytest.mark.parity
@pytest.mark.parametrize('arch', ['t', 'l'])
def test_parity_with_meta(arch: str) -> None:
    torch.manual_seed(0)
    meta = _meta_encoder(arch)
    ours = MODELS.build(CFG).eval()
    ours.load_state_dict(meta.state_dict(), strict=True)

    pix_feat, masks = _inputs(batch=2, size=16, seed=1)
    squashed = torch.sigmoid(masks) * 20.0 - 10.0  # as SAM2Base feeds the encoder
    for mask_in, skip in ((masks, False), (squashed, True)):
        with torch.no_grad():
            expected = meta(pix_feat, mask_in, skip_mask_sigmoid=skip)
            out = ours(pix_feat, mask_in, skip_mask_sigmoid=skip)
        for key in ('vision_features', 'vision_pos_enc'):
            exp = expected[key] if key == 'vision_features' else expected[key][0]
            got = out[key] if key == 'vision_features' else out[key][0]
            assert got.shape == exp.shape
            assert (got - exp).abs().max().item() <= 1e-5
