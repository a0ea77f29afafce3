"""What one tracking step reads from memory: typed entries, and their batching by row."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch

TimeIndex = Union[int, torch.Tensor]
"""A temporal index shared by the rows of a batch (int) or one per row ((R,) long)."""


def _rows(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Rows ``index`` (R, ) of ``x`` (a batch of one is shared by every row: a view)."""
    if x.shape[0] == 1:
        return x.expand(len(index), *x.shape[1:])
    return x[index.to(x.device)]


def _take_time(t: TimeIndex, index: torch.Tensor) -> TimeIndex:
    """The temporal indices of rows ``index`` (an int stays an int)."""
    return t if isinstance(t, int) else t[index.to(t.device)]


@dataclass
class SpatialMemory:
    """The encoded memory of one frame, as attended to by the rows of a batch.

    Attributes:
        features (torch.Tensor): Memory features (R, C_mem, H, W).
        pos_enc (torch.Tensor): Their position encoding (R or 1, C_mem, H, W).
        t_pos (int | torch.Tensor): Temporal slot: 0 for prompted frames,
            1 (oldest) to ``num_maskmem - 1`` (most recent) for the others;
            an int or one per row (R, ).
    """

    features: torch.Tensor
    pos_enc: torch.Tensor
    t_pos: TimeIndex

    @classmethod
    def of(cls, output: Any, t_pos: TimeIndex) -> 'SpatialMemory':
        """The memory of a frame output (anything with ``maskmem_features`` and
        ``maskmem_pos_enc``, e.g. a ``FrameOutput``)."""
        return cls(output.maskmem_features, output.maskmem_pos_enc[-1], t_pos)

    def select_rows(self, index: torch.Tensor) -> 'SpatialMemory':
        """The memory of rows ``index`` (R', ) only."""
        return SpatialMemory(
            _rows(self.features, index), _rows(self.pos_enc, index), _take_time(self.t_pos, index)
        )


@dataclass
class PointerMemory:
    """The object pointer of one frame, as attended to by the rows of a batch.

    Attributes:
        ptr (torch.Tensor): Object pointers (R, C).
        t_diff (int | torch.Tensor): Temporal distance encoded with it
            (signed for prompted frames when the model says so); an int or
            one per row (R, ).
    """

    ptr: torch.Tensor
    t_diff: TimeIndex

    def select_rows(self, index: torch.Tensor) -> 'PointerMemory':
        """The pointer of rows ``index`` (R', ) only."""
        return PointerMemory(_rows(self.ptr, index), _take_time(self.t_diff, index))


@dataclass
class MemoryRead:
    """The memories some rows of a batch attend to in one tracking step.

    All rows of a read attend to the same number of frames and pointers, so
    they run through memory attention as one batch.

    Attributes:
        spatial (List[SpatialMemory]): Frame memories, prompted frames first.
        pointers (List[PointerMemory]): Object pointers, prompted frames
            first. Empty when the model uses none.
        rows (torch.Tensor, optional): The batch rows (R, ) this read is for;
            None for every row of the batch, in order.
    """

    spatial: List[SpatialMemory]
    pointers: List[PointerMemory] = field(default_factory=list)
    rows: Optional[torch.Tensor] = None

    def select_rows(self, index: torch.Tensor) -> 'MemoryRead':
        """The memories of rows ``index`` (R', ) of a whole-batch read (rows may
        repeat), as a read of R' rows."""
        return MemoryRead(
            [memory.select_rows(index) for memory in self.spatial],
            [pointer.select_rows(index) for pointer in self.pointers],
        )


