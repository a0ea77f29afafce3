"""A long-video memory policy in the spirit of SAM2Long (Ding et al., 2024)."""

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

import torch

from mmsam2.models.memory_policies import (
    MemoryRead,
    MemorySource,
    SelectiveMemoryPolicy,
    TrackStep,
    admitted_rows,
)
from mmsam2.registry import TASK_UTILS
from mmsam2.structures import FrameOutput, MemoryBank

from .pathways import Pathways, candidate_scores, select_pathways

if TYPE_CHECKING:
    from mmsam2.models.segmentors.sam2 import SAM2, ImageFeatures, MaskCandidates, SAMHeadOutput


@TASK_UTILS.register_module()
class LongVideoMemoryPolicy(SelectiveMemoryPolicy):
    """Several memory pathways per object, the most confident kept (after SAM2Long).

    Each object is tracked along up to ``num_pathways`` hypotheses, each
    with its own memory bank (the frames and masks it chose so far). On a
    tracked frame every pathway predicts its 3 candidate masks; a candidate
    scores its pathway's cumulative score plus the log of its predicted IoU
    (where the object is predicted absent, the candidates are one empty
    mask). The ``num_pathways`` best candidates of the object continue as the
    new pathways, each extending the memory of the pathway it came from, and
    the output is the best pathway's mask. When no pathway is sure whether
    the object is present (all object score logits within ``uncertainty`` of
    0), diverse candidates are kept instead (distinct presence and predicted
    IoU, at least one per pathway), so that a wrong early decision can still
    be undone.

    Memory of a pathway (see :class:`SelectiveMemoryPolicy`): the prompted
    frames and its nearest frames whose mask was confident (predicted IoU
    above ``memory_iou_thresh`` and object score above
    ``memory_obj_score_thresh``), for both frame
    memories and object pointers, within ``memory_lookback`` frames.

    Pathways are an extra batch dimension of the step: B objects with P
    pathways run memory attention and the SAM heads as B * P rows (only
    pathways in use run), and pathway state travels on each frame's output
    (``path_*`` entries of its policy state): memories, pointers, scores and
    the parent pathway, from which a pathway's memory lineage is rebuilt. A
    prompted frame runs SAM 2's step on the best pathway and restarts the
    pathways from its output.

    The defaults are SAM2Long's published settings (3 pathways, IoU threshold
    0.1, uncertainty 2). SAM2Long also modulates memory attention with the
    object scores of the memories; that part is not implemented.

    Args:
        num_pathways (int): Pathways per object (P). Defaults to 3.
        memory_iou_thresh (float): Predicted IoU a frame needs to enter a
            pathway's memory. Defaults to 0.1.
        memory_obj_score_thresh (float): Object score logit it needs.
            Defaults to 0.0.
        uncertainty (float): Object score logit margin below which presence
            is uncertain and diverse pathways are kept. Defaults to 2.0.
        memory_lookback (int): How far back (frames) confident frames are
            searched; the video predictor keeps that many tracked outputs.
            Defaults to 64.
        iou_eps (float): Added to IoUs before the log. Defaults to 1e-5.
    """

    def __init__(
        self,
        num_pathways: int = 3,
        memory_iou_thresh: float = 0.1,
        memory_obj_score_thresh: float = 0.0,
        uncertainty: float = 2.0,
        memory_lookback: int = 64,
        iou_eps: float = 1e-5,
    ) -> None:
        if num_pathways < 1:
            raise ValueError(f'num_pathways must be at least 1, got {num_pathways}')
        super().__init__(memory_lookback, confident_pointers=True)
        self.num_pathways = num_pathways
        self.memory_iou_thresh = memory_iou_thresh
        self.memory_obj_score_thresh = memory_obj_score_thresh
        self.uncertainty = uncertainty
        self.iou_eps = iou_eps

    # ------------------------------------------------------------ lineage
    def frame_sources(
        self,
        frame_idx: int,
        memory: MemoryBank,
        unselected: Dict[int, Any],
        reverse: bool,
        batch: int,
    ) -> List[MemorySource]:
        """The best pathway's memory lineage (for prompted frames)."""
        start = torch.zeros(batch, 1, dtype=torch.long)
        return self.lineage_sources(frame_idx, memory, unselected, reverse, start)

    def lineage_sources(
        self,
        frame_idx: int,
        memory: MemoryBank,
        unselected: Dict[int, Any],
        reverse: bool,
        start: torch.Tensor,
    ) -> List[MemorySource]:
        """Earlier frames as seen by pathways: row ``b * Q + q`` follows pathway
        ``start[b, q]`` of the nearest frame back through its parents.

        A prompted frame (no pathways) is shared by all pathways, and frames
        before it or before a gap are read on their best pathway.

        Args:
            frame_idx (int): Frame being tracked.
            memory (MemoryBank): Outputs of other frames.
            unselected (Dict[int, Any]): Prompted frames left out of attention.
            reverse (bool): Tracking backwards.
            start (torch.Tensor): (B, Q) pathways of the nearest frame.

        Returns:
            List[MemorySource]: Nearest frame first, for B * Q rows.
        """
        batch, num_rows = start.shape
        lineage = start.clone()
        expected = frame_idx + (1 if reverse else -1)
        sources = []
        for t, out in self.earlier_outputs(frame_idx, memory, unselected, reverse):
            if t != expected:
                lineage.zero_()
            paths = Pathways.of(out)
            if paths is None:
                rows = torch.arange(batch).repeat_interleave(num_rows)
                sources.append(MemorySource(t, out, rows.tolist(), admitted_rows(out, batch)[rows]))
                lineage.zero_()
            else:
                rows = torch.arange(batch)[:, None] * paths.num_pathways + lineage
                admitted = paths.admit.cpu().flatten()[rows.flatten()]
                sources.append(
                    MemorySource(t, paths.as_memory(out), rows.flatten().tolist(), admitted)
                )
                lineage = paths.parent.cpu().gather(1, lineage)
            expected = t + (1 if reverse else -1)
        return sources

    # ------------------------------------------------------------ the step
    def track_step(self, model: 'SAM2', step: TrackStep) -> FrameOutput:
        """Pathway tracking on tracked frames; SAM 2's step on prompted ones."""
        if not step.is_tracking or model.num_maskmem == 0:
            return super().track_step(model, step)
        batch = step.features.feats[-1].shape[0]
        previous = step.memory.non_cond_frames.get(step.frame_idx - step.direction)
        paths = Pathways.of(previous)
        num = self.num_pathways
        if paths is None or paths.num_pathways != num:
            running = torch.zeros(batch, num, dtype=torch.bool)
            running[:, 0] = True
            base = torch.zeros(batch, num)
            start = torch.zeros(batch, num, dtype=torch.long)
        else:
            running, base = paths.valid.cpu(), paths.score.cpu()
            start = torch.arange(num).expand(batch, num)
        rows = running.flatten().nonzero()[:, 0]
        owner = rows // num
        reads = self._pathway_reads(model, step, start, rows, owner)
        features = step.features.select(owner.to(step.features.feats[-1].device))
        candidates = self._candidates(model, step, features, reads)
        return self._continue_pathways(model, step, candidates, base.flatten()[rows], rows, owner)

    def _pathway_reads(
        self,
        model: 'SAM2',
        step: TrackStep,
        start: torch.Tensor,
        rows: torch.Tensor,
        owner: torch.Tensor,
    ) -> List[MemoryRead]:
        """Memories of the running pathways (R rows)."""
        memory, frame_idx, reverse = step.memory, step.frame_idx, step.track_in_reverse
        shared, unselected = self.shared_read(
            model, frame_idx, memory, step.num_frames, reverse, recent=False, recent_pointers=False
        )
        sources = [
            MemorySource(
                s.frame_idx, s.output, [s.rows[r] for r in rows.tolist()], s.admitted[rows]
            )
            for s in self.lineage_sources(frame_idx, memory, unselected, reverse, start)
        ]
        shared = shared.select_rows(owner)
        return self.confident_reads(model, frame_idx, shared, sources, step.num_frames, reverse)

    @staticmethod
    def _candidates(
        model: 'SAM2', step: TrackStep, features: 'ImageFeatures', reads: List[MemoryRead]
    ) -> 'MaskCandidates':
        """The 3 candidate masks of every running pathway (R rows)."""
        feat, pos = features.feats[-1], features.pos[-1]
        conditioned = model.attend_memory(feat, pos, reads, step.num_frames)
        high_res = features.feats[:-1] or None
        return model.decode_masks(conditioned, None, None, high_res, multimask_output=True)

    def _continue_pathways(
        self,
        model: 'SAM2',
        step: TrackStep,
        candidates: 'MaskCandidates',
        base: torch.Tensor,
        rows: torch.Tensor,
        owner: torch.Tensor,
    ) -> FrameOutput:
        """Keep the best candidates as the new pathways, encode their memories and
        output the best one."""
        batch, num = step.features.feats[-1].shape[0], self.num_pathways
        obj_scores = candidates.object_score_logits[:, 0]
        scores = candidate_scores(
            base.to(obj_scores.device), candidates.ious, obj_scores, self.iou_eps
        )
        src, cand, score, valid = select_pathways(
            scores, candidates.ious, obj_scores, owner, batch, num, self.uncertainty
        )
        device = candidates.ious.device
        heads = model.pick_masks(
            candidates.rows(src.flatten().to(device)), cand.flatten().to(device)
        )
        memory, pos_enc = self._encode_pathways(model, step, heads, batch)
        chosen_iou = heads.ious.gather(1, cand.flatten().to(device)[:, None])[:, 0]
        admit = (chosen_iou > self.memory_iou_thresh) & (
            heads.object_score_logits[:, 0] > self.memory_obj_score_thresh
        )
        paths = Pathways(
            memory=memory,
            obj_ptr=heads.obj_ptr.view(batch, num, -1),
            score=score.to(device),
            parent=(rows[src] % num).to(device),
            valid=valid.to(device),
            admit=admit.view(batch, num) & valid.to(device),
        )
        best = torch.arange(batch, device=device) * num
        output = FrameOutput(
            pred_masks=heads.masks[best],
            pred_masks_high_res=heads.masks_high_res[best],
            obj_ptr=heads.obj_ptr[best],
            object_score_logits=heads.object_score_logits[best],
            multimasks=heads.multimasks[best],
            multimasks_high_res=heads.multimasks_high_res[best],
            ious=heads.ious[best],
            policy_state=paths.to_state(),
        )
        if step.run_mem_encoder:
            output.maskmem_features, output.maskmem_pos_enc = memory[:, 0], pos_enc
        return output

    @staticmethod
    def _encode_pathways(
        model: 'SAM2', step: TrackStep, heads: 'SAMHeadOutput', batch: int
    ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Memories (B, P, C_mem, h, w) of the new pathways, one pathway at a time
        (a model's non-overlap constraint applies across objects, not pathways)."""
        feat = step.features.feats[-1]
        masks = heads.masks_high_res.view(batch, -1, *heads.masks_high_res.shape[1:])
        obj_scores = heads.object_score_logits.view(batch, -1, 1)
        encoded = [
            model.encode_memory(feat, masks[:, p], obj_scores[:, p], is_mask_from_pts=False)
            for p in range(masks.shape[1])
        ]
        return torch.stack([features for features, _ in encoded], dim=1), encoded[0][1]
