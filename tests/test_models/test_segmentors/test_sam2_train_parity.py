"""SAM2Train and its loss against Meta's training code with the same random weights.

* frame 0: Meta's ``SAM2Base`` heads and ours on the same clicks, each followed by
  its own loss (Meta's ``training/loss_fns.py``, our ``SAM2MultiStepLoss``);
* whole clips: Meta's ``SAM2Train.forward`` (prompt simulation, correction
  clicks, memory) and ours from the same seeds, each followed by its loss.

Dropout is switched off in both models (their dropout layers draw in a
different order); every other random draw (prompt decisions, boxes, clicks)
is made in the same order, so both models see the same prompts.
"""

import os.path as osp
import types
from typing import Dict, List, Tuple

import numpy as np
import pytest
import torch
import torch.nn as nn
from meta_reference import build_meta_model
from meta_training_reference import build_meta_train_model, import_meta_loss_fns
from training_helpers import clip_sample, rectangle_masks

from mmsam2.apis import init_model
from mmsam2.models.segmentors import SAM2Train
from mmsam2.structures import PointPrompts
from mmsam2.utils.checkpoint import convert_meta_sam2_state_dict

CONFIG = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
META_CONFIG = 'configs/sam2.1/sam2.1_hiera_t.yaml'
IMAGE_SIZE = 256
CLIP_SIZE = 128  # whole-clip runs: smaller frames keep the test short
TOL = 1e-4
WEIGHTS = dict(loss_mask=20.0, loss_dice=1.0, loss_iou=1.0, loss_class=1.0)
# Meta's MOSE fine-tuning values, with fewer correction clicks to keep the test short.
TRAIN_OPTIONS = dict(
    prob_to_use_pt_input_for_train=0.5,
    prob_to_use_box_input_for_train=0.5,
    prob_to_sample_from_gt_for_train=0.1,
    num_frames_to_correct_for_train=2,
    rand_frames_to_correct_for_train=True,
    add_all_frames_to_correct_as_cond=True,
    num_init_cond_frames_for_train=2,
    rand_init_cond_frames_for_train=True,
    num_correction_pt_per_frame=2,
)


def _meta_loss() -> nn.Module:
    return import_meta_loss_fns().MultiStepMultiMasksAndIous(
        weight_dict=dict(WEIGHTS),
        supervise_all_iou=True,
        iou_use_l1_loss=True,
        pred_obj_scores=True,
        focal_gamma_obj_score=0.0,
        focal_alpha_obj_score=-1.0,
    )


def _no_dropout(model: nn.Module) -> None:
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
        if hasattr(module, 'dropout_p'):
            module.dropout_p = 0.0


def _compare(ours: Dict[str, torch.Tensor], meta: Dict[str, torch.Tensor]) -> float:
    """Largest relative difference of the weighted terms and the total."""
    pairs = [(ours[k], meta[k] * w) for k, w in WEIGHTS.items()]
    pairs.append((sum(ours.values()), meta['core_loss']))
    return max((a - b).abs().item() / max(1.0, b.abs().item()) for a, b in pairs)


def _gt_masks(num_frames: int, num_objects: int, size: int = IMAGE_SIZE) -> torch.Tensor:
    return rectangle_masks(num_frames, num_objects, size, absent=[(2, 1)])


@pytest.mark.parity
@torch.no_grad()
def test_first_frame_loss_matches_meta() -> None:
    torch.manual_seed(0)
    meta = build_meta_model('sam2.1', 'tiny', IMAGE_SIZE)
    ours = init_model(CONFIG, cfg_options={'model.image_size': IMAGE_SIZE})
    ours.load_state_dict(meta.state_dict())
    image = torch.randn(1, 3, IMAGE_SIZE, IMAGE_SIZE)
    gt = _gt_masks(1, 2)[0]
    clicks = PointPrompts(
        torch.tensor([[[96.0, 64.0]], [[150.0, 140.0]]]), torch.ones(2, 1, dtype=torch.int32)
    )
    meta_out = meta.forward_image(image)
    _, feats, _, sizes = meta._prepare_backbone_features(meta_out)
    top = feats[-1].permute(1, 2, 0).view(1, -1, *sizes[-1]).expand(2, -1, -1, -1)
    high = [
        f.permute(1, 2, 0).view(1, -1, *s).expand(2, -1, -1, -1)
        for f, s in zip(feats[:-1], sizes[:-1])
    ]
    points = {'point_coords': clicks.coords, 'point_labels': clicks.labels}
    _, meta_multi, meta_ious, _, _, _, meta_scores = meta._forward_sam_heads(
        top, points, None, high, multimask_output=True
    )
    features = ours.forward_image(image).expand(2)
    heads = ours.forward_sam_heads(
        features.feats[-1], clicks, None, features.feats[:-1], multimask_output=True
    )
    meta_losses = _meta_loss()(
        [
            dict(
                multistep_pred_multimasks_high_res=[meta_multi],
                multistep_pred_ious=[meta_ious],
                multistep_object_score_logits=[meta_scores],
            )
        ],
        gt[None],
    )
    our_losses = ours_criterion(ours)([[heads]], gt[None])
    diff = _compare(our_losses, meta_losses)
    print(f'frame-0 loss parity: total {meta_losses["core_loss"].item():.4f}, rel diff {diff:.1e}')
    assert diff < TOL


