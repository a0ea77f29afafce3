"""Which frames of a training clip get prompts, and which prompts (Meta's SAM2Train).

A clip is prompted on its initial conditioning frames (frame 0 plus, at
random, a few others) either with the ground-truth masks or, with some
probability, with clicks: one click sampled from the mask, or a noisy box.
With clicks, some frames (the initial conditioning ones plus, at random, a
few others) later receive correction clicks sampled from the prediction's
errors. All decisions come from one numpy generator so that every rank makes
the same ones.
"""

from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np
import torch

from mmsam2.structures import PointPrompts

from .point_sampling import SAMPLING_METHODS, get_next_point, sample_box_points


@dataclass
class PromptSettings:
    """Prompt-simulation options of one mode (training or evaluation).

    Attributes:
        prob_to_use_pt_input (float): Probability of prompting with clicks
            (or a box) rather than masks.
        prob_to_use_box_input (float): Given clicks, probability that the
            initial prompt is a box.
        num_frames_to_correct (int): Frames that receive correction clicks
            (initial conditioning frames first).
        rand_frames_to_correct (bool): Draw that number uniformly from
            [num_init_cond_frames, num_frames_to_correct].
        num_init_cond_frames (int): Initial conditioning frames (frame 0 and
            random others).
        rand_init_cond_frames (bool): Draw that number uniformly from
            [1, num_init_cond_frames].
        point_sampling (str): 'uniform' or 'center' (see
            :func:`get_next_point`).
    """

    prob_to_use_pt_input: float
    prob_to_use_box_input: float
    num_frames_to_correct: int
    rand_frames_to_correct: bool
    num_init_cond_frames: int
    rand_init_cond_frames: bool
    point_sampling: str

    def __post_init__(self) -> None:
        if self.num_init_cond_frames < 1:
            raise ValueError(f'num_init_cond_frames must be >= 1, got {self.num_init_cond_frames}')
        if self.prob_to_use_pt_input > 0 and self.num_frames_to_correct < self.num_init_cond_frames:
            raise ValueError(
                f'with point inputs, num_frames_to_correct ({self.num_frames_to_correct}) must '
                f'be >= num_init_cond_frames ({self.num_init_cond_frames})'
            )
        if self.point_sampling not in SAMPLING_METHODS:
            raise ValueError(
                f'point sampling must be one of {SAMPLING_METHODS}, got {self.point_sampling!r}'
            )


@dataclass
class PromptPlan:
    """The prompts of one training clip.

    Attributes:
        init_cond_frames (List[int]): Initial conditioning frames, frame 0
            first; they are tracked first, without memory.
        frames_to_correct (List[int]): Frames that receive correction clicks.
        point_inputs (Dict[int, PointPrompts]): Initial clicks or box (B, P)
            per prompted frame.
        mask_inputs (Dict[int, torch.Tensor]): Mask prompts (B, 1, H, W) per
            prompted frame.
    """

    init_cond_frames: List[int]
    frames_to_correct: List[int]
    point_inputs: Dict[int, PointPrompts]
    mask_inputs: Dict[int, torch.Tensor]

    def processing_order(self, num_frames: int) -> List[int]:
        """Initial conditioning frames, then the others in temporal order."""
        rest = [t for t in range(num_frames) if t not in self.init_cond_frames]
        return self.init_cond_frames + rest


def _frame_counts(
    settings: PromptSettings, num_frames: int, rng: np.random.Generator
) -> Tuple[bool, int, int]:
    """Draw (use clicks, number of initial conditioning frames, frames to correct)."""
    prob_pt = settings.prob_to_use_pt_input
    num_correct, num_init = settings.num_frames_to_correct, settings.num_init_cond_frames
    if num_frames == 1:  # a single image: SAM's task, always with clicks
        prob_pt, num_correct, num_init = 1.0, 1, 1
    use_pt = bool(rng.random() < prob_pt)
    if settings.rand_init_cond_frames and num_init > 1:
        num_init = int(rng.integers(1, num_init, endpoint=True))
    if use_pt and settings.rand_frames_to_correct and num_correct > num_init:
        num_correct = int(rng.integers(num_init, num_correct, endpoint=True))
    if max(num_init, num_correct if use_pt else 0) > num_frames:
        raise ValueError(
            f'a clip of {num_frames} frames cannot have {num_init} initial conditioning '
            f'frames and {num_correct} frames to correct'
        )
    return use_pt, num_init, num_correct


def plan_prompts(
    gt_masks: torch.Tensor, settings: PromptSettings, rng: np.random.Generator
) -> PromptPlan:
    """Choose the prompted frames and their prompts for a clip.

    Args:
        gt_masks (torch.Tensor): Bool ground truth (T, B, 1, H, W).
        settings (PromptSettings): Options of the current mode.
        rng (np.random.Generator): Source of the decisions (clicks and box
            corners come from torch's generator).

    Returns:
        PromptPlan: The plan.
    """
    num_frames = gt_masks.shape[0]
    use_pt, num_init, num_correct = _frame_counts(settings, num_frames, rng)
    init_frames = [0]
    if num_init > 1:
        init_frames += rng.choice(range(1, num_frames), num_init - 1, replace=False).tolist()
    point_inputs: Dict[int, PointPrompts] = {}
    mask_inputs: Dict[int, torch.Tensor] = {}
    for t in init_frames:
        if not use_pt:
            mask_inputs[t] = gt_masks[t]
        elif rng.random() < settings.prob_to_use_box_input:
            point_inputs[t] = sample_box_points(gt_masks[t])
        else:
            point_inputs[t] = get_next_point(gt_masks[t], None, settings.point_sampling)
    frames_to_correct = list(init_frames) if use_pt else []
    if use_pt and num_correct > num_init:
        others = [t for t in range(num_frames) if t not in init_frames]
        frames_to_correct += rng.choice(others, num_correct - num_init, replace=False).tolist()
    return PromptPlan(init_frames, frames_to_correct, point_inputs, mask_inputs)
