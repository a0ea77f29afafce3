"""Typed state of a video inference session (what Meta keeps in one nested dict)."""

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import torch

from mmsam2.fileio.frame_sources import FrameSource
from mmsam2.structures import PointPrompts

from .video_features import FrameFeatureCache


@dataclass
class TrackedOutput:
    """What is kept of one frame's tracking output for B objects.

    It has the attributes :meth:`SAM2.track_step` reads from a
    :class:`~mmsam2.structures.MemoryBank` entry (``maskmem_features``,
    ``maskmem_pos_enc``, ``obj_ptr``), so kept outputs serve as memory.

    Attributes:
        pred_masks (torch.Tensor): Low-res mask logits (B, 1, S/4, S/4)
            after hole filling, on the storage device.
        obj_ptr (torch.Tensor): Object pointers (B, C) on the compute device.
        object_score_logits (torch.Tensor): Object presence logits (B, 1).
        maskmem_features (torch.Tensor, optional): Memory (B, C_mem, S/16,
            S/16) in the predictor's memory dtype on the storage device; None
            until the memory encoder ran (outputs of prompts before
            propagation).
        maskmem_pos_enc (List[torch.Tensor], optional): Its position encoding
            (1, C_mem, S/16, S/16), one constant shared by all frames and
            objects.
        policy_state (Dict[str, torch.Tensor], optional): The memory policy's
            state of the frame (tensors with the objects along dim 0) on the
            storage device; None for SAM 2's default policy.
    """

    pred_masks: torch.Tensor
    obj_ptr: torch.Tensor
    object_score_logits: torch.Tensor
    maskmem_features: Optional[torch.Tensor] = None
    maskmem_pos_enc: Optional[List[torch.Tensor]] = None
    policy_state: Optional[Dict[str, torch.Tensor]] = None

    def select(self, index: int) -> 'TrackedOutput':
        """The output of object ``index`` of the batch (views, no copy)."""
        sl = slice(index, index + 1)
        return TrackedOutput(
            pred_masks=self.pred_masks[sl],
            obj_ptr=self.obj_ptr[sl],
            object_score_logits=self.object_score_logits[sl],
            maskmem_features=None if self.maskmem_features is None else self.maskmem_features[sl],
            maskmem_pos_enc=self.maskmem_pos_enc,
            policy_state=map_policy_state(self.policy_state, lambda x: x[sl]),
        )

    @staticmethod
    def batch(
        outputs: Sequence['TrackedOutput'], device: torch.device, dtype: torch.dtype
    ) -> 'TrackedOutput':
        """Stack single-object outputs of one frame into a memory entry.

        Args:
            outputs (Sequence[TrackedOutput]): B outputs (batch 1 each) with
                their memory encoded.
            device (torch.device): Compute device.
            dtype (torch.dtype): Dtype the model computes the memory in.

        Returns:
            TrackedOutput: Batch of B, memory features on ``device`` in
            ``dtype``.
        """

        def stacked(name: str, dtype: Optional[torch.dtype] = None) -> torch.Tensor:
            # moved to the device one by one: never read offloaded copies on the CPU
            parts = [getattr(o, name).to(device, dtype, non_blocking=True) for o in outputs]
            return torch.cat(parts)

        size = len(outputs)
        return TrackedOutput(
            pred_masks=stacked('pred_masks'),
            obj_ptr=stacked('obj_ptr'),
            object_score_logits=stacked('object_score_logits'),
            maskmem_features=stacked('maskmem_features', dtype),
            maskmem_pos_enc=[
                p[:1].to(device).expand(size, -1, -1, -1) for p in outputs[0].maskmem_pos_enc
            ],
            policy_state=_stack_states([o.policy_state for o in outputs], device),
        )


def map_policy_state(
    state: Optional[Dict[str, torch.Tensor]], fn: Callable[[torch.Tensor], torch.Tensor]
) -> Optional[Dict[str, torch.Tensor]]:
    """Apply ``fn`` to every tensor of a policy state (None stays None)."""
    return None if state is None else {key: fn(value) for key, value in state.items()}


