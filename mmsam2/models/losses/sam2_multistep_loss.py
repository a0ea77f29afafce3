"""SAM 2's training loss over frames and interactive correction steps."""

from typing import Dict, Optional, Protocol, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_reduce

from mmsam2.registry import MODELS

from .mask_losses import dice_loss, iou_loss, sigmoid_focal_loss

DEFAULT_WEIGHTS = dict(loss_mask=20.0, loss_dice=1.0, loss_iou=1.0, loss_class=1.0)


class MaskPrediction(Protocol):
    """What the loss reads from one prediction step (e.g. ``SAMHeadOutput``).

    Attributes:
        multimasks_high_res (torch.Tensor): Candidate mask logits (B, M, H, W).
        ious (torch.Tensor): Their predicted IoUs (B, M).
        object_score_logits (torch.Tensor): Object presence logits (B, 1).
    """

    multimasks_high_res: torch.Tensor
    ious: torch.Tensor
    object_score_logits: torch.Tensor


def _accumulate(totals: Dict[str, torch.Tensor], losses: Dict[str, torch.Tensor]) -> None:
    """Add ``losses`` into ``totals`` key by key (in place)."""
    for key, value in losses.items():
        totals[key] = totals[key] + value if key in totals else value


@MODELS.register_module()
class SAM2MultiStepLoss(nn.Module):
    """Focal, dice, IoU and object-score losses of SAM 2, summed over steps.

    Each frame has one prediction step per prompt round (the first prompt
    plus every correction click). On each step, the focal and dice losses
    are computed for every candidate mask and only the candidate with the
    lowest weighted focal + dice is back-propagated; the IoU loss is taken on
    that candidate or averaged over all (``supervise_all_iou``). Mask, dice
    and IoU losses count only for objects present in the frame; the object
    score is supervised with a focal loss (plain BCE by default) on
    presence. Losses are summed over steps and frames and divided by the
    number of objects in the batch (averaged over ranks), as in Meta's
    ``MultiStepMultiMasksAndIous``. Defaults are the values of Meta's SAM 2.1
    training configs.

    Args:
        weight_dict (dict, optional): Weights of ``loss_mask`` (focal),
            ``loss_dice``, ``loss_iou`` and ``loss_class`` (object score); a
            missing ``loss_class`` is 0. Defaults to None (20, 1, 1, 1).
        focal_alpha (float): Focal alpha of the mask loss. Defaults to 0.25.
        focal_gamma (float): Focal gamma of the mask loss. Defaults to 2.0.
        supervise_all_iou (bool): IoU loss on every candidate instead of the
            best one. Defaults to True.
        iou_use_l1_loss (bool): L1 instead of squared error on IoUs.
            Defaults to True.
        pred_obj_scores (bool): Supervise object scores and gate the mask
            losses by presence; otherwise every object counts as present.
            Defaults to True.
        focal_gamma_obj_score (float): Focal gamma of the object-score loss
            (0: BCE). Defaults to 0.0.
        focal_alpha_obj_score (float): Focal alpha of the object-score loss
            (negative: no weighting). Defaults to -1.0.
    """

    def __init__(
        self,
        weight_dict: Optional[Dict[str, float]] = None,
        focal_alpha: float = 0.25,
        focal_gamma: float = 2.0,
        supervise_all_iou: bool = True,
        iou_use_l1_loss: bool = True,
        pred_obj_scores: bool = True,
        focal_gamma_obj_score: float = 0.0,
        focal_alpha_obj_score: float = -1.0,
    ) -> None:
        super().__init__()
        weights = dict(DEFAULT_WEIGHTS) if weight_dict is None else dict(weight_dict)
        missing = {'loss_mask', 'loss_dice', 'loss_iou'} - set(weights)
        unknown = set(weights) - set(DEFAULT_WEIGHTS)
        if missing or unknown:
            raise ValueError(
                f'weight_dict needs loss_mask, loss_dice, loss_iou (and optionally '
                f'loss_class); missing {sorted(missing)}, unknown {sorted(unknown)}'
            )
        weights.setdefault('loss_class', 0.0)
        self.weight_dict = weights
        self.focal_alpha = focal_alpha
        self.focal_gamma = focal_gamma
        self.supervise_all_iou = supervise_all_iou
        self.iou_use_l1_loss = iou_use_l1_loss
        self.pred_obj_scores = pred_obj_scores
        self.focal_gamma_obj_score = focal_gamma_obj_score
        self.focal_alpha_obj_score = focal_alpha_obj_score

    def forward(
        self, predictions: Sequence[Sequence[MaskPrediction]], gt_masks: torch.Tensor
    ) -> Dict[str, torch.Tensor]:
        """Compute the weighted losses of a batch of clips.

        Args:
            predictions (Sequence[Sequence[MaskPrediction]]): Per frame, the
                prediction steps of the B objects.
            gt_masks (torch.Tensor): Targets (T, B, H, W), bool or {0, 1}.

        Returns:
            Dict[str, torch.Tensor]: Weighted scalar ``loss_mask``,
            ``loss_dice``, ``loss_iou`` and ``loss_class``; their sum is the
            training loss.
        """
        if len(predictions) != gt_masks.shape[0]:
            raise ValueError(
                f'{len(predictions)} frames of predictions for {gt_masks.shape[0]} frames '
                'of targets'
            )
        num_objects = self._num_objects(gt_masks)
        totals: Dict[str, torch.Tensor] = {}
        for steps, target in zip(predictions, gt_masks):
            _accumulate(totals, self._frame_losses(steps, target.unsqueeze(1).float(), num_objects))
        return {key: value * self.weight_dict[key] for key, value in totals.items()}

    @staticmethod
    def _num_objects(gt_masks: torch.Tensor) -> float:
        """Objects per batch, averaged over ranks, at least 1."""
        count = torch.tensor(float(gt_masks.shape[1]), device=gt_masks.device)
        all_reduce(count, op='mean')
        return max(count.item(), 1.0)

    def _frame_losses(
        self, steps: Sequence[MaskPrediction], target: torch.Tensor, num_objects: float
    ) -> Dict[str, torch.Tensor]:
        """Unweighted losses of one frame, summed over its steps."""
        totals: Dict[str, torch.Tensor] = {}
        for step in steps:
            _accumulate(totals, self._step_losses(step, target, num_objects))
        return totals

    def _object_presence(
        self, step: MaskPrediction, target: torch.Tensor, num_objects: float
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Presence (B, 1) of each object and the object-score loss."""
        if not self.pred_obj_scores:
            return target.new_ones(target.shape[0], 1), target.new_zeros(())
        present = (target[:, 0] > 0).flatten(1).any(dim=-1, keepdim=True).float()
        loss_class = sigmoid_focal_loss(
            step.object_score_logits,
            present,
            num_objects,
            alpha=self.focal_alpha_obj_score,
            gamma=self.focal_gamma_obj_score,
        )
        return present, loss_class

    def _step_losses(
        self, step: MaskPrediction, target: torch.Tensor, num_objects: float
    ) -> Dict[str, torch.Tensor]:
        """Unweighted losses of one prediction step against targets (B, 1, H, W)."""
        masks = step.multimasks_high_res
        target = target.expand_as(masks)
        focal = sigmoid_focal_loss(
            masks, target, num_objects, self.focal_alpha, self.focal_gamma, True
        )
        dice = dice_loss(masks, target, num_objects, loss_on_multimask=True)
        iou = iou_loss(masks, target, step.ious, num_objects, True, self.iou_use_l1_loss)
        if masks.shape[1] > 1:
            combo = focal * self.weight_dict['loss_mask'] + dice * self.weight_dict['loss_dice']
            best = combo.argmin(dim=-1, keepdim=True)
            focal, dice = focal.gather(1, best), dice.gather(1, best)
            iou = iou.mean(dim=-1, keepdim=True) if self.supervise_all_iou else iou.gather(1, best)
        present, loss_class = self._object_presence(step, target, num_objects)
        return dict(
            loss_mask=(focal * present).sum(),
            loss_dice=(dice * present).sum(),
            loss_iou=(iou * present).sum(),
            loss_class=loss_class,
        )
