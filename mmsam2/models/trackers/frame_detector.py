"""Run an mmdet 3.x detector on video frames held in memory.

Any mmdet detector works: closed-set ones (Faster / Mask R-CNN, RTMDet,
DINO, ...) detect the classes they were trained on, open-vocabulary ones
(GroundingDINO) the names of a text prompt. The detector is built in mmdet's
registry scope (types inside its config are mmdet's; the ``mmdet.`` prefix
is optional) and its test pipeline reads frames from memory.
"""

from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import DefaultScope

DETECTOR_SCOPE = 'mmdet'
TEXT_META_KEYS = ('text', 'custom_entities')
"""Meta keys an open-vocabulary detector reads its prompt from."""
DEFAULT_META_KEYS = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')


def build_detector(cfg: dict) -> nn.Module:
    """Build an mmdet detector in mmdet's scope, with SyncBN turned into BN.

    Args:
        cfg (dict): The detector's model config.

    Returns:
        nn.Module: The detector (an mmdet ``BaseDetector``).
    """
    from mmdet.registry import MODELS as MMDET_MODELS

    with DefaultScope.overwrite_default_scope(DETECTOR_SCOPE):
        return revert_sync_batchnorm(MMDET_MODELS.build(cfg))


def ndarray_pipeline(pipeline: Sequence[dict]) -> List[dict]:
    """Adapt an mmdet test pipeline to frames given as arrays.

    Image loading becomes ``LoadImageFromNDArray``, annotation loading is
    dropped, and ``PackDetInputs`` keeps the text prompt meta keys.

    Args:
        pipeline (Sequence[dict]): A test pipeline, e.g. a detector config's
            ``test_dataloader.dataset.pipeline``.

    Returns:
        List[dict]: The adapted pipeline (the input is not modified).
    """
    adapted = []
    for step in pipeline:
        step = dict(step)
        kind = step['type'].split('.')[-1]
        if kind == 'LoadAnnotations':
            continue
        if kind.startswith('LoadImageFrom'):
            step = dict(type='LoadImageFromNDArray')
        if kind == 'PackDetInputs':
            keys = tuple(step.get('meta_keys', DEFAULT_META_KEYS))
            step['meta_keys'] = keys + tuple(k for k in TEXT_META_KEYS if k not in keys)
        adapted.append(step)
    return adapted


def parse_text_prompt(text: Union[str, Sequence[str]]) -> List[str]:
    """Class names of a text prompt ``'person . bicycle'`` (or a list of names).

    Args:
        text (str | Sequence[str]): Names separated by ``' . '``, or a list.

    Returns:
        List[str]: The names, stripped.
    """
    names = text.split('.') if isinstance(text, str) else list(text)
    names = [name.strip() for name in names if name.strip()]
    if not names:
        raise ValueError(f'the text prompt {text!r} names no class')
    return names


@dataclass
class Detections:
    """Detections on one frame, in frame pixels.

    Attributes:
        bboxes (np.ndarray): (N, 4) float32 boxes (x0, y0, x1, y1).
        scores (np.ndarray): (N, ) float32 scores.
        labels (np.ndarray): (N, ) int64 class indices.
        masks (np.ndarray, optional): (N, H, W) bool masks, from detectors
            that predict them.
    """

    bboxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    masks: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.scores)

    def select(self, keep: np.ndarray) -> 'Detections':
        """The detections picked by a boolean or index array."""
        masks = None if self.masks is None else self.masks[keep]
        return Detections(self.bboxes[keep], self.scores[keep], self.labels[keep], masks)


class FrameDetector:
    """Detect the wanted classes on RGB frames.

    Args:
        model (nn.Module): An mmdet detector (see :func:`build_detector`).
        pipeline (Sequence[dict]): Its test pipeline for array inputs (see
            :func:`ndarray_pipeline`).
        class_names (Sequence[str]): Name of each label the detector outputs
            (its classes, or the names of the text prompt).
        text_prompt (bool): Give ``class_names`` to the detector as its text
            prompt (open-vocabulary detectors). Defaults to False.
        class_filter (Sequence[str], optional): Keep only these classes.
            Defaults to None (all).
        score_thr (float): Drop detections scoring less. Defaults to 0.3.
    """

    def __init__(
        self,
        model: nn.Module,
        pipeline: Sequence[dict],
        class_names: Sequence[str],
        text_prompt: bool = False,
        class_filter: Optional[Sequence[str]] = None,
        score_thr: float = 0.3,
    ) -> None:
        self.model = model
        with DefaultScope.overwrite_default_scope(DETECTOR_SCOPE):
            self.pipeline = Compose(list(pipeline))
        self.class_names = list(class_names)
        self.text_prompt = text_prompt
        self.score_thr = score_thr
        unknown = set(class_filter or ()) - set(self.class_names)
        if unknown:
            raise ValueError(
                f'class_filter names {sorted(unknown)} are not among the classes {self.class_names}'
            )
        self.wanted = None
        if class_filter:
            self.wanted = np.array([self.class_names.index(name) for name in class_filter])

    @torch.no_grad()
    def __call__(self, image: np.ndarray, frame_idx: int) -> Detections:
        """Detect objects on one frame.

        Args:
            image (np.ndarray): (H, W, 3) uint8 RGB frame.
            frame_idx (int): Its index (the ``img_id`` of the data sample).

        Returns:
            Detections: Those above the score threshold, of the known and
            wanted classes, with boxes clipped to the frame and non-empty.
        """
        data = dict(img=np.ascontiguousarray(image[..., ::-1]), img_id=frame_idx)
        if self.text_prompt:
            data.update(text=tuple(self.class_names), custom_entities=True)
        with DefaultScope.overwrite_default_scope(DETECTOR_SCOPE):
            sample = self.model.test_step(pseudo_collate([self.pipeline(data)]))[0]
        return self._filter(sample.pred_instances, image.shape[:2])

    def _filter(self, pred, size: Sequence[int]) -> Detections:
        """Numpy detections kept by the score threshold and class filter."""
        height, width = size
        bboxes = pred.bboxes.float().cpu().numpy().reshape(-1, 4)
        bboxes = np.clip(bboxes, 0, [width, height, width, height]).astype(np.float32)
        masks = pred.get('masks')
        detections = Detections(
            bboxes=bboxes,
            scores=pred.scores.float().cpu().numpy(),
            labels=pred.labels.cpu().numpy().astype(np.int64),
            masks=None if masks is None else masks.cpu().numpy().astype(bool),
        )
        keep = (detections.scores >= self.score_thr) & (bboxes[:, 2] > bboxes[:, 0])
        keep &= (bboxes[:, 3] > bboxes[:, 1]) & (detections.labels < len(self.class_names))
        if self.wanted is not None:
            keep &= np.isin(detections.labels, self.wanted)
        return detections.select(keep)
