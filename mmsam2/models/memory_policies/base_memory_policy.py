"""The interface of memory policies: what a SAM 2 tracking step reads, outputs and keeps."""

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Set

import torch

from mmsam2.structures import FrameOutput, MemoryBank, PointPrompts

from .memory_read import MemoryRead

if TYPE_CHECKING:
    from ..segmentors.sam2 import SAM2, ImageFeatures, MaskCandidates, SAMHeadOutput

PolicyState = Optional[Dict[str, torch.Tensor]]
"""Per-frame state of a policy: tensors with the B objects along dim 0 (or None)."""

# A frame index far from the start of any video, to measure how far back a policy reads.
_FAR_FRAME = 1 << 20


@dataclass
class TrackStep:
    """The inputs of one tracking step (the arguments of :meth:`SAM2.track_step`).

    Attributes:
        frame_idx (int): Index of the frame in the video.
        is_init_cond_frame (bool): A prompted frame with no memory before.
        features (ImageFeatures): Features of the frame for the B objects.
        point_inputs (PointPrompts, optional): Clicks on this frame.
        mask_inputs (torch.Tensor, optional): Mask prompt (B, 1, S, S).
        memory (MemoryBank): Outputs of other frames.
        num_frames (int, optional): Video length, None when streaming.
        track_in_reverse (bool): Tracking backwards.
        run_mem_encoder (bool): Encode the result into a memory.
        prev_sam_mask_logits (torch.Tensor, optional): Earlier low-res logits
            (B, 1, S/4, S/4) refined together with new clicks.
    """

    frame_idx: int
    is_init_cond_frame: bool
    features: 'ImageFeatures'
    point_inputs: Optional[PointPrompts]
    mask_inputs: Optional[torch.Tensor]
    memory: MemoryBank
    num_frames: Optional[int]
    track_in_reverse: bool = False
    run_mem_encoder: bool = True
    prev_sam_mask_logits: Optional[torch.Tensor] = None

    @property
    def is_prompted(self) -> bool:
        """The frame has clicks or a mask (a start or a correction)."""
        return self.point_inputs is not None or self.mask_inputs is not None

    @property
    def is_tracking(self) -> bool:
        """A frame segmented from memory alone (no prompt)."""
        return not (self.is_prompted or self.is_init_cond_frame)

    @property
    def direction(self) -> int:
        """+1 when tracking forwards, -1 backwards."""
        return -1 if self.track_in_reverse else 1


class MaskChoice(NamedTuple):
    """Which predicted mask a step outputs, and what the policy keeps of the frame.

    Attributes:
        best (torch.Tensor, optional): (B, ) index of the chosen mask among
            the candidates; None when there is a single candidate.
        state (PolicyState): The policy's state of the frame.
    """

    best: Optional[torch.Tensor]
    state: PolicyState = None


