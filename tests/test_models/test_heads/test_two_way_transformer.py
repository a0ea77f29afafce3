"""Tests of the two-way transformer of the mask decoder."""

from typing import Tuple

import pytest
import torch
import torch.nn as nn
from meta_reference import import_meta_sam2

from mmsam2.models.heads import TwoWayAttentionBlock, TwoWayTransformer
from mmsam2.registry import MODELS

DIM, HEADS, MLP_DIM = 64, 4, 128
BATCH, TOKENS, SIZE = 2, 7, 8
TOL = 1e-5


def _inputs(pe_batch: int = 1) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(3)
    image = torch.randn(BATCH, DIM, SIZE, SIZE, generator=gen)
    image_pe = torch.randn(pe_batch, DIM, SIZE, SIZE, generator=gen)
    tokens = torch.randn(BATCH, TOKENS, DIM, generator=gen)
    return image, image_pe, tokens


def _randomise_norms(module: nn.Module) -> None:
    """Give every LayerNorm non-trivial affine parameters."""
    gen = torch.Generator().manual_seed(4)
    with torch.no_grad():
        for sub in module.modules():
            if isinstance(sub, nn.LayerNorm):
                sub.weight.copy_(torch.randn(sub.weight.shape, generator=gen))
                sub.bias.copy_(torch.randn(sub.bias.shape, generator=gen))


def test_shapes_and_registry() -> None:
    transformer = MODELS.build(
        dict(type='TwoWayTransformer', depth=2, embedding_dim=DIM, num_heads=HEADS, mlp_dim=MLP_DIM)
    )
    assert isinstance(transformer, TwoWayTransformer)
    assert isinstance(transformer.layers[0], TwoWayAttentionBlock)
    assert (
        transformer.layers[0].skip_first_layer_pe and not transformer.layers[1].skip_first_layer_pe
    )
    queries, keys = transformer(*_inputs())
    assert queries.shape == (BATCH, TOKENS, DIM)
    assert keys.shape == (BATCH, SIZE * SIZE, DIM)


def test_parameter_names() -> None:
    transformer = TwoWayTransformer(1, DIM, HEADS, MLP_DIM)
    names = set(transformer.state_dict())
    attn = [f'{p}_proj.{w}' for p in 'qkvo' for w in ('weight', 'bias')]
    attn = [a.replace('o_proj', 'out_proj') for a in attn]
    block = [
        f'{m}.{a}'
        for m in ('self_attn', 'cross_attn_token_to_image', 'cross_attn_image_to_token')
        for a in attn
    ]
    block += [f'mlp.layers.{i}.{w}' for i in (0, 1) for w in ('weight', 'bias')]
    block += [f'norm{i}.{w}' for i in range(1, 5) for w in ('weight', 'bias')]
    expected = {f'layers.0.{name}' for name in block}
    expected |= {f'final_attn_token_to_image.{a}' for a in attn}
    expected |= {'norm_final_attn.weight', 'norm_final_attn.bias'}
    assert names == expected


@pytest.fixture(scope='module')
def transformer_pair() -> Tuple[TwoWayTransformer, nn.Module]:
    import_meta_sam2()
    from sam2.modeling.sam.transformer import TwoWayTransformer as MetaTwoWayTransformer

    torch.manual_seed(0)
    meta = MetaTwoWayTransformer(
        depth=2, embedding_dim=DIM, num_heads=HEADS, mlp_dim=MLP_DIM
    ).eval()
    _randomise_norms(meta)
    ours = TwoWayTransformer(2, DIM, HEADS, MLP_DIM).eval()
    ours.load_state_dict(meta.state_dict(), strict=True)
    return ours, meta


@pytest.mark.parity
@pytest.mark.parametrize('pe_batch', [1, BATCH])
def test_parity(transformer_pair: Tuple[TwoWayTransformer, nn.Module], pe_batch: int) -> None:
    ours, meta = transformer_pair
    inputs = _inputs(pe_batch)
    with torch.no_grad():
        ours_out, meta_out = ours(*inputs), meta(*inputs)
    for a, b in zip(ours_out, meta_out):
        assert a.shape == b.shape
        assert (a - b).abs().max().item() <= TOL


@pytest.mark.parity
def test_parity_gelu_and_downsample() -> None:
    import_meta_sam2()
    from sam2.modeling.sam.transformer import TwoWayTransformer as MetaTwoWayTransformer

    torch.manual_seed(0)
    meta = MetaTwoWayTransformer(3, DIM, HEADS, MLP_DIM, nn.GELU, 4).eval()
    _randomise_norms(meta)
    ours = TwoWayTransformer(3, DIM, HEADS, MLP_DIM, nn.GELU, 4).eval()
    ours.load_state_dict(meta.state_dict(), strict=True)
    inputs = _inputs()
    with torch.no_grad():
        for a, b in zip(ours(*inputs), meta(*inputs)):
            assert (a - b).abs().max().item() <= TOL