def _stack_states(
    states: Sequence[Optional[Dict[str, torch.Tensor]]], device: torch.device
) -> Optional[Dict[str, torch.Tensor]]:
    """Concatenate the policy states of single-object outputs along dim 0."""
    if states[0] is None:
        return None
    return {
        key: torch.cat([s[key].to(device, non_blocking=True) for s in states]) for key in states[0]
    }


@dataclass
class OutputBank:
    """Outputs of one object, by frame (Meta's ``output_dict`` of an object).

    Attributes:
        cond (Dict[int, TrackedOutput]): Conditioning (prompted) frames.
        non_cond (Dict[int, TrackedOutput]): Other frames.
    """

    cond: Dict[int, TrackedOutput] = field(default_factory=dict)
    non_cond: Dict[int, TrackedOutput] = field(default_factory=dict)

    def of(self, is_cond: bool) -> Dict[int, TrackedOutput]:
        """The conditioning or the non-conditioning dict."""
        return self.cond if is_cond else self.non_cond

    def find(self, frame_idx: int) -> Optional[TrackedOutput]:
        """Output of a frame, conditioning first; None if there is none."""
        out = self.cond.get(frame_idx)
        return self.non_cond.get(frame_idx) if out is None else out


@dataclass
class ObjectTrack:
    """Prompts and outputs of one object.

    Attributes:
        obj_id (int): The client-side object id.
        point_inputs (Dict[int, PointPrompts]): Clicks by frame (model input
            coordinates).
        mask_inputs (Dict[int, torch.Tensor]): Mask prompts (1, 1, S, S) by
            frame.
        outputs (OutputBank): Outputs used as memory when tracking.
        temp_outputs (OutputBank): Outputs of prompts given since the last
            propagation (their memory is encoded when propagation starts).
        frames_tracked (Dict[int, bool]): Frames tracked so far and whether
            in reverse (a prompt there is a correction, not a new start).
    """

    obj_id: int
    point_inputs: Dict[int, PointPrompts] = field(default_factory=dict)
    mask_inputs: Dict[int, torch.Tensor] = field(default_factory=dict)
    outputs: OutputBank = field(default_factory=OutputBank)
    temp_outputs: OutputBank = field(default_factory=OutputBank)
    frames_tracked: Dict[int, bool] = field(default_factory=dict)

    @property
    def prompted_frames(self) -> List[int]:
        """Frames holding clicks or a mask of this object, sorted."""
        return sorted(set(self.point_inputs) | set(self.mask_inputs))


@dataclass
class VideoInferenceState:
    """Everything a video inference session holds.

    Attributes:
        frames (FrameSource): The video, decoded on demand.
        features (FrameFeatureCache): Image features of recent frames.
        num_frames (int, optional): Video length; None for a stream.
        video_height (int): Frame height (output masks have this size).
        video_width (int): Frame width.
        device (torch.device): Compute device.
        storage_device (torch.device): Where memory features and masks of
            tracked frames are kept (the CPU with ``offload_state_to_cpu``).
        offload_video_to_cpu (bool): Image features are cached on the CPU.
        offload_state_to_cpu (bool): Outputs are kept on the CPU.
        objects (Dict[int, ObjectTrack]): Objects by id, in the order they
            were added (the order of output masks).
        maskmem_pos_enc (List[torch.Tensor], optional): The memory position
            encoding (1, C_mem, S/16, S/16), the same for every frame.
    """

    frames: FrameSource
    features: FrameFeatureCache
    num_frames: Optional[int]
    video_height: int
    video_width: int
    device: torch.device
    storage_device: torch.device
    offload_video_to_cpu: bool = False
    offload_state_to_cpu: bool = False
    objects: Dict[int, ObjectTrack] = field(default_factory=dict)
    maskmem_pos_enc: Optional[List[torch.Tensor]] = None

    @property
    def obj_ids(self) -> List[int]:
        """Object ids in output order."""
        return list(self.objects)
