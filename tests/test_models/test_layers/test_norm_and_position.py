"""LayerNorm2d against its formula; sine position encodings in the features' dtype."""

import torch

from mmsam2.models.layers import LayerNorm2d, SinePositionEmbedding


def test_layer_norm_2d_matches_formula_and_is_channels_last() -> None:
    torch.manual_seed(0)
    norm = LayerNorm2d(8)
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    x = 3 * torch.randn(2, 8, 5, 6) + 1
    mean = x.mean(1, keepdim=True)
    var = (x - mean).pow(2).mean(1, keepdim=True)
    expected = (x - mean) / torch.sqrt(var + norm.eps) * norm.weight[:, None, None]
    expected = expected + norm.bias[:, None, None]
    with torch.no_grad():
        out = norm(x)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)
    assert out.is_contiguous(memory_format=torch.channels_last)


def test_sine_position_encoding_follows_dtype() -> None:
    pe = SinePositionEmbedding(16)
    x = torch.zeros(2, 4, 6, 5)
    full = pe(x)
    half = pe(x.bfloat16())
    assert full.dtype == torch.float32 and half.dtype == torch.bfloat16
    assert full.shape == half.shape == (2, 16, 6, 5)
    torch.testing.assert_close(half.float(), full, atol=1e-2, rtol=0)
    assert pe(x.bfloat16()).data_ptr() == half.data_ptr()  # cast once, then cached