@dataclass
class RowMemory:
    """The frames one batch row attends to besides the shared ones.

    Each entry is ``(t, output, row)``: the temporal index (``t_pos`` for
    frames, ``t_diff`` for pointers), an output holding ``maskmem_features``,
    ``maskmem_pos_enc`` and ``obj_ptr`` for a batch, and the row of that
    batch to read.

    Attributes:
        spatial (List[Tuple[int, Any, int]]): Frame memories, oldest first.
        pointers (List[Tuple[int, Any, int]]): Object pointers, nearest first.
    """

    spatial: List[Tuple[int, Any, int]] = field(default_factory=list)
    pointers: List[Tuple[int, Any, int]] = field(default_factory=list)


def _stack_rows(entries: Sequence[Tuple[int, Any, int]], get: Callable[[Any], torch.Tensor]):
    """Stack ``get(output)[row]`` of several ``(t, output, row)`` entries: (R, ...)."""
    outputs = [out for _, out, _ in entries]
    rows = [row for _, _, row in entries]
    if all(out is outputs[0] for out in outputs):
        source = get(outputs[0])
        return source[torch.tensor(rows, device=source.device)]
    return torch.stack([get(out)[row] for out, row in zip(outputs, rows)])


def _time_index(entries: Sequence[Tuple[int, Any, int]]) -> TimeIndex:
    """The temporal indices of entries: an int when all are equal, else (R, )."""
    times = [t for t, _, _ in entries]
    return times[0] if all(t == times[0] for t in times) else torch.tensor(times)


def _memory_features(output: Any) -> torch.Tensor:
    return output.maskmem_features


def _memory_pos_enc(output: Any) -> torch.Tensor:
    return output.maskmem_pos_enc[-1].expand(output.maskmem_features.shape[0], -1, -1, -1)


def _obj_ptr(output: Any) -> torch.Tensor:
    return output.obj_ptr


def group_row_reads(shared: MemoryRead, rows: Sequence[RowMemory]) -> List[MemoryRead]:
    """Batch rows that attend to as many frames and pointers as each other.

    Args:
        shared (MemoryRead): Memories every row reads (e.g. the prompted
            frames), for the whole batch, placed first.
        rows (Sequence[RowMemory]): The other memories of each of the R rows.

    Returns:
        List[MemoryRead]: One read per group of rows; a single read with
        ``rows=None`` when every row reads as many memories.
    """
    groups: Dict[Tuple[int, int], List[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        groups[(len(row.spatial), len(row.pointers))].append(index)
    reads = []
    for (num_spatial, num_pointers), members in groups.items():
        index = torch.tensor(members)
        read = shared.select_rows(index)
        spatial, pointers = read.spatial, read.pointers
        for slot in range(num_spatial):
            entries = [rows[i].spatial[slot] for i in members]
            spatial.append(
                SpatialMemory(
                    _stack_rows(entries, _memory_features),
                    _stack_rows(entries, _memory_pos_enc),
                    _time_index(entries),
                )
            )
        for slot in range(num_pointers):
            entries = [rows[i].pointers[slot] for i in members]
            pointers.append(PointerMemory(_stack_rows(entries, _obj_ptr), _time_index(entries)))
        reads.append(MemoryRead(spatial, pointers, None if len(groups) == 1 else index))
    return reads


def pick_confident_frames(
    confident: torch.Tensor, adjacent: bool, max_frames: int
) -> List[List[int]]:
    """Per row, the nearest confident candidate frames, plus the adjacent one.

    The rule of SAMURAI and SAM2Long: scanning back from the frame being
    tracked, keep frames whose prediction was confident; the frame right next
    to the tracked one is kept in any case (it shows where the object is
    now). At most ``max_frames`` frames are kept, the nearest.

    Args:
        confident (torch.Tensor): (R, F) bool, for F candidate frames
            ordered nearest first.
        adjacent (bool): Candidate 0 is the frame right next to the tracked
            one.
        max_frames (int): Most frames kept per row.

    Returns:
        List[List[int]]: Per row, positions into the candidates, nearest
        first.
    """
    picked = []
    for flags in confident.tolist():
        positions = [i for i, ok in enumerate(flags) if ok or (adjacent and i == 0)]
        picked.append(positions[:max_frames])
    return picked
