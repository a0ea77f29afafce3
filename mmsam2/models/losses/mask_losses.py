"""Per-mask loss terms of SAM 2 training: focal, dice and IoU-prediction losses.

Every term is divided by ``num_objects`` (the number of objects in the batch,
averaged over ranks) rather than averaged over the masks, as in Meta's training
code. With ``loss_on_multimask=True`` the inputs are (N, M, H, W) (M candidate
masks per object) and the loss is returned per candidate, shape (N, M), so
that the caller can pick the best one.
"""

import torch
import torch.nn.functional as F


def sigmoid_focal_loss(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    num_objects: float,
    alpha: float = 0.25,
    gamma: float = 2.0,
    loss_on_multimask: bool = False,
) -> torch.Tensor:
    """Focal loss of RetinaNet (https://arxiv.org/abs/1708.02002) on logits.

    Args:
        inputs (torch.Tensor): Logits (N, ...), or (N, M, H, W) with
            ``loss_on_multimask``.
        targets (torch.Tensor): Binary targets (float), same shape.
        num_objects (float): Normaliser.
        alpha (float): Weight of positives (negatives get 1 - alpha); a
            negative value disables the weighting. Defaults to 0.25.
        gamma (float): Focusing exponent on (1 - p_t). Defaults to 2.0.
        loss_on_multimask (bool): Return one loss per candidate mask.
            Defaults to False.

    Returns:
        torch.Tensor: Scalar: sum over objects of the mean loss over the
        remaining dims, over ``num_objects``; (N, M) with
        ``loss_on_multimask`` (mean over pixels).
    """
    prob = inputs.sigmoid()
    bce = F.binary_cross_entropy_with_logits(inputs, targets, reduction='none')
    p_t = prob * targets + (1 - prob) * (1 - targets)
    loss = bce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))
    if loss_on_multimask:
        if loss.dim() != 4:
            raise ValueError(f'multimask inputs must be (N, M, H, W), got {tuple(loss.shape)}')
        return loss.flatten(2).mean(-1) / num_objects
    return loss.mean(1).sum() / num_objects


def dice_loss(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    num_objects: float,
    loss_on_multimask: bool = False,
) -> torch.Tensor:
    """Dice loss (1 - soft dice, with +1 smoothing) on logits.

    Args:
        inputs (torch.Tensor): Logits (N, ...), or (N, M, H, W) with
            ``loss_on_multimask``.
        targets (torch.Tensor): Binary targets (float), flattened like
            ``inputs``: (N, ...) or (N, M, H, W).
        num_objects (float): Normaliser.
        loss_on_multimask (bool): Return one loss per candidate mask.
            Defaults to False.

    Returns:
        torch.Tensor: Scalar sum over objects over ``num_objects``, or (N, M)
        with ``loss_on_multimask``.
    """
    prob = inputs.sigmoid()
    if loss_on_multimask:
        if prob.dim() != 4 or targets.dim() != 4:
            raise ValueError('multimask dice needs (N, M, H, W) inputs and targets')
        prob, targets = prob.flatten(2), targets.flatten(2)
    else:
        prob, targets = prob.flatten(1), targets.flatten(1)
    overlap = 2 * (prob * targets).sum(-1)
    total = prob.sum(-1) + targets.sum(-1)
    loss = 1 - (overlap + 1) / (total + 1)
    return loss / num_objects if loss_on_multimask else loss.sum() / num_objects


def iou_loss(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    pred_ious: torch.Tensor,
    num_objects: float,
    loss_on_multimask: bool = False,
    use_l1_loss: bool = False,
) -> torch.Tensor:
    """Error of the predicted IoUs against the IoUs of the thresholded masks.

    Args:
        inputs (torch.Tensor): Mask logits (N, M, H, W).
        targets (torch.Tensor): Binary targets (N, M, H, W).
        pred_ious (torch.Tensor): Predicted IoUs (N, M).
        num_objects (float): Normaliser.
        loss_on_multimask (bool): Return one loss per candidate mask.
            Defaults to False.
        use_l1_loss (bool): L1 instead of squared error. Defaults to False.

    Returns:
        torch.Tensor: Scalar sum over ``num_objects``, or (N, M) with
        ``loss_on_multimask``.
    """
    if inputs.dim() != 4 or targets.dim() != 4:
        raise ValueError('iou_loss needs (N, M, H, W) masks and targets')
    pred, gt = inputs.flatten(2) > 0, targets.flatten(2) > 0
    intersection = (pred & gt).sum(-1).float()
    union = (pred | gt).sum(-1).float()
    actual_ious = intersection / union.clamp(min=1.0)
    error = F.l1_loss if use_l1_loss else F.mse_loss
    loss = error(pred_ious, actual_ious, reduction='none')
    return loss / num_objects if loss_on_multimask else loss.sum() / num_objects
