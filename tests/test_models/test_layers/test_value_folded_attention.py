"""Attention with v_proj applied after the softmax equals the usual attention."""

import pytest
import torch

from mmsam2.models.layers import Attention, RoPEAttention
from mmsam2.models.layers import value_folded_attention as folded


def _inputs(batch: int, num_keys: int, dim: int = 64) -> tuple:
    torch.manual_seed(0)
    return (
        torch.randn(batch, 64, 32),
        torch.randn(batch, num_keys, dim),
        torch.randn(batch, num_keys, dim),
    )


@pytest.mark.parametrize('heads', [1, 2])
@pytest.mark.parametrize('chunk_bytes', [folded.CHUNK_BYTES, 100 * 4 * 64])
def test_folded_equals_projected_values(heads: int, chunk_bytes: int, monkeypatch) -> None:
    # the small setting gives blocks of 64 query rows (the minimum): the 80
    # queries then run as a full block and a partial one
    monkeypatch.setattr(folded, 'CHUNK_BYTES', chunk_bytes)
    layer = Attention(32, heads, kv_in_dim=8).eval()
    torch.manual_seed(1)
    q, k, v = torch.randn(3, 80, 32), torch.randn(3, 100, 8), torch.randn(3, 100, 8)
    expected = layer(q, k, v)  # autograd on: values projected first, SDPA
    assert not layer._fold_values(v)
    with torch.no_grad():
        assert layer._fold_values(v)
        out = layer(q, k, v)
        shared = layer(q[:1], k, v)
    torch.testing.assert_close(out, expected.detach(), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(
        shared, layer(q[:1].expand(3, -1, -1), k, v).detach(), atol=1e-6, rtol=1e-5
    )


def test_rope_cross_attention_folds_memory_values() -> None:
    layer = RoPEAttention(32, 1, kv_in_dim=8, rope_k_repeat=True, feat_sizes=(8, 8)).eval()
    q, k, v = _inputs(2, 2 * 64 + 4, dim=8)
    expected = layer(q, k, v, num_k_exclude_rope=4).detach()
    with torch.no_grad():
        out = layer(q, k, v, num_k_exclude_rope=4)
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-5)


def test_fold_only_where_it_saves_work() -> None:
    v = torch.zeros(1, 4, 8)
    with torch.no_grad():
        assert not Attention(32, 1, kv_in_dim=32).eval()._fold_values(torch.zeros(1, 4, 32))
        assert not Attention(32, 8, kv_in_dim=8).eval()._fold_values(v)  # heads of 4 < 8
        dropout = Attention(32, 1, kv_in_dim=8, dropout=0.1)
        assert not dropout.train()._fold_values(v)
        assert dropout.eval()._fold_values(v)


def test_folded_attention_in_bfloat16() -> None:
    layer = Attention(32, 1, kv_in_dim=8).eval()
    q, k, v = _inputs(1, 200, dim=8)
    expected = layer(q, k, v).detach()
    with torch.no_grad(), torch.autocast('cpu', torch.bfloat16):
        out = layer(q, k, v)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), expected, atol=0.05, rtol=0.05)
