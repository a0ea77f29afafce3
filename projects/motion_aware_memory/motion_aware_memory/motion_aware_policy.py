"""A motion-aware memory policy in the spirit of SAMURAI (Yang et al., 2024)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import torch

from mmsam2.models.memory_policies import (
    MaskChoice,
    PolicyState,
    SelectiveMemoryPolicy,
    TrackStep,
)
from mmsam2.registry import TASK_UTILS

from .kalman_filter import BoxKalmanFilter, box_iou, masks_to_boxes, xyah_to_xyxy, xyxy_to_xyah

if TYPE_CHECKING:
    from mmsam2.models.segmentors.sam2 import SAM2, MaskCandidates, SAMHeadOutput


@dataclass
class MotionState:
    """The motion filter of B objects after a frame (stored in its policy state).

    Attributes:
        mean (torch.Tensor): Filter mean (B, 8), boxes in low-res mask pixels.
        covariance (torch.Tensor): Filter covariance (B, 8, 8).
        known (torch.Tensor): (B, ) bool, the filter was started.
        stable (torch.Tensor): (B, ) long, frames the filter has agreed with
            confident masks in a row.
        measured (torch.Tensor): (B, ) bool, the object was seen on the frame
            (so the filter holds a measured box, not only a prediction).
    """

    mean: torch.Tensor
    covariance: torch.Tensor
    known: torch.Tensor
    stable: torch.Tensor
    measured: torch.Tensor

    @classmethod
    def unknown(cls, batch: int, device: torch.device) -> 'MotionState':
        """No filter yet for any of ``batch`` objects."""
        false = torch.zeros(batch, dtype=torch.bool, device=device)
        return cls(
            torch.zeros(batch, 8, device=device),
            torch.eye(8, device=device).expand(batch, 8, 8).clone(),
            false,
            torch.zeros(batch, dtype=torch.long, device=device),
            false,
        )

    @classmethod
    def from_state(cls, state: PolicyState, device: torch.device) -> Optional['MotionState']:
        """Read the filter from a frame's policy state (None if it has none)."""
        if not state or 'kf_mean' not in state:
            return None
        return cls(
            mean=state['kf_mean'].to(device),
            covariance=state['kf_cov'].to(device),
            known=state['kf_known'].to(device),
            stable=state['kf_stable'].to(device),
            measured=state['kf_measured'].to(device),
        )

    def to_state(self) -> PolicyState:
        """The filter as policy state entries."""
        return dict(
            kf_mean=self.mean,
            kf_cov=self.covariance,
            kf_known=self.known,
            kf_stable=self.stable,
            kf_measured=self.measured,
        )


