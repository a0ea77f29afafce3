"""Helpers of the memory policy tests: a tiny SAM 2, a synthetic clip, tracking runs.

The tiny model has random weights, so the masks say nothing about accuracy;
the tests compare runs (a policy that reduces to SAM 2's, objects tracked in
one batch or one by one) and check the bookkeeping.
"""

import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.registry import init_default_scope

from mmsam2.apis import SAM2VideoPredictor
from mmsam2.datasets.synthetic import render_video
from mmsam2.models.segmentors import SAM2
from mmsam2.registry import MODELS

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))
if ROOT not in sys.path:  # projects/ is imported from the repository root, as configs do
    sys.path.insert(0, ROOT)

from tracking_helpers import tiny_sam2_config  # noqa: E402


def tiny_model(memory_policy: Optional[dict] = None, object_bias: float = 1.0, **overrides) -> SAM2:
    """The ~1M-parameter SAM 2.1 with random weights (seed 0) and a memory policy.

    Args:
        memory_policy (dict, optional): The policy config. Defaults to None
            (SAM 2's).
        object_bias (float): Added to the object score head's output. With
            random weights every tracked object is predicted absent (and
            every memory gives the same -1024 masks); the bias makes objects
            present, so masks depend on what is remembered. Defaults to 1.0.
        **overrides: Model options.

    Returns:
        SAM2: The model in eval mode.
    """
    init_default_scope('mmsam2')
    torch.manual_seed(0)
    if memory_policy is not None:
        overrides['memory_policy'] = memory_policy
    model = MODELS.build(tiny_sam2_config(**overrides)).eval()
    with torch.no_grad():
        model.mask_decoder.pred_obj_score_head.layers[-1].bias += object_bias
    return model


def synthetic_clip(
    num_frames: int = 12, num_objects: int = 2, num_distractors: int = 0, seed: int = 0
) -> Tuple[List[np.ndarray], Dict[int, np.ndarray]]:
    """A rendered clip (48 x 64) and the first-frame mask of each object.

    Returns:
        Tuple[List[np.ndarray], Dict[int, np.ndarray]]: (H, W, 3) uint8
        frames and object id -> (H, W) bool mask on frame 0.
    """
    video = render_video(
        'clip',
        np.random.default_rng(seed),
        num_objects,
        num_frames,
        (48, 64),
        num_distractors=num_distractors,
    )
    ids = video.id_maps[0]
    masks = {int(i): ids == i for i in np.unique(ids) if i > 0}
    return video.frames, masks


def track(
    model: SAM2,
    frames: Sequence[np.ndarray],
    masks: Dict[int, np.ndarray],
    together: bool = True,
    **predictor_kwargs,
) -> List[torch.Tensor]:
    """Track objects from their first-frame masks; (N, 1, H, W) logits per frame.

    Args:
        model (SAM2): The model.
        frames (Sequence[np.ndarray]): The clip.
        masks (Dict[int, np.ndarray]): Object id -> mask on frame 0.
        together (bool): One session for all objects (one batch), else one
            session per object. Defaults to True.
        **predictor_kwargs: Options of the predictor.

    Returns:
        List[torch.Tensor]: Mask logits of all objects per frame.
    """
    predictor = SAM2VideoPredictor(model, **predictor_kwargs)
    groups = [list(masks)] if together else [[obj_id] for obj_id in masks]
    runs = []
    for group in groups:
        state = predictor.init_state(list(frames))
        for obj_id in group:
            predictor.add_new_mask(state, 0, obj_id, masks[obj_id])
        runs.append([m.clone() for _, _, m in predictor.propagate_in_video(state)])
    return [torch.cat(per_frame) for per_frame in zip(*runs)]
