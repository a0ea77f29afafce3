"""Tests of the memory attention (unit tests and parity with Meta's sam2)."""

import copy
import os

import pytest
import torch
from meta_reference import import_meta_sam2

from mmsam2.models.memory import MemoryAttention, MemoryAttentionLayer, memory_attention
from mmsam2.registry import MODELS

D_MODEL, MEM_DIM = 256, 64

ATTN_CFG = dict(
    embedding_dim=D_MODEL,
    num_heads=1,
    downsample_rate=1,
    dropout=0.1,
    rope_theta=10000.0,
    feat_sizes=(64, 64),
)
CFG = dict(
    type='MemoryAttention',
    d_model=D_MODEL,
    pos_enc_at_input=True,
    layer=dict(
        type='MemoryAttentionLayer',
        d_model=D_MODEL,
        dim_feedforward=2048,
        dropout=0.1,
        activation='relu',
        pos_enc_at_attn=False,
        pos_enc_at_cross_attn_keys=True,
        pos_enc_at_cross_attn_queries=False,
        self_attention=ATTN_CFG,
        cross_attention=dict(ATTN_CFG, rope_k_repeat=True, kv_in_dim=MEM_DIM),
    ),
    num_layers=4,
)


def _small_cfg(num_layers: int = 2) -> dict:
    """CFG with a narrow MLP and fewer layers, for fast unit tests."""
    cfg = copy.deepcopy(CFG)
    cfg['layer']['dim_feedforward'] = 128
    cfg['num_layers'] = num_layers
    return cfg


def _inputs(
    batch: int = 2, hw: int = 256, num_frames: int = 3, num_ptr: int = 8, seed: int = 0
) -> dict:
    """Random batch-first inputs of :meth:`MemoryAttention.forward`."""
    g = torch.Generator().manual_seed(seed)
    num_mem = num_frames * hw + num_ptr
    return dict(
        curr=torch.randn(batch, hw, D_MODEL, generator=g),
        memory=torch.randn(batch, num_mem, MEM_DIM, generator=g),
        curr_pos=torch.randn(batch, hw, D_MODEL, generator=g),
        memory_pos=torch.randn(batch, num_mem, MEM_DIM, generator=g),
        num_obj_ptr_tokens=num_ptr,
    )


@pytest.fixture(scope='module')
def model() -> MemoryAttention:
    torch.manual_seed(0)
    return MODELS.build(_small_cfg()).eval()


def test_build_full_config_and_param_names() -> None:
    model = MODELS.build(CFG)
    assert isinstance(model, MemoryAttention) and len(model.layers) == 4
    assert all(isinstance(layer, MemoryAttentionLayer) for layer in model.layers)
    names = set(model.state_dict())
    for name in (
        'layers.3.self_attn.q_proj.weight',
        'layers.0.cross_attn_image.k_proj.weight',
        'layers.1.linear1.bias',
        'layers.2.linear2.weight',
        'layers.0.norm3.weight',
        'norm.bias',
    ):
        assert name in names
    assert model.layers[0].cross_attn_image.k_proj.in_features == MEM_DIM
    # Layers are independent copies.
    assert model.layers[0].linear1.weight.data_ptr() != model.layers[1].linear1.weight.data_ptr()


def test_forward_shape(model: MemoryAttention) -> None:
    inputs = _inputs(hw=64, num_frames=2, num_ptr=4)
    with torch.no_grad():
        out = model(**inputs)
    assert out.shape == inputs['curr'].shape
    assert torch.isfinite(out).all()


def test_object_pointers_get_no_rope(model: MemoryAttention) -> None:
    """Attention is order-blind for keys without RoPE: shuffling pointers is a no-op."""
    inputs = _inputs(hw=64, num_frames=2, num_ptr=6)
    perm = torch.cat([torch.arange(128), 128 + torch.randperm(6)])
    shuffled = dict(
        inputs, memory=inputs['memory'][:, perm], memory_pos=inputs['memory_pos'][:, perm]
    )
    with torch.no_grad():
        out, out_shuffled = model(**inputs), model(**shuffled)
        # With the pointers rotated as if spatial, the output changes.
        out_rope_all = model(
            **dict(
                inputs,
                num_obj_ptr_tokens=0,
                memory=inputs['memory'][:, :128],
                memory_pos=inputs['memory_pos'][:, :128],
            )
        )
    torch.testing.assert_close(out_shuffled, out, atol=1e-5, rtol=0)
    assert not torch.allclose(out_rope_all, out, atol=1e-3)


