"""Checks that every memory policy project runs: reduction to SAM 2, batching, ``tools/test.py``.

Built on :mod:`memory_policy_helpers` (a tiny SAM 2 with random weights and
a synthetic clip).
"""

import json
import os.path as osp
from typing import List, Tuple

import torch
from memory_policy_helpers import synthetic_clip, tiny_model, track
from mmengine.config import Config
from training_helpers import run_test_tool

from mmsam2.datasets.synthetic import generate_synthetic_vos


def sam2_and_policy_tracks(
    memory_policy: dict, num_frames: int = 10
) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
    """Track a synthetic clip with SAM 2's memory and with a policy, same weights.

    Args:
        memory_policy (dict): The policy config.
        num_frames (int): Frames of the clip (2 objects). Defaults to 10.

    Returns:
        Tuple[List[torch.Tensor], List[torch.Tensor]]: Mask logits per frame
        of SAM 2 and of the policy.
    """
    frames, masks = synthetic_clip(num_frames=num_frames)
    return track(tiny_model(), frames, masks), track(tiny_model(memory_policy), frames, masks)


def run_policy_config_test(config: str, folder: str) -> dict:
    """``tools/test.py`` of a tiny policy config on a synthetic hard DAVIS set.

    The set has 1 video of 12 frames (48 x 64) with a distractor; the
    checkpoint is :func:`~memory_policy_helpers.tiny_model` without object
    bias. The run must succeed, with the config's memory policy (as dumped
    in the work dir) and on every video.

    Args:
        config (str): A config testing on ``synthetic-hard-davis-val``.
        folder (str): Where the data, checkpoint and work dir go.

    Returns:
        dict: The run's ``vos_results_synthetic-hard-davis-val.json``.
    """
    data = osp.join(folder, 'data')
    generate_synthetic_vos(
        data,
        'davis',
        num_videos=1,
        num_frames=12,
        size=(48, 64),
        seed=3,
        num_val_videos=1,
        num_distractors=1,
    )
    ckpt = osp.join(folder, 'model.pth')
    torch.save({'state_dict': tiny_model(object_bias=0.0).state_dict()}, ckpt)
    work = osp.join(folder, 'work')
    run_test_tool(config, ckpt, work, '--cfg-options', f'test_dataloader.dataset.data_root={data}')
    with open(osp.join(work, 'vos_results_synthetic-hard-davis-val.json')) as f:
        result = json.load(f)
    used = Config.fromfile(osp.join(work, osp.basename(config))).model.memory_policy
    assert used == Config.fromfile(config).model.memory_policy
    assert result['num_videos'] == 1 and result['num_objects'] > 0
    return result
