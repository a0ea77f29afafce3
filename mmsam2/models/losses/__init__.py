"""Losses of SAM 2 training."""

from .mask_losses import dice_loss, iou_loss, sigmoid_focal_loss
from .sam2_multistep_loss import MaskPrediction, SAM2MultiStepLoss

__all__ = ['MaskPrediction', 'SAM2MultiStepLoss', 'dice_loss', 'iou_loss', 'sigmoid_focal_loss']