def test_non_square_feat_size(model: MemoryAttention) -> None:
    inputs = _inputs(hw=8 * 12, num_frames=2, num_ptr=4)
    with torch.no_grad():
        out = model(**inputs, feat_size=(8, 12))
        out_t = model(**inputs, feat_size=(12, 8))
    assert out.shape == (2, 96, D_MODEL)
    assert not torch.allclose(out, out_t)  # the grid layout matters
    with pytest.raises(ValueError, match='square'):
        model(**inputs)


def test_explicit_square_feat_size_matches_default(model: MemoryAttention) -> None:
    inputs = _inputs(hw=64, num_frames=1, num_ptr=0)
    with torch.no_grad():
        torch.testing.assert_close(
            model(**inputs, feat_size=(8, 8)), model(**inputs), atol=0, rtol=0
        )


def test_dropout_only_in_training() -> None:
    torch.manual_seed(0)
    model = MODELS.build(_small_cfg(num_layers=1))
    inputs = _inputs(batch=1, hw=16, num_frames=1, num_ptr=2)
    with torch.no_grad():
        model.train()
        assert not torch.allclose(model(**inputs), model(**inputs))
        model.eval()
        torch.testing.assert_close(model(**inputs), model(**inputs), atol=0, rtol=0)


def test_backward_in_training() -> None:
    """Gradients flow through every layer (the in-place ReLU is autograd-safe)."""
    torch.manual_seed(0)
    model = MODELS.build(_small_cfg(num_layers=2)).train()
    inputs = _inputs(batch=1, hw=16, num_frames=1, num_ptr=2)
    inputs['curr'].requires_grad_(True)
    model(**inputs).square().sum().backward()
    assert torch.isfinite(inputs['curr'].grad).all()
    for layer in model.layers:
        assert layer.linear1.weight.grad.abs().sum() > 0
        assert layer.cross_attn_image.k_proj.weight.grad.abs().sum() > 0


def test_frame_shared_by_objects_matches_copies(model: MemoryAttention) -> None:
    """One frame's tokens expanded to B objects give what B copies give."""
    inputs = _inputs(batch=3, hw=64, num_frames=2, num_ptr=4)
    curr, curr_pos = inputs['curr'][:1], inputs['curr_pos'][:1]
    shared = dict(inputs, curr=curr.expand(3, -1, -1), curr_pos=curr_pos.expand(3, -1, -1))
    copies = dict(inputs, curr=curr.repeat(3, 1, 1), curr_pos=curr_pos.repeat(3, 1, 1))
    with torch.no_grad():
        out = model(**shared)
        torch.testing.assert_close(out, model(**copies), atol=1e-6, rtol=0)
    assert out.shape == (3, 64, D_MODEL)


@pytest.mark.parametrize('shared', [False, True])
def test_one_sample_at_a_time_matches_batch(
    model: MemoryAttention, monkeypatch: pytest.MonkeyPatch, shared: bool
) -> None:
    """Large CPU batches run sample by sample (with the first self-attention shared)."""
    inputs = _inputs(batch=3, hw=64, num_frames=2, num_ptr=4)
    if shared:
        inputs.update(
            curr=inputs['curr'][:1].expand(3, -1, -1),
            curr_pos=inputs['curr_pos'][:1].expand(3, -1, -1),
        )
    with torch.no_grad():
        batched = model(**inputs)
        monkeypatch.setattr(memory_attention, 'CPU_BATCH_BYTES', 0)
        one_by_one = model(**inputs)
    torch.testing.assert_close(one_by_one, batched, atol=1e-6, rtol=0)


