"""Tests of the mask decoder (shapes, options and parity with Meta's)."""

from typing import Dict, List, Optional, Tuple

import pytest
import torch
import torch.nn as nn
from meta_reference import import_meta_sam2

from mmsam2.models.heads import MaskDecoder, TwoWayTransformer
from mmsam2.registry import MODELS

DIM = 256
EMBED = 16  # image 256 -> 16 x 16 embedding, 64 x 64 masks
BATCH, TOKENS = 2, 4
TOL = 1e-5


def _inputs(batch: int = BATCH, image_batch: Optional[int] = None) -> Dict:
    gen = torch.Generator().manual_seed(5)
    return dict(
        image_embeddings=torch.randn(image_batch or batch, DIM, EMBED, EMBED, generator=gen),
        image_pe=torch.randn(1, DIM, EMBED, EMBED, generator=gen),
        sparse_prompt_embeddings=torch.randn(batch, TOKENS, DIM, generator=gen),
        dense_prompt_embeddings=torch.randn(batch, DIM, EMBED, EMBED, generator=gen),
    )


def _high_res(decoder: MaskDecoder, batch: int = BATCH) -> List[torch.Tensor]:
    """Backbone features projected by conv_s0 / conv_s1, as the model does it."""
    gen = torch.Generator().manual_seed(6)
    feat_s0 = torch.randn(batch, DIM, 4 * EMBED, 4 * EMBED, generator=gen)
    feat_s1 = torch.randn(batch, DIM, 2 * EMBED, 2 * EMBED, generator=gen)
    return [decoder.conv_s0(feat_s0), decoder.conv_s1(feat_s1)]


def _meta_decoder(**kwargs) -> nn.Module:
    import_meta_sam2()
    from sam2.modeling.sam.mask_decoder import MaskDecoder as MetaMaskDecoder
    from sam2.modeling.sam.transformer import TwoWayTransformer as MetaTwoWayTransformer

    torch.manual_seed(0)
    transformer = MetaTwoWayTransformer(depth=2, embedding_dim=DIM, mlp_dim=2048, num_heads=8)
    meta = MetaMaskDecoder(transformer_dim=DIM, transformer=transformer, **kwargs).eval()
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():  # non-trivial norm affine parameters
        for name, param in meta.named_parameters():
            if 'norm' in name or 'output_upscaling.1' in name:
                param.copy_(torch.randn(param.shape, generator=gen))
    return meta


def _pair(**kwargs) -> Tuple[MaskDecoder, nn.Module]:
    meta = _meta_decoder(**kwargs)
    ours = MaskDecoder(**kwargs).eval()
    ours.load_state_dict(meta.state_dict(), strict=True)
    return ours, meta


def _max_diffs(ours: Tuple[torch.Tensor, ...], meta: Tuple[torch.Tensor, ...]) -> List[float]:
    assert [a.shape for a in ours] == [b.shape for b in meta]
    return [(a - b).abs().max().item() for a, b in zip(ours, meta)]


@pytest.mark.parametrize('multimask, num_masks', [(True, 3), (False, 1)])
def test_shapes(multimask: bool, num_masks: int) -> None:
    decoder = MaskDecoder().eval()
    with torch.no_grad():
        masks, ious, tokens, scores = decoder(
            **_inputs(), multimask_output=multimask, repeat_image=False
        )
    assert masks.shape == (BATCH, num_masks, 4 * EMBED, 4 * EMBED)
    assert ious.shape == (BATCH, num_masks)
    assert tokens.shape == (BATCH, 1, DIM)
    assert torch.equal(scores, torch.full((BATCH, 1), 10.0))


def test_build_from_config() -> None:
    decoder = MODELS.build(
        dict(
            type='MaskDecoder',
            transformer_dim=64,
            transformer=dict(
                type='TwoWayTransformer', depth=1, embedding_dim=64, mlp_dim=128, num_heads=4
            ),
            pred_obj_scores=True,
            use_multimask_token_for_obj_ptr=True,
        )
    )
    assert isinstance(decoder, MaskDecoder)
    assert isinstance(decoder.transformer, TwoWayTransformer)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        masks, ious, tokens, scores = decoder(
            torch.randn(1, 64, 4, 4, generator=gen),
            torch.randn(1, 64, 4, 4, generator=gen),
            torch.randn(3, 2, 64, generator=gen),
            torch.randn(3, 64, 4, 4, generator=gen),
            multimask_output=True,
            repeat_image=True,
        )
    assert masks.shape == (3, 3, 16, 16) and ious.shape == (3, 3)
    assert tokens.shape == (3, 3, 64) and scores.shape == (3, 1)


