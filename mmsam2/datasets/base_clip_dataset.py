"""Common base of the training datasets whose items are clips (T frames, up to K objects)."""

from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init

from mmsam2.registry import TRANSFORMS


def build_pipeline(pipeline: Sequence[Union[dict, Callable]]) -> List[Callable]:
    """Build transform configs with mmsam2's registry, whatever the default scope.

    Args:
        pipeline (Sequence[dict | Callable]): Transform configs or callables.

    Returns:
        List[Callable]: The transforms.
    """
    return [TRANSFORMS.build(step) if isinstance(step, dict) else step for step in pipeline]


def clip_results(
    video_name: str,
    frame_indices: Sequence[int],
    imgs: List[np.ndarray],
    gt_masks: List[np.ndarray],
    object_ids: Sequence[int],
) -> dict:
    """Make the results dict that the clip transforms work on.

    Args:
        video_name (str): Video (or image) name.
        frame_indices (Sequence[int]): Index of each frame in the source video.
        imgs (List[np.ndarray]): T frames, (H, W, 3) uint8 RGB.
        gt_masks (List[np.ndarray]): T (K, H, W) bool masks, the same K
            objects on every frame.
        object_ids (Sequence[int]): The K object ids.

    Returns:
        dict: ``video_name``, ``frame_indices``, ``imgs``, ``gt_masks``,
        ``instances_ids`` ((K, ) int64), ``ori_shape`` ((H, W)) and ``flip``
        (T times False).
    """
    return dict(
        video_name=video_name,
        frame_indices=[int(t) for t in frame_indices],
        imgs=imgs,
        gt_masks=gt_masks,
        instances_ids=np.asarray(object_ids, dtype=np.int64),
        ori_shape=tuple(imgs[0].shape[:2]),
        flip=[False] * len(imgs),
    )


class BaseClipDataset(BaseDataset):
    """Base of the training datasets: ``dataset[i]`` is a clip sampled from source item i.

    A source item is a video or an image (a one-frame clip). Subclasses
    sample T frames and up to ``max_num_objects`` objects in
    :meth:`load_clip`, load only those, and return :func:`clip_results`'s
    dict, which :meth:`prepare_data` passes through the pipeline, or None to
    have mmengine draw another item (nothing to sample). Random choices use
    numpy's global generator, which mmengine seeds in every data loader
    worker.

    Args:
        max_num_objects (int): K, the most objects of a clip. Defaults to 3.
        multiplier (int): Repeat the source items this many times per epoch
            (like mmengine's ``RepeatDataset``). Defaults to 1.
        pipeline (Sequence[dict | Callable]): Clip transforms, built from
            ``mmsam2.registry.TRANSFORMS``. Defaults to ().
        **kwargs: Other arguments of mmengine's ``BaseDataset``.
    """

    def __init__(
        self,
        max_num_objects: int = 3,
        multiplier: int = 1,
        pipeline: Sequence[Union[dict, Callable]] = (),
        **kwargs,
    ) -> None:
        if max_num_objects < 1:
            raise ValueError(f'max_num_objects must be at least 1, got {max_num_objects}')
        if multiplier < 1:
            raise ValueError(f'multiplier must be at least 1, got {multiplier}')
        self.max_num_objects = max_num_objects
        self.multiplier = multiplier
        super().__init__(pipeline=build_pipeline(pipeline), **kwargs)

    @property
    def num_sources(self) -> int:
        """Number of source items (videos or images), before ``multiplier``."""
        return super().__len__()

    @force_full_init
    def __len__(self) -> int:
        return self.num_sources * self.multiplier

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """Get the source item of a clip index.

        Args:
            idx (int): Clip index, in ``[0, len(self))``.

        Returns:
            dict: The source item.
        """
        return super().get_data_info(idx % self.num_sources)

    def sample_objects(self, object_ids: Sequence[int]) -> List[int]:
        """Draw up to ``max_num_objects`` objects without replacement.

        Args:
            object_ids (Sequence[int]): Candidates.

        Returns:
            List[int]: The drawn ids, sorted.
        """
        picked = np.random.permutation(len(object_ids))[: self.max_num_objects]
        return sorted(int(object_ids[i]) for i in picked)

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Load the clip of a clip index and pass it through the pipeline.

        Args:
            idx (int): Clip index.

        Returns:
            dict | None: The pipeline's output, or None when :meth:`load_clip`
            found nothing to sample (mmengine then draws another index).
        """
        results = self.load_clip(self.get_data_info(idx))
        return None if results is None else self.pipeline(results)

    def load_clip(self, item: dict) -> Optional[dict]:
        """Sample a clip of a source item and load its frames and masks.

        Args:
            item (dict): The source item (see :meth:`get_data_info`).

        Returns:
            dict | None: :func:`clip_results`'s dict, or None if there is
            nothing to sample.
        """
        raise NotImplementedError