def test_bf16_autocast_follows_fp32(model: MemoryAttention) -> None:
    """Under CPU bf16 autocast (real-valued RoPE, fused linears) the output stays close."""
    inputs = _inputs(batch=2, hw=64, num_frames=2, num_ptr=4)
    with torch.no_grad():
        ref = model(**inputs)
        with torch.autocast('cpu', torch.bfloat16):
            low = model(**inputs)
    assert low.shape == ref.shape
    assert (low.float() - ref).abs().max().item() < 0.1 * ref.abs().max().item()
    assert torch.corrcoef(torch.stack([low.float().flatten(), ref.flatten()]))[0, 1] > 0.999


def test_without_position_encodings(model: MemoryAttention) -> None:
    inputs = _inputs(hw=16, num_frames=1, num_ptr=0)
    with torch.no_grad():
        out = model(inputs['curr'], inputs['memory'])
    assert out.shape == inputs['curr'].shape


@pytest.mark.parametrize(
    'change, match',
    [
        (dict(memory=torch.zeros(3, 40, MEM_DIM), memory_pos=None), 'batch size'),
        (dict(curr=torch.zeros(16, D_MODEL)), 'batch-first'),
        (dict(curr_pos=torch.zeros(2, 16, 8)), 'curr_pos'),
        (dict(memory_pos=torch.zeros(2, 3, MEM_DIM)), 'memory_pos'),
        (dict(num_obj_ptr_tokens=100), 'num_obj_ptr_tokens'),
        (dict(num_obj_ptr_tokens=-1), 'num_obj_ptr_tokens'),
        (dict(feat_size=(4, 5)), 'feat_size'),
    ],
)
def test_invalid_inputs(model: MemoryAttention, change: dict, match: str) -> None:
    inputs = dict(_inputs(hw=16, num_frames=2, num_ptr=8), **change)
    with pytest.raises(ValueError, match=match):
        model(**inputs)


def test_invalid_configs() -> None:
    cfg = _small_cfg()
    cfg['layer']['activation'] = 'tanh'
    with pytest.raises(ValueError, match='activation'):
        MODELS.build(cfg)
    cfg = _small_cfg()
    cfg['layer']['self_attention'] = dict(ATTN_CFG, type='Attention')
    with pytest.raises(ValueError, match='RoPEAttention'):
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='num_layers'):
        MODELS.build(_small_cfg(num_layers=0))


# --------------------------------------------------------------------------- parity


def _meta_yaml_section(arch: str, key: str):
    """The ``model.<key>`` section of Meta's sam2.1 config for ``arch``."""
    from omegaconf import OmegaConf

    sam2 = import_meta_sam2()
    path = os.path.join(
        os.path.dirname(sam2.__file__), 'configs', 'sam2.1', f'sam2.1_hiera_{arch}.yaml'
    )
    return OmegaConf.load(path).model[key]


def _randomize_vectors_(module: torch.nn.Module) -> None:
    """Perturb biases, norm weights and layer scales away from their constant init."""
    with torch.no_grad():
        for param in module.parameters():
            if param.dim() == 1:
                param.add_(0.1 * torch.randn_like(param))


@pytest.mark.parity
@pytest.mark.parametrize('arch', ['t', 'l'])
def test_parity_with_meta(arch: str) -> None:
    import_meta_sam2()
    from hydra.utils import instantiate

    torch.manual_seed(0)
    meta = instantiate(_meta_yaml_section(arch, 'memory_attention')).eval()
    _randomize_vectors_(meta)
    ours = MODELS.build(CFG).eval()
    ours.load_state_dict(meta.state_dict(), strict=True)

    for num_ptr in (8, 0):
        inputs = _inputs(batch=2, hw=256, num_frames=3, num_ptr=num_ptr, seed=num_ptr)
        seq_first = {k: v.transpose(0, 1) for k, v in inputs.items() if torch.is_tensor(v)}
        with torch.no_grad():
            expected = meta(**seq_first, num_obj_ptr_tokens=num_ptr).transpose(0, 1)
            out = ours(**inputs)
        assert out.shape == expected.shape
        assert (out - expected).abs().max().item() <= 1e-5
