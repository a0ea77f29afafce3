"""Memory pathways of SAM2Long-style tracking: their state, lineage and selection."""

import math
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import torch

from mmsam2.models.memory_policies import PolicyState


@dataclass
class PathwayMemory:
    """The memories of the P pathways of B objects on one frame, as B * P rows.

    Row ``b * P + p`` is pathway ``p`` of object ``b``. It has the attributes
    memory attention reads from a frame output.

    Attributes:
        maskmem_features (torch.Tensor): (B * P, C_mem, h, w).
        maskmem_pos_enc (List[torch.Tensor]): Position encoding (1, C_mem, h, w).
        obj_ptr (torch.Tensor): Object pointers (B * P, C).
    """

    maskmem_features: torch.Tensor
    maskmem_pos_enc: List[torch.Tensor]
    obj_ptr: torch.Tensor


@dataclass
class Pathways:
    """The pathways of B objects after a frame (stored in the frame's policy state).

    Pathways are sorted by score: pathway 0 is the one whose mask is output.

    Attributes:
        memory (torch.Tensor): Memory features (B, P, C_mem, h, w).
        obj_ptr (torch.Tensor): Object pointers (B, P, C).
        score (torch.Tensor): (B, P) cumulative log predicted IoU, relative to
            the best pathway (0); -inf for unused pathways.
        parent (torch.Tensor): (B, P) long, the pathway of the previous frame
            each one continues.
        valid (torch.Tensor): (B, P) bool, the pathway is in use.
        admit (torch.Tensor): (B, P) bool, the frame may be in the pathway's
            memory (its mask is confident).
    """

    memory: torch.Tensor
    obj_ptr: torch.Tensor
    score: torch.Tensor
    parent: torch.Tensor
    valid: torch.Tensor
    admit: torch.Tensor

    KEYS = ('memory', 'obj_ptr', 'score', 'parent', 'valid', 'admit')

    @property
    def num_pathways(self) -> int:
        """P."""
        return self.score.shape[1]

    @classmethod
    def of(cls, output: Any) -> Optional['Pathways']:
        """The pathways stored on a frame output (None: a prompted frame, one
        pathway, its own output)."""
        state = getattr(output, 'policy_state', None)
        if not state or 'path_score' not in state:
            return None
        return cls(*(state[f'path_{key}'] for key in cls.KEYS))

    def to_state(self) -> PolicyState:
        """The pathways as policy state entries (``path_*``)."""
        return {f'path_{key}': getattr(self, key) for key in self.KEYS}

    def as_memory(self, output: Any) -> PathwayMemory:
        """All pathways' memories as B * P rows (views)."""
        return PathwayMemory(
            self.memory.flatten(0, 1), [output.maskmem_pos_enc[-1][:1]], self.obj_ptr.flatten(0, 1)
        )


def candidate_scores(
    base: torch.Tensor, ious: torch.Tensor, obj_scores: torch.Tensor, eps: float
) -> torch.Tensor:
    """Scores of the candidate masks of R running pathways.

    A candidate continues its pathway's cumulative score with the log of its
    predicted IoU. Where the object is predicted absent all candidates are
    the same empty mask, so only one of them (the highest IoU) competes.

    Args:
        base (torch.Tensor): (R, ) cumulative scores of the pathways.
        ious (torch.Tensor): (R, M) predicted IoUs.
        obj_scores (torch.Tensor): (R, ) object score logits.
        eps (float): Added to IoUs before the log.

    Returns:
        torch.Tensor: (R, M) scores, -inf for candidates that do not compete.
    """
    scores = base[:, None] + torch.log(ious.clamp(min=0) + eps)
    columns = torch.arange(ious.shape[1], device=ious.device)
    competes = (obj_scores > 0)[:, None] | (columns == ious.argmax(dim=1, keepdim=True))
    return scores.masked_fill(~competes, float('-inf'))


Candidate = Tuple[float, int, int]
"""(score, running row, candidate index)."""


def _diverse(ranked: List[Candidate], rows: List[int], keys: dict, num: int) -> List[Candidate]:
    """Pick ``num`` candidates that differ: distinct presence and IoU first, then
    at least one per running pathway, then the best of the rest."""
    picked, seen = [], set()
    for cand in ranked:
        if keys[cand[1:]] not in seen:
            picked.append(cand)
            seen.add(keys[cand[1:]])
        if len(picked) == num:
            return picked
    for row in rows:
        if len(picked) == num:
            return picked
        if all(c[1] != row for c in picked):
            picked += [c for c in ranked if c[1] == row][:1]
    picked += [c for c in ranked if c not in picked][: num - len(picked)]
    return picked


def select_pathways(
    scores: torch.Tensor,
    ious: torch.Tensor,
    obj_scores: torch.Tensor,
    owner: torch.Tensor,
    num_objects: int,
    num_pathways: int,
    uncertainty: float,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Keep the best ``num_pathways`` candidates of each object.

    When the object's presence is uncertain (no running pathway has an
    object score logit beyond ``uncertainty`` in absolute value), the kept
    candidates are made diverse instead: distinct presence and predicted
    IoU (to 2 decimals) first, then at least one per running pathway.

    Args:
        scores (torch.Tensor): (R, M) candidate scores (see
            :func:`candidate_scores`).
        ious (torch.Tensor): (R, M) predicted IoUs.
        obj_scores (torch.Tensor): (R, ) object score logits.
        owner (torch.Tensor): (R, ) object of each running row.
        num_objects (int): B.
        num_pathways (int): P.
        uncertainty (float): Object score margin below which presence is
            uncertain.

    Returns:
        Tuple[torch.Tensor, ...]: For each object and new pathway (B, P),
        best first: the running row it continues, the candidate index, its
        score and whether it is used (unused ones repeat pathway 0).
    """
    score_list, iou_list = scores.tolist(), ious.tolist()
    obj_list, owner_list = obj_scores.tolist(), owner.tolist()
    shape = (num_objects, num_pathways)
    src = torch.zeros(shape, dtype=torch.long)
    cand = torch.zeros(shape, dtype=torch.long)
    kept = torch.full(shape, float('-inf'))
    valid = torch.zeros(shape, dtype=torch.bool)
    for b in range(num_objects):
        rows = [r for r, o in enumerate(owner_list) if o == b]
        ranked = sorted(
            ((score_list[r][j], r, j) for r in rows for j in range(len(score_list[r]))),
            key=lambda c: -c[0],
        )
        ranked = [c for c in ranked if c[0] > -math.inf]
        if max(abs(obj_list[r]) for r in rows) > uncertainty:
            picked = ranked[:num_pathways]
        else:
            keys = {(r, j): (obj_list[r] > 0, round(iou_list[r][j], 2)) for _, r, j in ranked}
            picked = sorted(_diverse(ranked, rows, keys, num_pathways), key=lambda c: -c[0])
        for p, (score, r, j) in enumerate(picked):
            src[b, p], cand[b, p], kept[b, p], valid[b, p] = r, j, score - picked[0][0], True
        src[b, len(picked) :], cand[b, len(picked) :] = src[b, 0], cand[b, 0]
    return src, cand, kept, valid