def ours_criterion(model: nn.Module) -> nn.Module:
    """Our loss with Meta's fine-tuning settings."""
    from mmsam2.models.losses import SAM2MultiStepLoss

    return SAM2MultiStepLoss(weight_dict=dict(WEIGHTS), pred_obj_scores=model.pred_obj_scores)


def _pair() -> Tuple[nn.Module, SAM2Train]:
    overrides = [f'++model.{k}={v}' for k, v in TRAIN_OPTIONS.items()]
    torch.manual_seed(0)
    meta = build_meta_train_model(META_CONFIG, CLIP_SIZE, overrides)
    options = {f'model.{k}': v for k, v in TRAIN_OPTIONS.items()}
    ours = init_model(
        CONFIG,
        cfg_options={'model.image_size': CLIP_SIZE, 'model.type': 'SAM2Train', **options},
    )
    ours.load_state_dict(meta.state_dict())
    for model in (meta, ours):
        model.train()
        _no_dropout(model)
    return meta, ours


def _meta_batch(clips: torch.Tensor, gt: torch.Tensor, objects: List[int]) -> types.SimpleNamespace:
    """What Meta's SAM2Train reads from a ``BatchedVideoDatapoint``."""
    num_frames = clips.shape[1]
    video_of_object = torch.repeat_interleave(torch.arange(len(objects)), torch.tensor(objects))
    frames = torch.arange(num_frames)[:, None]
    return types.SimpleNamespace(
        masks=gt,
        num_frames=num_frames,
        flat_img_batch=clips.flatten(0, 1),
        flat_obj_to_img_idx=video_of_object[None] * num_frames + frames,
    )


@pytest.mark.parity
@pytest.mark.slow
def test_training_forward_loss_and_gradients_match_meta() -> None:
    meta, ours = _pair()
    meta_loss = _meta_loss()
    objects, num_frames = [2, 1], 3
    masks = [_gt_masks(num_frames, k, CLIP_SIZE) for k in objects]
    gt = torch.cat(masks, dim=1)
    samples = [clip_sample(m) for m in masks]
    kinds, worst = set(), 0.0
    for step in range(3):
        clips = torch.randn(len(objects), num_frames, 3, CLIP_SIZE, CLIP_SIZE)
        kinds.add(_prompt_kind(meta.rng.bit_generator.state))
        for model in (meta, ours):
            model.zero_grad()
        torch.manual_seed(step)
        meta_losses = meta_loss(meta(_meta_batch(clips, gt, objects)), gt)
        meta_losses['core_loss'].backward()
        torch.manual_seed(step)
        our_losses = ours.loss(clips, samples)
        sum(our_losses.values()).backward()
        assert ours.rng.bit_generator.state == meta.rng.bit_generator.state
        worst = max(worst, _compare(our_losses, meta_losses))
    grad_diff = _gradient_difference(meta, ours)
    print(
        f'training-forward parity over 3 clips ({sorted(kinds)}): loss rel diff {worst:.1e}, '
        f'last step gradients rel diff {grad_diff:.1e}'
    )
    assert worst < TOL and grad_diff < TOL


def _gradient_difference(meta: nn.Module, ours: nn.Module) -> float:
    """Largest gradient difference, relative to the largest gradient of the model.

    (Per tensor, some gradients are zero up to rounding, e.g. those of key
    biases, which softmax ignores.)
    """
    meta_grads = convert_meta_sam2_state_dict(
        {n: p.grad for n, p in meta.named_parameters() if p.grad is not None},
        len(ours.neck.lateral_convs),
    )
    our_grads = {n: p.grad for n, p in ours.named_parameters() if p.grad is not None}
    assert set(meta_grads) == set(our_grads)
    scale = max(g.abs().max().item() for g in meta_grads.values())
    return max((our_grads[n] - g).abs().max().item() for n, g in meta_grads.items()) / scale


def _prompt_kind(rng_state: dict) -> str:
    """Whether a batch starting from this generator state is prompted with masks or clicks."""
    rng = np.random.default_rng()
    rng.bit_generator.state = rng_state
    return 'clicks' if rng.random() < TRAIN_OPTIONS['prob_to_use_pt_input_for_train'] else 'masks'
