"""linear_act: oneDNN's fused path under bf16 on the CPU, exact nn.Linear otherwise."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsam2.models.layers import MLP, autocast_dtype, fused_linear, linear_act
from mmsam2.models.layers.fused_linear import uses_fused_linear

REFERENCE = {'none': lambda y: y, 'relu': F.relu, 'gelu': F.gelu}


@pytest.mark.parametrize('activation', ['none', 'relu', 'gelu'])
def test_float32_is_exactly_the_layer(activation: str) -> None:
    torch.manual_seed(0)
    layer = nn.Linear(8, 16)
    x = torch.randn(2, 5, 8)
    reference = REFERENCE[activation]
    with torch.no_grad():
        assert torch.equal(linear_act(x, layer, activation), reference(layer(x)))


@pytest.mark.parametrize('activation', ['none', 'relu', 'gelu'])
def test_bf16_autocast_close_to_float32(activation: str) -> None:
    torch.manual_seed(0)
    layer = nn.Linear(32, 64)
    x = torch.randn(3, 7, 32)
    reference = REFERENCE[activation]
    with torch.no_grad():
        expected = reference(layer(x))
        with torch.autocast('cpu', torch.bfloat16):
            assert autocast_dtype('cpu') == torch.bfloat16
            out = linear_act(x, layer, activation)
    assert out.dtype == torch.bfloat16 and out.shape == expected.shape
    assert (out.float() - expected).abs().max().item() < 0.05


def test_fused_path_only_without_autograd() -> None:
    layer = nn.Linear(4, 4)
    x = torch.randn(2, 4)
    with torch.autocast('cpu', torch.bfloat16):
        assert not uses_fused_linear(x, layer)  # the weights need gradients
        with torch.no_grad():
            fused = uses_fused_linear(x, layer)
    assert not uses_fused_linear(x, layer)  # float32
    assert fused == fused_linear._FUSED_BF16  # where oneDNN has bf16
    layer.requires_grad_(False)  # frozen layer: fused unless the input needs gradients
    with torch.autocast('cpu', torch.bfloat16):
        assert uses_fused_linear(x, layer) == fused_linear._FUSED_BF16
        assert not uses_fused_linear(x.requires_grad_(), layer)
    layer.bias.requires_grad_(True)
    with torch.autocast('cpu', torch.bfloat16):
        assert not uses_fused_linear(x.detach(), layer)


def test_bf16_weights_follow_updates() -> None:
    layer = nn.Linear(4, 4)
    x = torch.randn(2, 4)
    with torch.no_grad(), torch.autocast('cpu', torch.bfloat16):
        before = linear_act(x, layer)
        layer.weight.mul_(2)
        layer.bias.mul_(2)
        after = linear_act(x, layer)
    torch.testing.assert_close(after.float(), 2 * before.float(), atol=0.05, rtol=0.02)


def test_mlp_gradients_and_bf16() -> None:
    torch.manual_seed(0)
    mlp = MLP(8, 16, 4, num_layers=3, activation=nn.GELU)
    x = torch.randn(5, 8)
    mlp(x).sum().backward()  # training path: plain layers
    assert all(layer.weight.grad is not None for layer in mlp.layers)
    with torch.no_grad():
        expected = mlp(x)
        with torch.autocast('cpu', torch.bfloat16):
            low = mlp(x)
    assert (low.float() - expected).abs().max().item() < 0.05
