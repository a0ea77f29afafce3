"""Helpers of the detector-prompted tracker tests: ground-truth "oracles", tiny models.

With random weights neither a detector nor SAM 2 says anything about the
objects of a video, so tracking behaviour (ids of objects that enter, leave
and are detected again) cannot be checked with them. These two registered
models read the ground truth of a synthetic DAVIS-layout video instead, and
plug into the real pipeline through the interfaces the tracker uses:

* :class:`OracleDetector`, an mmdet detector: its ``predict`` returns the
  box, mask, class and a fixed score of every object visible on the frame
  (the frame index is the data sample's ``img_id``);
* :class:`OracleSAM2`, a SAM 2 model: on tracked (not prompted) frames its
  ``track_step`` replaces the predicted masks by the ground-truth mask of the
  object whose prompt mask is in the memory, so SAM 2's memory and the
  predictor's bookkeeping run as usual but the masks are right.
"""

import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmdet.models.detectors import BaseDetector
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmsam2.datasets import SYNTHETIC_CLASSES as CLASSES
from mmsam2.datasets import read_palette_mask
from mmsam2.models.segmentors import SAM2, ImageFeatures
from mmsam2.registry import MODELS
from mmsam2.structures import FrameOutput, MemoryBank, PointPrompts


def read_id_maps(ann_dir: str) -> np.ndarray:
    """(T, H, W) uint8 object ids of a folder of palette PNGs, in name order."""
    names = sorted(n for n in os.listdir(ann_dir) if n.endswith('.png'))
    return np.stack([read_palette_mask(osp.join(ann_dir, n))[0] for n in names])


def visible_frames(id_maps: np.ndarray, obj_id: int) -> np.ndarray:
    """Frames on which an object has pixels."""
    return np.flatnonzero((id_maps == obj_id).any(axis=(1, 2)))


@MMDET_MODELS.register_module(force=True)
class OracleDetector(BaseDetector):
    """Detect exactly the objects of the ground truth.

    Args:
        ann_dir (str): Palette PNGs of the video, one per frame.
        categories (Dict[int, str]): Object id -> class name.
        classes (Sequence[str]): Class names (labels are their indices).
        score (float): Score of every detection. Defaults to 0.9.
        data_preprocessor (dict, optional): Defaults to None
            (``DetDataPreprocessor``).
    """

    def __init__(
        self,
        ann_dir: str,
        categories: Dict[int, str],
        classes: Sequence[str],
        score: float = 0.9,
        data_preprocessor: dict = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type='DetDataPreprocessor'))
        self.id_maps = read_id_maps(ann_dir)
        self.labels = {int(k): list(classes).index(v) for k, v in categories.items()}
        self.score = score

    def predict(self, batch_inputs: torch.Tensor, batch_data_samples: List, rescale: bool = True):
        for sample in batch_data_samples:
            ids = self.id_maps[sample.metainfo['img_id']]
            objects = [int(i) for i in np.unique(ids) if i > 0]
            masks = np.stack([ids == i for i in objects]) if objects else np.zeros((0, *ids.shape))
            boxes = []
            for mask in masks:
                rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
                boxes.append([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1])
            sample.pred_instances = InstanceData(
                bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                scores=torch.full((len(objects),), self.score),
                labels=torch.tensor([self.labels[i] for i in objects], dtype=torch.long),
                masks=torch.from_numpy(masks.astype(bool)),
            )
        return batch_data_samples

    def loss(self, batch_inputs, batch_data_samples):
        raise NotImplementedError('the oracle does not train')

    def _forward(self, batch_inputs, batch_data_samples=None):
        raise NotImplementedError('the oracle has no features')

    def extract_feat(self, batch_inputs):
        raise NotImplementedError('the oracle has no features')


