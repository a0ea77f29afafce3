"""SAM 2's own memory policy: prompted frames plus the most recent frames."""

from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from mmsam2.registry import TASK_UTILS
from mmsam2.structures import FrameOutput, MemoryBank

from ..utils.memory_selection import recent_memory_frame_indices, select_closest_cond_frames
from .base_memory_policy import BaseMemoryPolicy
from .memory_read import MemoryRead, PointerMemory, SpatialMemory

if TYPE_CHECKING:
    from ..segmentors.sam2 import SAM2


@TASK_UTILS.register_module()
class SAM2MemoryPolicy(BaseMemoryPolicy):
    """What Meta's SAM 2 does: every tracked frame enters the memory bank.

    A tracked frame attends to the memories of the prompted frames (at most
    ``max_cond_frames_in_attn``, nearest in time) and of the last
    ``num_maskmem - 1`` frames (every ``memory_temporal_stride_for_eval``-th
    in eval, the adjacent one always), and to the object pointers of the
    prompted frames and of the last ``max_obj_ptrs_in_encoder - 1`` frames.
    The output is the candidate mask with the highest predicted IoU. The
    model's options say how many frames; the policy has no options of its
    own.

    With this policy :class:`SAM2` gives exactly Meta's results.
    """

    def select_memory(
        self,
        model: 'SAM2',
        frame_idx: int,
        memory: MemoryBank,
        num_frames: Optional[int],
        reverse: bool,
    ) -> List[MemoryRead]:
        """Prompted and recent frames, the same for every object (one read)."""
        return [self.shared_read(model, frame_idx, memory, num_frames, reverse)[0]]

    def shared_read(
        self,
        model: 'SAM2',
        frame_idx: int,
        memory: MemoryBank,
        num_frames: Optional[int],
        reverse: bool,
        recent: bool = True,
        recent_pointers: bool = True,
    ) -> Tuple[MemoryRead, Dict[int, FrameOutput]]:
        """SAM 2's memories of a step, optionally without the recent frames.

        Args:
            model (SAM2): The model.
            frame_idx (int): Frame being tracked.
            memory (MemoryBank): Outputs of other frames.
            num_frames (int, optional): Video length.
            reverse (bool): Tracking backwards.
            recent (bool): Include the recent frames' memories. Defaults to
                True.
            recent_pointers (bool): Include the recent frames' pointers.
                Defaults to True.

        Returns:
            Tuple[MemoryRead, Dict[int, FrameOutput]]: The read for the whole
            batch, and the prompted frames left out of attention (they count
            as tracked frames).
        """
        selected, unselected = select_closest_cond_frames(
            frame_idx, memory.cond_frames, model.max_cond_frames_in_attn
        )
        spatial = [SpatialMemory.of(out, 0) for out in selected.values()]
        if recent:
            spatial += self._recent_memories(model, frame_idx, memory, unselected, reverse)
        pointers = []
        if model.use_obj_ptrs_in_encoder:
            pointers = self.cond_pointers(model, frame_idx, selected, reverse)
            if recent_pointers:
                pointers += self._recent_pointers(
                    model, frame_idx, memory, unselected, num_frames, reverse
                )
        return MemoryRead(spatial, pointers), unselected

    @staticmethod
    def _recent_memories(
        model: 'SAM2',
        frame_idx: int,
        memory: MemoryBank,
        unselected: Dict[int, FrameOutput],
        reverse: bool,
    ) -> List[SpatialMemory]:
        """Memories of the last ``num_maskmem - 1`` frames (oldest first)."""
        stride = 1 if model.training else model.memory_temporal_stride_for_eval
        memories = []
        for t_pos, idx in recent_memory_frame_indices(
            frame_idx, model.num_maskmem, stride, reverse
        ):
            out = memory.non_cond_frames.get(idx)
            if out is None:
                out = unselected.get(idx)
            if out is not None:
                memories.append(SpatialMemory.of(out, t_pos))
        return memories

    @staticmethod
    def cond_pointers(
        model: 'SAM2', frame_idx: int, selected: Dict[int, FrameOutput], reverse: bool
    ) -> List[PointerMemory]:
        """Object pointers of the selected prompted frames (only past ones in eval
        with ``only_obj_ptrs_in_the_past_for_eval``).

        Args:
            model (SAM2): The model.
            frame_idx (int): Frame being tracked.
            selected (Dict[int, FrameOutput]): Selected prompted frames.
            reverse (bool): Tracking backwards.

        Returns:
            List[PointerMemory]: Their pointers with the temporal distance.
        """
        if not model.training and model.only_obj_ptrs_in_the_past_for_eval:
            selected = {
                t: o for t, o in selected.items() if (t >= frame_idx if reverse else t <= frame_idx)
            }
        sign = -1 if reverse else 1
        return [
            PointerMemory(
                out.obj_ptr,
                (frame_idx - t) * sign
                if model.use_signed_tpos_enc_to_obj_ptrs
                else abs(frame_idx - t),
            )
            for t, out in selected.items()
        ]

    @staticmethod
    def _recent_pointers(
        model: 'SAM2',
        frame_idx: int,
        memory: MemoryBank,
        unselected: Dict[int, FrameOutput],
        num_frames: Optional[int],
        reverse: bool,
    ) -> List[PointerMemory]:
        """Object pointers of the last ``max_obj_ptrs_in_encoder - 1`` frames."""
        pointers = []
        for t_diff in range(1, model.max_obj_ptrs(num_frames)):
            t = frame_idx + t_diff if reverse else frame_idx - t_diff
            if t < 0 or (num_frames is not None and t >= num_frames):
                break
            out = memory.non_cond_frames.get(t, unselected.get(t))
            if out is not None:
                pointers.append(PointerMemory(out.obj_ptr, t_diff))
        return pointers

    def read_frames(
        self, model: 'SAM2', frame_idx: int, reverse: bool, num_frames: Optional[int]
    ) -> Set[int]:
        """The recent memory frames and the frames of the recent pointers."""
        if model.num_maskmem == 0:
            return set()
        stride = model.memory_temporal_stride_for_eval
        recent = recent_memory_frame_indices(frame_idx, model.num_maskmem, stride, reverse)
        frames = {idx for _, idx in recent}
        if model.use_obj_ptrs_in_encoder:
            step = 1 if reverse else -1
            frames.update(frame_idx + step * d for d in range(1, model.max_obj_ptrs_in_encoder))
        return {t for t in frames if t >= 0 and (num_frames is None or t < num_frames)}