def test_parameter_names_match_meta() -> None:
    kwargs = dict(use_high_res_features=True, pred_obj_scores=True, pred_obj_scores_mlp=True)
    meta = _meta_decoder(**kwargs)
    assert set(MaskDecoder(**kwargs).state_dict()) == set(meta.state_dict())


def test_bad_inputs() -> None:
    decoder = MaskDecoder(use_high_res_features=True).eval()
    inputs = _inputs()
    with pytest.raises(ValueError, match='high_res_features'):
        decoder(**inputs, multimask_output=False, repeat_image=False)
    bad_batch = dict(inputs, image_embeddings=inputs['image_embeddings'][:1])
    with pytest.raises(ValueError, match='repeat_image=True'):
        decoder(**bad_batch, multimask_output=False, repeat_image=False)
    bad_pe = dict(inputs, image_pe=inputs['image_pe'].expand(2, -1, -1, -1))
    with pytest.raises(ValueError, match='image_pe must have batch size 1'):
        decoder(**bad_pe, multimask_output=False, repeat_image=False)


PARITY_CASES = {
    'default': dict(),
    'sigmoid_iou': dict(iou_prediction_use_sigmoid=True),
    'high_res': dict(use_high_res_features=True),
    'obj_scores': dict(pred_obj_scores=True),
    'obj_scores_mlp_multimask_ptr': dict(
        pred_obj_scores=True, pred_obj_scores_mlp=True, use_multimask_token_for_obj_ptr=True
    ),
    'sam2_full': dict(
        use_high_res_features=True,
        iou_prediction_use_sigmoid=True,
        pred_obj_scores=True,
        pred_obj_scores_mlp=True,
        use_multimask_token_for_obj_ptr=True,
        dynamic_multimask_via_stability=True,
    ),
    'dynamic_stability': dict(dynamic_multimask_via_stability=True),
}


@pytest.mark.parity
@pytest.mark.parametrize('case', list(PARITY_CASES))
def test_parity(case: str) -> None:
    kwargs = PARITY_CASES[case]
    ours, meta = _pair(**kwargs)
    inputs = _inputs()
    with torch.no_grad():
        if kwargs.get('use_high_res_features'):
            inputs['high_res_features'] = _high_res(ours)
        shared_image = dict(inputs, image_embeddings=inputs['image_embeddings'][:1])
        for multimask in (True, False):
            for repeat_image, case_inputs in ((False, inputs), (True, shared_image)):
                args = dict(case_inputs, multimask_output=multimask, repeat_image=repeat_image)
                diffs = _max_diffs(ours(**args), meta(**args))
                assert max(diffs) <= TOL, (multimask, repeat_image, diffs)


@pytest.mark.parity
def test_parity_training_mode() -> None:
    ours, meta = _pair(dynamic_multimask_via_stability=True, pred_obj_scores=True)
    ours.train()
    meta.train()
    args = dict(_inputs(), multimask_output=False, repeat_image=False)
    with torch.no_grad():
        assert max(_max_diffs(ours(**args), meta(**args))) <= TOL


@pytest.mark.parity
def test_parity_dynamic_stability_branches() -> None:
    ours, meta = _pair(dynamic_multimask_via_stability=True)
    gen = torch.Generator().manual_seed(8)
    logits = torch.randn(4, 4, 8, 8, generator=gen)
    logits[0, 0] = 10.0 * logits[0, 0].sign()  # stable single mask: kept
    logits[1, 0] = 0.01 * logits[1, 0]  # unstable: best multimask output
    logits[2, 0] = -10.0  # empty single mask counts as stable
    logits[3, 0] = 0.04 * logits[3, 0].sign()  # everything between thresholds
    ious = torch.randn(4, 4, generator=gen)
    out_ours = ours._dynamic_multimask_via_stability(logits, ious)
    out_meta = meta._dynamic_multimask_via_stability(logits, ious)
    assert max(_max_diffs(out_ours, out_meta)) == 0
    best = ious[:, 1:].argmax(dim=1) + 1
    kept = [0, 2]
    assert torch.equal(out_ours[0][kept], logits[kept, :1])
    for i in (1, 3):
        assert torch.equal(out_ours[0][i, 0], logits[i, best[i]])
        assert out_ours[1][i, 0] == ious[i, best[i]]