@MODELS.register_module(force=True)
class OracleSAM2(SAM2):
    """SAM 2 whose tracked masks are the ground truth of the prompted object.

    Args:
        ann_dir (str): Palette PNGs of the video, one per frame.
        **kwargs: Arguments of :class:`~mmsam2.models.segmentors.SAM2`.
    """

    def __init__(self, ann_dir: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.id_maps = torch.from_numpy(read_id_maps(ann_dir).astype(np.int64))

    def _id_map(self, frame_idx: int, side: int) -> torch.Tensor:
        """(side, side) object ids of a frame (nearest resize)."""
        ids = self.id_maps[frame_idx][None, None].float()
        return F.interpolate(ids, size=(side, side), mode='nearest')[0, 0].long()

    def _identities(self, memory: MemoryBank) -> List[int]:
        """Object id of each batch element: the best match of its prompt mask."""
        first = min(memory.cond_frames)
        prompt_masks = memory.cond_frames[first].pred_masks[:, 0] > 0
        ids = self._id_map(first, prompt_masks.shape[-1]).to(prompt_masks.device)
        candidates = [int(i) for i in ids.unique() if i > 0]
        found = []
        for mask in prompt_masks:
            ious = [((ids == i) & mask).sum() / ((ids == i) | mask).sum() for i in candidates]
            found.append(candidates[int(np.argmax(ious))] if candidates else 0)
        return found

    def track_step(
        self,
        frame_idx: int,
        is_init_cond_frame: bool,
        features: ImageFeatures,
        point_inputs: Optional[PointPrompts],
        mask_inputs: Optional[torch.Tensor],
        memory: MemoryBank,
        num_frames: Optional[int],
        **kwargs,
    ) -> FrameOutput:
        out = super().track_step(
            frame_idx,
            is_init_cond_frame,
            features,
            point_inputs,
            mask_inputs,
            memory,
            num_frames,
            **kwargs,
        )
        if is_init_cond_frame or not memory.cond_frames:
            return out
        obj_ids = torch.tensor(self._identities(memory))
        ids = self._id_map(frame_idx, self.image_size).to(out.pred_masks.device)
        masks = (ids[None] == obj_ids[:, None, None].to(ids.device))[:, None].float()
        out.pred_masks_high_res = masks * 20 - 10
        out.pred_masks = F.interpolate(out.pred_masks_high_res, scale_factor=0.25, mode='area')
        present = masks.flatten(1).any(1, keepdim=True)
        out.object_score_logits = torch.where(present, 10.0, -10.0)
        return out


ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))
TINY_SAM2_CONFIG = osp.join(ROOT, 'configs', '_base_', 'models', 'sam2.1_hiera-tiny-cpu.py')
ARRAY_PIPELINE = [
    dict(type='LoadImageFromNDArray'),
    dict(type='PackDetInputs', meta_keys=('img_id', 'ori_shape', 'img_shape', 'scale_factor')),
]
"""Detector pipeline of the oracle: no resizing (it reads the ground truth)."""


def tiny_sam2_config(**overrides) -> dict:
    """The ~1M-parameter SAM 2.1 of the CPU training config, as a plain ``SAM2``."""
    model = Config.fromfile(TINY_SAM2_CONFIG).model.to_dict()
    model.update({'type': 'SAM2', **overrides})
    return model


def oracle_tracker_config(ann_dir: str, categories: dict, **kwargs) -> dict:
    """A ``SAM2DetTracker`` config with both oracles on one synthetic video.

    Args:
        ann_dir (str): The video's palette PNGs.
        categories (dict): Object id -> class name.
        **kwargs: Tracker arguments.

    Returns:
        dict: The config (masks as SAM 2 prompts).
    """
    cfg = dict(
        type='SAM2DetTracker',
        detector=dict(
            type='OracleDetector', ann_dir=ann_dir, categories=categories, classes=CLASSES
        ),
        sam2=tiny_sam2_config(type='OracleSAM2', ann_dir=ann_dir),
        det_pipeline=ARRAY_PIPELINE,
        classes=CLASSES,
        prompt_with='mask',
    )
    cfg.update(kwargs)
    return cfg


def save_tiny_bert(folder: str) -> None:
    """Save a 1-layer, 32-wide BERT and its tokenizer (a 13-word vocabulary) in a folder.

    GroundingDINO reads its text encoder from a local folder with it, so tests
    need no model hub.
    """
    from transformers import BertConfig, BertModel, BertTokenizerFast

    os.makedirs(folder, exist_ok=True)
    words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '.', '?', *CLASSES, 'a', 'the', 'person']
    vocab = osp.join(folder, 'vocab.txt')
    with open(vocab, 'w') as file:
        file.write('\n'.join(words) + '\n')
    BertTokenizerFast(vocab_file=vocab, do_lower_case=True).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(words),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(folder)