class BaseMemoryPolicy(metaclass=ABCMeta):
    """Decides which past frames a SAM 2 tracking step reads, which predicted mask
    it outputs and what it keeps of each frame.

    A policy is training-free: it uses the model's weights as they are and
    only changes how its memory is used at inference. The model holds one
    (``SAM2(memory_policy=dict(type=...))``) and delegates
    :meth:`SAM2.track_step` to :meth:`track_step`, which runs SAM 2's step
    with three hooks: :meth:`select_memory` (the memories attended to),
    :meth:`choose_masks` (the output among the candidate masks, and the
    frame's state) and :meth:`mask_output_state` (the state of a frame whose
    mask prompt is the output). A policy may also replace the whole step.

    State the policy keeps about a frame travels on that frame's output
    (``FrameOutput.policy_state``, one row per object), so objects tracked in
    one batch keep their own state. A policy's state has the same keys on
    every output it makes, or is None.

    For bounded memory, :meth:`read_frames` says which tracked frames a step
    may read; the video predictor drops outputs no step can read any more.
    """

    # ------------------------------------------------------------ memory
    @abstractmethod
    def select_memory(
        self,
        model: 'SAM2',
        frame_idx: int,
        memory: MemoryBank,
        num_frames: Optional[int],
        reverse: bool,
    ) -> List[MemoryRead]:
        """The memories a tracked (not initial) frame attends to.

        Args:
            model (SAM2): The model (its memory options).
            frame_idx (int): Frame being tracked.
            memory (MemoryBank): Outputs of other frames for the B objects;
                at least one prompted frame.
            num_frames (int, optional): Video length, None when streaming.
            reverse (bool): Tracking backwards.

        Returns:
            List[MemoryRead]: One read for the whole batch, or one per group
            of rows that read as many memories.
        """

    @abstractmethod
    def read_frames(
        self, model: 'SAM2', frame_idx: int, reverse: bool, num_frames: Optional[int]
    ) -> Set[int]:
        """Frames whose non-prompted output tracking ``frame_idx`` may read.

        Args:
            model (SAM2): The model.
            frame_idx (int): Frame being tracked.
            reverse (bool): Tracking backwards.
            num_frames (int, optional): Video length, None for a stream.

        Returns:
            Set[int]: Frame indices inside the video.
        """

    def reach(self, model: 'SAM2') -> int:
        """Largest distance in frames between a tracked frame and a memory it reads.

        Args:
            model (SAM2): The model.

        Returns:
            int: The reach (0 when the model keeps no memory of past frames).
        """
        reads = self.read_frames(model, _FAR_FRAME, False, None)
        return max((_FAR_FRAME - t for t in reads), default=0)

    # ------------------------------------------------------------ masks
    def multimask_output(self, model: 'SAM2', step: TrackStep) -> bool:
        """Whether the SAM heads predict 3 candidate masks on this frame."""
        return model.use_multimask(step.is_init_cond_frame, step.point_inputs)

    def choose_masks(
        self, model: 'SAM2', step: TrackStep, candidates: 'MaskCandidates'
    ) -> MaskChoice:
        """The output mask among the candidates (SAM 2: the highest predicted
        IoU) and the frame's state (SAM 2: none).

        Args:
            model (SAM2): The model.
            step (TrackStep): The step's inputs.
            candidates (MaskCandidates): The SAM heads' masks (B, M, ...).

        Returns:
            MaskChoice: The choice and the state.
        """
        if candidates.num_masks == 1:
            return MaskChoice(None)
        return MaskChoice(torch.argmax(candidates.ious, dim=-1))

    def mask_output_state(
        self, model: 'SAM2', step: TrackStep, heads: 'SAMHeadOutput'
    ) -> PolicyState:
        """The state of a frame whose mask prompt is used as the output.

        Args:
            model (SAM2): The model.
            step (TrackStep): The step's inputs.
            heads (SAMHeadOutput): The output made from the mask.

        Returns:
            PolicyState: SAM 2: None.
        """
        return None

    # ------------------------------------------------------------ the step
    def track_step(self, model: 'SAM2', step: TrackStep) -> FrameOutput:
        """Segment B objects on one frame (SAM 2's step with this policy's hooks).

        Args:
            model (SAM2): The model.
            step (TrackStep): The step's inputs.

        Returns:
            FrameOutput: Masks, pointer, scores, (optionally) the memory and
            the policy's state.
        """
        feat, pos = step.features.feats[-1], step.features.pos[-1]
        high_res = step.features.feats[:-1] or None
        mask_inputs = step.mask_inputs
        if mask_inputs is not None and model.use_mask_input_as_output_without_sam:
            heads = model._use_mask_as_output(feat, high_res, mask_inputs)
            state = self.mask_output_state(model, step, heads)
        else:
            conditioned = model.condition_on_memory(
                step.frame_idx,
                step.is_init_cond_frame,
                feat,
                pos,
                step.memory,
                step.num_frames,
                step.track_in_reverse,
            )
            if step.prev_sam_mask_logits is not None:
                if step.point_inputs is None or mask_inputs is not None:
                    raise ValueError('prev_sam_mask_logits go with clicks and no mask prompt')
                mask_inputs = step.prev_sam_mask_logits
            candidates = model.decode_masks(
                conditioned,
                step.point_inputs,
                mask_inputs,
                high_res,
                multimask_output=self.multimask_output(model, step),
            )
            best, state = self.choose_masks(model, step, candidates)
            heads = model.pick_masks(candidates, best)
        output = model.frame_output(
            heads, feat, step.point_inputs, mask_inputs, step.run_mem_encoder
        )
        output.policy_state = state
        return output
