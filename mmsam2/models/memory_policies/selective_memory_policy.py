"""Memory of confident frames only: SAM 2's memory bank with an admission test."""

from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Set

import torch

from mmsam2.registry import TASK_UTILS
from mmsam2.structures import MemoryBank

from .memory_read import MemoryRead, RowMemory, group_row_reads, pick_confident_frames
from .sam2_memory_policy import SAM2MemoryPolicy

if TYPE_CHECKING:
    from ..segmentors.sam2 import SAM2


class MemorySource(NamedTuple):
    """Where the rows of a batch find their memory of one earlier frame.

    Attributes:
        frame_idx (int): The frame.
        output (Any): Its output (``maskmem_features``, ``maskmem_pos_enc``,
            ``obj_ptr`` for some batch).
        rows (List[int]): For each row being tracked, its row in ``output``.
        admitted (torch.Tensor): (R, ) bool, the frame may be in that row's
            memory.
    """

    frame_idx: int
    output: Any
    rows: List[int]
    admitted: torch.Tensor


@TASK_UTILS.register_module()
class SelectiveMemoryPolicy(SAM2MemoryPolicy):
    """SAM 2's memory, but only frames admitted to memory are remembered.

    Whether a tracked frame may enter an object's memory is the flag
    ``admit`` (B, ) of the frame's policy state (outputs without it, such as
    prompted frames, are admitted): subclasses set it, e.g. from the
    confidence of the prediction. A tracked frame attends to the prompted
    frames (as in SAM 2) and to the ``num_maskmem - 1`` nearest admitted
    frames among the last ``memory_lookback`` frames, the adjacent frame
    always (it shows where the object is now); temporal slots go by rank,
    most recent last, as in SAMURAI and SAM2Long. With
    ``confident_pointers`` the object pointers, too, come from the nearest
    admitted frames (up to ``max_obj_ptrs_in_encoder - 1``, temporal
    distance by rank, as SAM2Long does); otherwise they are SAM 2's.

    Every object chooses its own frames; objects that attend to as many
    frames run through memory attention together.

    Args:
        memory_lookback (int): How many frames back admitted frames are
            looked for; the video predictor keeps that many tracked outputs.
            Defaults to 64.
        confident_pointers (bool): Object pointers from admitted frames
            only. Defaults to False.
    """

    def __init__(self, memory_lookback: int = 64, confident_pointers: bool = False) -> None:
        if memory_lookback < 1:
            raise ValueError(f'memory_lookback must be at least 1, got {memory_lookback}')
        self.memory_lookback = memory_lookback
        self.confident_pointers = confident_pointers

    def read_frames(
        self, model: 'SAM2', frame_idx: int, reverse: bool, num_frames: Optional[int]
    ) -> Set[int]:
        """SAM 2's frames plus every frame within ``memory_lookback``."""
        frames = super().read_frames(model, frame_idx, reverse, num_frames)
        if model.num_maskmem == 0:
            return frames
        step = 1 if reverse else -1
        frames.update(frame_idx + step * d for d in range(1, self.memory_lookback + 1))
        return {t for t in frames if t >= 0 and (num_frames is None or t < num_frames)}

    def select_memory(
        self,
        model: 'SAM2',
        frame_idx: int,
        memory: MemoryBank,
        num_frames: Optional[int],
        reverse: bool,
    ) -> List[MemoryRead]:
        """Prompted frames and each object's nearest admitted frames."""
        shared, unselected = self.shared_read(
            model,
            frame_idx,
            memory,
            num_frames,
            reverse,
            recent=False,
            recent_pointers=not self.confident_pointers,
        )
        batch = shared.spatial[0].features.shape[0]
        sources = self.frame_sources(frame_idx, memory, unselected, reverse, batch)
        return self.confident_reads(model, frame_idx, shared, sources, num_frames, reverse)

    def earlier_outputs(
        self, frame_idx: int, memory: MemoryBank, unselected: Dict[int, Any], reverse: bool
    ) -> List[tuple]:
        """``(frame, output)`` of tracked frames within the lookback, nearest first
        (prompted frames left out of attention count as tracked ones)."""
        step = -1 if reverse else 1
        found = []
        for distance in range(1, self.memory_lookback + 1):
            t = frame_idx - step * distance
            out = memory.non_cond_frames.get(t, unselected.get(t))
            if out is not None:
                found.append((t, out))
        return found

    def frame_sources(
        self,
        frame_idx: int,
        memory: MemoryBank,
        unselected: Dict[int, Any],
        reverse: bool,
        batch: int,
    ) -> List[MemorySource]:
        """Row ``b`` of each earlier frame, admitted by the frame's ``admit`` flags.

        Args:
            frame_idx (int): Frame being tracked.
            memory (MemoryBank): Outputs of other frames.
            unselected (Dict[int, Any]): Prompted frames left out of attention.
            reverse (bool): Tracking backwards.
            batch (int): Objects in the batch.

        Returns:
            List[MemorySource]: Nearest frame first.
        """
        rows = list(range(batch))
        return [
            MemorySource(t, out, rows, admitted_rows(out, batch))
            for t, out in self.earlier_outputs(frame_idx, memory, unselected, reverse)
        ]

    def confident_reads(
        self,
        model: 'SAM2',
        frame_idx: int,
        shared: MemoryRead,
        sources: List[MemorySource],
        num_frames: Optional[int],
        reverse: bool,
    ) -> List[MemoryRead]:
        """Memories of each row: the shared ones plus its nearest admitted frames.

        Args:
            model (SAM2): The model.
            frame_idx (int): Frame being tracked.
            shared (MemoryRead): Memories of every row (prompted frames).
            sources (List[MemorySource]): Earlier frames, nearest first.
            num_frames (int, optional): Video length.
            reverse (bool): Tracking backwards.

        Returns:
            List[MemoryRead]: Reads grouped by how many memories rows have.
        """
        if not sources:
            return [shared]
        num_recent = model.num_maskmem - 1
        num_pointers = 0
        if self.confident_pointers and model.use_obj_ptrs_in_encoder:
            num_pointers = model.max_obj_ptrs(num_frames) - 1
        admitted = torch.stack([source.admitted for source in sources], dim=1)
        adjacent = sources[0].frame_idx == frame_idx + (1 if reverse else -1)
        picked = pick_confident_frames(admitted, adjacent, max(num_recent, num_pointers))
        rows = []
        for row, positions in enumerate(picked):
            chosen = [(sources[p].output, sources[p].rows[row]) for p in positions]
            spatial = [(num_recent - k, out, r) for k, (out, r) in enumerate(chosen[:num_recent])]
            pointers = [(k + 1, out, r) for k, (out, r) in enumerate(chosen[:num_pointers])]
            rows.append(RowMemory(spatial=spatial[::-1], pointers=pointers))
        return group_row_reads(shared, rows)


def admitted_rows(output: Any, batch: int) -> torch.Tensor:
    """(B, ) bool ``admit`` flags of an output's policy state (all True without).

    Args:
        output (Any): A frame output.
        batch (int): Objects in its batch.

    Returns:
        torch.Tensor: The flags, on the CPU.
    """
    state = output.policy_state
    if not state or 'admit' not in state:
        return torch.ones(batch, dtype=torch.bool)
    return state['admit'].cpu()
