"""Pack a transformed clip into the model's inputs and a ``TrackDataSample``."""

from typing import List, Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.structures import InstanceData

from mmsam2.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackSAM2ClipInputs(BaseTransform):
    """Pack a clip into ``dict(inputs, data_samples)`` for SAM 2 training.

    - ``inputs``: (T, 3, H, W) uint8 RGB tensor (H = W = S after
      :class:`ClipResize`).
    - ``data_samples``: a ``TrackDataSample`` (metainfo ``video_name`` and
      ``frame_indices``, the frames' indices in the source video) whose
      ``video_data_samples`` are T ``DetDataSample`` (metainfo
      ``frame_idx`` (index in the source video), ``video_name``,
      ``img_shape``, ``ori_shape``, ``flip``) with ``gt_instances``:
      ``masks`` (K, H, W) bool and ``instances_ids`` (K, ) long, the same K
      objects in the same order on every frame (empty mask where absent).

    Objects are dropped when augmentation emptied them where they are
    needed: with ``require_first_frame`` (Meta's rule: an object must be
    visible on the first frame, where the model is prompted), an object
    empty on the first frame; otherwise, an object empty on every frame.
    A clip left without objects gives None, so mmengine draws another one.

    Args:
        require_first_frame (bool): Drop objects empty on the first frame
            (True) or only those empty on every frame (False). Defaults to
            True.
    """

    def __init__(self, require_first_frame: bool = True) -> None:
        self.require_first_frame = require_first_frame

    def _kept_objects(self, masks: np.ndarray) -> np.ndarray:
        """Choose the objects to keep.

        Args:
            masks (np.ndarray): (T, K, H, W) bool masks.

        Returns:
            np.ndarray: (K, ) bool, True for the objects kept.
        """
        visible = masks.reshape(*masks.shape[:2], -1).any(axis=2)
        return visible[0] if self.require_first_frame else visible.any(axis=0)

    def _frame_samples(
        self, results: dict, masks: np.ndarray, ids: np.ndarray
    ) -> List[DetDataSample]:
        """Make the per-frame data samples.

        Args:
            results (dict): The clip.
            masks (np.ndarray): (T, K, H, W) bool masks of the kept objects.
            ids (np.ndarray): (K, ) their ids.

        Returns:
            List[DetDataSample]: T data samples.
        """
        samples = []
        for t, frame_masks in enumerate(masks):
            sample = DetDataSample(
                metainfo=dict(
                    frame_idx=results['frame_indices'][t],
                    video_name=results['video_name'],
                    img_shape=tuple(frame_masks.shape[1:]),
                    ori_shape=tuple(results['ori_shape']),
                    flip=bool(results['flip'][t]),
                )
            )
            sample.gt_instances = InstanceData(
                masks=torch.from_numpy(frame_masks),
                instances_ids=torch.tensor(ids, dtype=torch.long),
            )
            samples.append(sample)
        return samples

    def transform(self, results: dict) -> Optional[dict]:
        """Pack the clip.

        Args:
            results (dict): The clip (``imgs``, ``gt_masks``,
                ``instances_ids``, ``video_name``, ``frame_indices``,
                ``ori_shape``, ``flip``).

        Returns:
            dict | None: ``inputs`` and ``data_samples``, or None if no
            object is left.
        """
        masks = np.stack(results['gt_masks']).astype(bool)
        keep = self._kept_objects(masks)
        if not keep.any():
            return None
        masks = np.ascontiguousarray(masks[:, keep])
        ids = np.asarray(results['instances_ids'])[keep]
        imgs = np.stack(results['imgs']).transpose(0, 3, 1, 2)
        data_sample = TrackDataSample(
            metainfo=dict(
                video_name=results['video_name'], frame_indices=list(results['frame_indices'])
            )
        )
        data_sample.video_data_samples = self._frame_samples(results, masks, ids)
        return dict(inputs=torch.from_numpy(np.ascontiguousarray(imgs)), data_samples=data_sample)