def _where(mask: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``torch.where`` with a (B, ) mask over tensors (B, ...)."""
    return torch.where(mask.view(-1, *([1] * (a.dim() - 1))), a, b)


@TASK_UTILS.register_module()
class MotionAwareMemoryPolicy(SelectiveMemoryPolicy):
    """Motion-aware mask choice and memory selection (after SAMURAI).

    Each object keeps a constant-velocity Kalman filter on its box
    (:class:`BoxKalmanFilter`), carried from frame to frame in the frames'
    policy state, so objects tracked in one batch keep their own filter.

    * **Mask choice.** On tracked frames the SAM heads always predict their
      3 candidate masks. Once the filter has agreed with
      ``stable_frames_thresh`` confident masks in a row, the output is the
      candidate maximising ``kf_score_weight * IoU(predicted box, mask box)
      + (1 - kf_score_weight) * predicted IoU``; before that, the one of
      highest predicted IoU. A mask whose predicted IoU is below
      ``stable_iou_thresh`` does not update the filter and restarts the
      count (the filter restarts from the next confident mask), as does the
      object's reappearance after frames where it was absent.
    * **Memory** (see :class:`SelectiveMemoryPolicy`). A frame is admitted
      to memory when its mask's predicted IoU exceeds ``memory_iou_thresh``,
      its object score exceeds ``memory_obj_score_thresh`` and (when the
      filter was used) its motion score, the IoU with the filter's box,
      exceeds ``memory_kf_score_thresh``. A tracked frame attends to the
      prompted frames and to the ``num_maskmem - 1`` nearest admitted frames
      within ``memory_lookback`` frames (the adjacent frame always), with
      temporal slots by rank; object pointers are SAM 2's (the last
      ``max_obj_ptrs_in_encoder - 1`` frames).
    * Prompted frames keep SAM 2's behaviour, restart the filter from the
      output mask and are always admitted.

    Boxes are measured on the low-resolution (S/4) masks. The defaults are
    SAMURAI's released settings (thresholds 0.5 / 0 / 0, 15 stable frames,
    IoU 0.3), with the motion weight 0.25 given for the paper's alpha_kf in
    issue #7 (the released configs use 0.15).

    Args:
        kf_score_weight (float): Weight of the motion score in the mask
            choice. Defaults to 0.25.
        memory_iou_thresh (float): Predicted IoU a frame needs to enter
            memory. Defaults to 0.5.
        memory_obj_score_thresh (float): Object score logit it needs.
            Defaults to 0.0.
        memory_kf_score_thresh (float): Motion score it needs (when the
            filter was used). Defaults to 0.0.
        stable_frames_thresh (int): Confident frames in a row before the
            filter takes part in the mask choice. Defaults to 15.
        stable_iou_thresh (float): Predicted IoU of a confident mask.
            Defaults to 0.3.
        memory_lookback (int): How far back (frames) admitted frames are
            searched; the video predictor keeps that many tracked outputs.
            Defaults to 64.
        std_weight_position (float): Kalman position noise per unit of box
            height. Defaults to 1 / 20.
        std_weight_velocity (float): Kalman velocity noise per unit of box
            height. Defaults to 1 / 160.
    """

    def __init__(
        self,
        kf_score_weight: float = 0.25,
        memory_iou_thresh: float = 0.5,
        memory_obj_score_thresh: float = 0.0,
        memory_kf_score_thresh: float = 0.0,
        stable_frames_thresh: int = 15,
        stable_iou_thresh: float = 0.3,
        memory_lookback: int = 64,
        std_weight_position: float = 1.0 / 20,
        std_weight_velocity: float = 1.0 / 160,
    ) -> None:
        if not 0.0 <= kf_score_weight <= 1.0:
            raise ValueError(f'kf_score_weight must be in [0, 1], got {kf_score_weight}')
        super().__init__(memory_lookback, confident_pointers=False)
        self.kf_score_weight = kf_score_weight
        self.memory_iou_thresh = memory_iou_thresh
        self.memory_obj_score_thresh = memory_obj_score_thresh
        self.memory_kf_score_thresh = memory_kf_score_thresh
        self.stable_frames_thresh = stable_frames_thresh
        self.stable_iou_thresh = stable_iou_thresh
        self.kalman = BoxKalmanFilter(std_weight_position, std_weight_velocity)

    # ------------------------------------------------------------ masks
    def multimask_output(self, model: 'SAM2', step: TrackStep) -> bool:
        """All 3 candidates on tracked frames; SAM 2's rule on prompted ones."""
        return step.is_tracking or super().multimask_output(model, step)

    def choose_masks(
        self, model: 'SAM2', step: TrackStep, candidates: 'MaskCandidates'
    ) -> MaskChoice:
        """Choose the mask with the motion filter and keep the filter and the
        memory flags in the frame's state."""
        if not step.is_tracking:
            best = super().choose_masks(model, step, candidates).best
            masks = candidates.multimasks if best is None else _rows_at(candidates.multimasks, best)
            return MaskChoice(best, self._prompt_state(masks, candidates.object_score_logits))
        return self._track_choice(step, candidates)

    def mask_output_state(
        self, model: 'SAM2', step: TrackStep, heads: 'SAMHeadOutput'
    ) -> PolicyState:
        """A mask prompt starts the filter at its box and enters memory."""
        return self._prompt_state(heads.masks, heads.object_score_logits)

    def _prompt_state(self, masks: torch.Tensor, obj_scores: torch.Tensor) -> PolicyState:
        """State of a prompted frame: the filter restarts at the mask's box.

        Args:
            masks (torch.Tensor): Output mask logits (B, 1, h, w).
            obj_scores (torch.Tensor): (B, 1) object score logits.

        Returns:
            PolicyState: The filter, and the frame admitted to memory.
        """
        boxes, empty = masks_to_boxes(masks[:, 0] > 0)
        present = ~empty & (obj_scores[:, 0] > 0)
        motion = MotionState.unknown(masks.shape[0], masks.device)
        mean, covariance = self.kalman.initiate(xyxy_to_xyah(boxes))
        motion = MotionState(
            _where(present, mean, motion.mean),
            _where(present, covariance, motion.covariance),
            present,
            present.long(),
            present,
        )
        ones = torch.ones_like(present)
        nan = torch.full_like(obj_scores[:, 0], float('nan'))
        return dict(motion.to_state(), mask_iou=torch.ones_like(nan), kf_iou=nan, admit=ones)

    def _previous_motion(self, step: TrackStep, batch: int, device: torch.device) -> MotionState:
        """The filter after the nearest earlier frame that has one."""
        for distance in range(1, self.memory_lookback + 1):
            t = step.frame_idx - step.direction * distance
            out = step.memory.non_cond_frames.get(t)
            if out is None:
                out = step.memory.cond_frames.get(t)
            if out is not None:
                motion = MotionState.from_state(out.policy_state, device)
                if motion is not None:
                    return motion
        return MotionState.unknown(batch, device)

    def _track_choice(self, step: TrackStep, candidates: 'MaskCandidates') -> MaskChoice:
        """Motion-weighted choice on a tracked frame, filter update and memory flags."""
        ious = candidates.ious
        batch, device = ious.shape[0], ious.device
        boxes, empty = masks_to_boxes(candidates.multimasks > 0)  # (B, M, 4), (B, M)
        motion = self._previous_motion(step, batch, device)
        mean, covariance = self.kalman.predict(motion.mean, motion.covariance)
        use_kf = motion.known & (motion.stable >= self.stable_frames_thresh)
        kf_ious = box_iou(xyah_to_xyxy(mean[:, None, :4]), boxes).masked_fill(empty, 0.0)
        weighted = self.kf_score_weight * kf_ious + (1 - self.kf_score_weight) * ious
        best = torch.argmax(torch.where(use_kf[:, None], weighted, ious), dim=-1)
        rows = torch.arange(batch, device=device)
        mask_iou, kf_iou = ious[rows, best], kf_ious[rows, best]
        obj_scores = candidates.object_score_logits[:, 0]
        present = (obj_scores > 0) & ~empty[rows, best]
        motion = self._next_motion(motion, mean, covariance, present, boxes[rows, best], mask_iou)
        kf_iou = torch.where(use_kf, kf_iou, float('nan'))
        admit = (
            (mask_iou > self.memory_iou_thresh)
            & (obj_scores > self.memory_obj_score_thresh)
            & (~use_kf | (kf_iou > self.memory_kf_score_thresh))
        )
        state = dict(motion.to_state(), mask_iou=mask_iou, kf_iou=kf_iou, admit=admit)
        return MaskChoice(best, state)

    def _next_motion(
        self,
        motion: MotionState,
        mean: torch.Tensor,
        covariance: torch.Tensor,
        present: torch.Tensor,
        box: torch.Tensor,
        mask_iou: torch.Tensor,
    ) -> MotionState:
        """Update the filter with the chosen mask's box.

        Args:
            motion (MotionState): The filter after the previous frame.
            mean (torch.Tensor): Its prediction for this frame (B, 8).
            covariance (torch.Tensor): Predicted covariance (B, 8, 8).
            present (torch.Tensor): (B, ) the object is seen on this frame.
            box (torch.Tensor): (B, 4) box of the chosen mask.
            mask_iou (torch.Tensor): (B, ) its predicted IoU.

        Returns:
            MotionState: The filter after this frame.
        """
        restart = present & (~motion.known | (motion.stable == 0) | ~motion.measured)
        confident = mask_iou > self.stable_iou_thresh
        update = present & ~restart & confident
        lost = present & ~restart & ~confident
        measurement = xyxy_to_xyah(box)
        start_mean, start_cov = self.kalman.initiate(measurement)
        new_mean, new_cov = self.kalman.update(mean, covariance, measurement)
        stable = torch.where(update, motion.stable + 1, motion.stable)
        stable = torch.where(lost, torch.zeros_like(stable), stable)
        return MotionState(
            _where(restart, start_mean, _where(update, new_mean, mean)),
            _where(restart, start_cov, _where(update, new_cov, covariance)),
            motion.known | restart,
            torch.where(restart, torch.ones_like(stable), stable),
            present,
        )


def _rows_at(multimasks: torch.Tensor, best: torch.Tensor) -> torch.Tensor:
    """The chosen mask of each row: (B, M, h, w) -> (B, 1, h, w)."""
    rows = torch.arange(multimasks.shape[0], device=best.device)
    return multimasks[rows, best].unsqueeze(1)
