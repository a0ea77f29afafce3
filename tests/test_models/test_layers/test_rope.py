"""Axial RoPE: the complex float32 form and the real cos / sin form agree."""

import pytest
import torch

from mmsam2.models.layers import RoPEAttention
from mmsam2.models.layers.rope import (
    apply_rope,
    apply_rope_real,
    axial_rope_angles,
    rope_cos_sin,
    rope_rotations,
    rotate_channels_first_,
)


def test_real_rotation_matches_complex() -> None:
    angles = axial_rope_angles(32, 4, 6)
    x = torch.randn(2, 3, 3 * 24, 32)  # three grids of 4 x 6 tokens
    expected = apply_rope(x, rope_rotations(angles))
    cos, sin = rope_cos_sin(angles, torch.float32)
    torch.testing.assert_close(apply_rope_real(x, cos, sin), expected, atol=1e-6, rtol=0)


def test_real_rotation_into_a_slice() -> None:
    angles = axial_rope_angles(16, 4, 4)
    cos, sin = rope_cos_sin(angles, torch.float32)
    x = torch.randn(1, 2, 16 + 5, 16)
    y = x.clone()
    apply_rope_real(y[:, :, :16], cos, sin, out=y[:, :, :16])
    torch.testing.assert_close(y[:, :, :16], apply_rope(x[:, :, :16], rope_rotations(angles)))
    assert torch.equal(y[:, :, 16:], x[:, :, 16:])  # tokens after the grid untouched


def test_channels_first_rotation_in_place() -> None:
    angles = axial_rope_angles(16, 4, 4)
    cos, sin = rope_cos_sin(angles, torch.float32)
    x = torch.randn(2, 1, 2 * 16 + 3, 16)  # two grids and three unrotated tokens
    keys_t = x.transpose(-2, -1).contiguous()
    rotate_channels_first_(keys_t[..., :32], cos.t().contiguous(), sin.t().contiguous())
    expected = apply_rope(x[:, :, :32], rope_rotations(angles))
    torch.testing.assert_close(keys_t[..., :32].transpose(-2, -1), expected)
    assert torch.equal(keys_t[..., 32:], x[:, :, 32:].transpose(-2, -1))
    with pytest.raises(ValueError, match='cannot be tiled'):
        rotate_channels_first_(keys_t[..., :30], cos.t(), sin.t())


def test_bf16_cross_attention_projects_keys_channels_first() -> None:
    """bf16 memory cross-attention (keys built channels first, v_proj after the
    softmax) agrees with the float32 layer as closely as the usual bf16 path."""
    torch.manual_seed(0)
    layer = RoPEAttention(32, 1, kv_in_dim=8, rope_k_repeat=True, feat_sizes=(4, 4)).eval()
    q, k, v = torch.randn(2, 16, 32), torch.randn(2, 3 * 16 + 2, 8), torch.randn(2, 3 * 16 + 2, 8)
    expected = layer(q, k, v, num_k_exclude_rope=2).detach()
    with torch.no_grad(), torch.autocast('cpu', torch.bfloat16):
        assert layer._fold_values(v)
        out = layer(q, k, v, num_k_exclude_rope=2)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), expected, atol=0.02, rtol=0.02)


def test_bf16_tables_and_tokens() -> None:
    angles = axial_rope_angles(64, 8, 8)
    cos, sin = rope_cos_sin(angles, torch.bfloat16)
    assert cos.dtype == sin.dtype == torch.bfloat16
    x = torch.randn(1, 1, 64, 64)
    out = apply_rope_real(x.bfloat16(), cos, sin)
    assert out.dtype == torch.bfloat16
    expected = apply_rope(x, rope_rotations(angles))
    assert (out.float() - expected).abs().max().item() < 0.05
    with pytest.raises(ValueError, match='cannot be tiled'):
        apply_rope_real(x[:, :, :60], cos, sin)


def test_rope_attention_uses_real_tables_for_half_tokens() -> None:
    torch.manual_seed(0)
    attn = RoPEAttention(32, num_heads=2, rope_k_repeat=True, kv_in_dim=16).eval()
    q, k = torch.randn(2, 16, 32), torch.randn(2, 2 * 16 + 3, 16)
    with torch.no_grad():
        ref = attn(q, k, k, num_k_exclude_rope=3)
        with torch.autocast('cpu', torch.bfloat16):
            low = attn(q, k, k, num_k_exclude_rope=3)
    assert low.dtype == torch.bfloat16
    assert (low.float() - ref).abs().max().item() < 0.05
    kinds = {type(table) for table in attn._tables.values()}
    assert kinds == {tuple, torch.Tensor}  # complex float32 table and bf16 cos / sin
