"""Typed per-frame tracking state of SAM 2 (what Meta keeps in nested dicts)."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Protocol

import torch


@dataclass
class PointPrompts:
    """Clicks (and boxes as two corner clicks) for a batch of objects.

    Attributes:
        coords (torch.Tensor): (B, P, 2) float (x, y) in pixels of the model's
            input resolution (``image_size``).
        labels (torch.Tensor): (B, P) int32: 1 positive, 0 negative, 2/3 box
            top-left/bottom-right corner, -1 padding.
    """

    coords: torch.Tensor
    labels: torch.Tensor

    def __post_init__(self) -> None:
        if self.coords.dim() != 3 or self.coords.shape[-1] != 2:
            raise ValueError(f'point coords must be (B, P, 2), got {tuple(self.coords.shape)}')
        if tuple(self.labels.shape) != tuple(self.coords.shape[:2]):
            raise ValueError(
                f'point labels {tuple(self.labels.shape)} do not match '
                f'coords {tuple(self.coords.shape)}'
            )

    @property
    def num_points(self) -> int:
        """Number of points per object (P)."""
        return self.labels.shape[1]


@dataclass
class FrameOutput:
    """Outputs of one tracking step for a batch of B objects on one frame.

    Attributes:
        pred_masks (torch.Tensor): Best low-res mask logits (B, 1, H/4, W/4)
            (H, W = image_size).
        pred_masks_high_res (torch.Tensor): Best mask logits at input
            resolution (B, 1, H, W).
        obj_ptr (torch.Tensor): Object pointers (B, C).
        object_score_logits (torch.Tensor): Object presence logits (B, 1).
        multimasks (torch.Tensor): All low-res mask logits (B, M, H/4, W/4).
        multimasks_high_res (torch.Tensor): All mask logits at input resolution
            (B, M, H, W).
        ious (torch.Tensor): Predicted IoUs (B, M).
        maskmem_features (torch.Tensor, optional): Encoded memory
            (B, C_mem, H/16, W/16); None until the memory encoder ran.
        maskmem_pos_enc (List[torch.Tensor], optional): Position encodings of
            the memory, one (B, C_mem, H/16, W/16) map.
        point_inputs (PointPrompts, optional): The clicks used on this frame.
        mask_inputs (torch.Tensor, optional): The mask prompt used (B, 1, H, W).
        policy_state (Dict[str, torch.Tensor], optional): What the model's
            memory policy keeps about this frame (e.g. a motion filter's
            state or confidence flags), each tensor with the B objects along
            dim 0. None for SAM 2's default policy.
    """

    pred_masks: torch.Tensor
    pred_masks_high_res: torch.Tensor
    obj_ptr: torch.Tensor
    object_score_logits: torch.Tensor
    multimasks: torch.Tensor
    multimasks_high_res: torch.Tensor
    ious: torch.Tensor
    maskmem_features: Optional[torch.Tensor] = None
    maskmem_pos_enc: Optional[List[torch.Tensor]] = None
    point_inputs: Optional[PointPrompts] = None
    mask_inputs: Optional[torch.Tensor] = None
    policy_state: Optional[Dict[str, torch.Tensor]] = None


class MemoryEntry(Protocol):
    """What a tracking step reads of a past frame in a :class:`MemoryBank`.

    Both a full :class:`FrameOutput` (training, the model's own loops) and the
    slimmer ``TrackedOutput`` the video predictor keeps have these fields.

    Attributes:
        pred_masks (torch.Tensor): Low-res mask logits (B, 1, H/4, W/4).
        obj_ptr (torch.Tensor): Object pointers (B, C).
        object_score_logits (torch.Tensor): Object presence logits (B, 1).
        maskmem_features (torch.Tensor, optional): Encoded memory
            (B, C_mem, H/16, W/16).
        maskmem_pos_enc (List[torch.Tensor], optional): Its position encoding.
        policy_state (Dict[str, torch.Tensor], optional): The memory
            policy's per-frame state.
    """

    pred_masks: torch.Tensor
    obj_ptr: torch.Tensor
    object_score_logits: torch.Tensor
    maskmem_features: Optional[torch.Tensor]
    maskmem_pos_enc: Optional[List[torch.Tensor]]
    policy_state: Optional[Dict[str, torch.Tensor]]


@dataclass
class MemoryBank:
    """Past frame outputs a tracking step can attend to.

    Attributes:
        cond_frames (Dict[int, MemoryEntry]): Prompted (conditioning) frames.
        non_cond_frames (Dict[int, MemoryEntry]): Frames tracked without
            prompts.
    """

    cond_frames: Dict[int, MemoryEntry] = field(default_factory=dict)
    non_cond_frames: Dict[int, MemoryEntry] = field(default_factory=dict)

    def add(self, frame_idx: int, output: MemoryEntry, is_cond: bool) -> None:
        """Store ``output`` for ``frame_idx`` in the right dict (moving it if needed)."""
        target, other = (
            (self.cond_frames, self.non_cond_frames)
            if is_cond
            else (self.non_cond_frames, self.cond_frames)
        )
        other.pop(frame_idx, None)
        target[frame_idx] = output
