"""SAM2DetTracker with real mmdet detectors (random weights) from the synthetic configs.

RTMDet-tiny and GroundingDINO (with a tiny BERT built here, loaded from a
local folder) are shrunk by config overrides; the pipeline must run and give
well-formed, deterministic tracks (with random weights the numbers mean
nothing).
"""

import os.path as osp
from typing import List

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tracking_helpers import CLASSES, save_tiny_bert

from mmsam2.models.trackers import SAM2DetTracker, TrackedFrame
from mmsam2.registry import MODELS

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
CONFIGS = osp.join(ROOT, 'configs', 'sam2_det_tracking')
RTMDET = osp.join(CONFIGS, 'sam2.1-hiera-t_rtmdet-tiny_synthetic.py')
GROUNDING_DINO = osp.join(CONFIGS, 'sam2.1-hiera-t_grounding-dino-swin-t_synthetic.py')
NUM_FRAMES = 6


def _small(cfg: Config, scale: int = 64) -> Config:
    """Shrink SAM 2 and the detector input; detect every 2 frames, at most 3 objects."""
    model = cfg.model
    model.sam2.image_size = 64
    model.detector.test_cfg.max_per_img = 3
    model.detect_interval = 2
    for step in model.det_pipeline:
        if 'scale' in step:
            step['scale'] = (scale, scale)
        if 'size' in step:
            step['size'] = (scale, scale)
    return cfg


def _build(cfg: Config) -> SAM2DetTracker:
    init_default_scope('mmsam2')
    torch.manual_seed(0)
    tracker = MODELS.build(cfg.model)
    # random SAM 2: make every object present, so that masks are not empty
    tracker.sam2.mask_decoder.pred_obj_score_head.layers[2].bias.data.fill_(20.0)
    return tracker


def _run(tracker: SAM2DetTracker, frames: str) -> List[TrackedFrame]:
    tracks = tracker.track_video(frames)
    return [next(tracks) for _ in range(NUM_FRAMES)]


def _check_well_formed(frames: List[TrackedFrame], num_classes: int) -> None:
    for frame in frames:
        inst = frame.instances
        height, width = frame.image.shape[:2]
        assert inst.masks.shape == (len(inst), height, width)
        assert len(set(inst.instances_id.tolist())) == len(inst)
        assert ((inst.labels >= 0) & (inst.labels < num_classes)).all()
        assert ((inst.scores >= 0.3) & (inst.scores <= 1)).all()
        x0, y0, x1, y1 = inst.bboxes.T
        assert ((x0 < x1) & (y0 < y1) & (x1 <= width) & (y1 <= height)).all()
    assert sum(len(f.instances) for f in frames) > 0


@pytest.fixture(scope='module')
def rtmdet_tracker() -> SAM2DetTracker:
    tracker = _build(_small(Config.fromfile(RTMDET)))
    for conv in tracker.detector.bbox_head.rtm_cls:
        torch.nn.init.constant_(conv.bias, 2.0)  # random RTMDet: confident boxes
    return tracker


def test_rtmdet_tracker_runs_and_is_deterministic(rtmdet_tracker, synthetic_video) -> None:
    assert rtmdet_tracker.class_names == list(CLASSES)
    first = _run(rtmdet_tracker, synthetic_video['frames'])
    _check_well_formed(first, len(CLASSES))
    again = _run(rtmdet_tracker, synthetic_video['frames'])
    for a, b in zip(first, again):
        assert a.instances.instances_id.tolist() == b.instances.instances_id.tolist()
        assert torch.equal(a.instances.masks, b.instances.masks)


def _tiny_grounding_dino(cfg: Config, bert: str) -> Config:
    """A ResNet-18/8 GroundingDINO with one encoder / decoder layer and 10 queries."""
    det = cfg.model.detector
    det.language_model.name = bert
    det.num_queries = 10
    det.backbone = dict(
        type='ResNet',
        depth=18,
        base_channels=8,
        out_indices=(1, 2, 3),
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        init_cfg=None,
    )
    det.neck.update(in_channels=[16, 32, 64], norm_cfg=dict(type='GN', num_groups=8))
    det.encoder.num_layers = det.decoder.num_layers = 1
    det.encoder.fusion_layer_cfg.embed_dim = 64
    # the text branch of mmdet's GroundingDINO is fixed to 256 channels
    for ffn in (det.encoder.layer_cfg, det.encoder.text_layer_cfg, det.decoder.layer_cfg):
        ffn.ffn_cfg.feedforward_channels = 64
    return cfg


def test_grounding_dino_tracker_from_text(synthetic_video, tmp_path) -> None:
    bert = str(tmp_path / 'bert')
    save_tiny_bert(bert)
    cfg = _tiny_grounding_dino(_small(Config.fromfile(GROUNDING_DINO), scale=96), bert)
    tracker = _build(cfg)
    assert tracker.class_names == list(CLASSES)
    frames = _run(tracker, synthetic_video['frames'])
    _check_well_formed(frames, len(CLASSES))
