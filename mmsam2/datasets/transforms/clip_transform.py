"""Base of the clip transforms: one random draw per clip, or one per frame."""

from typing import Any, Callable, List

import numpy as np
from mmcv.transforms import BaseTransform


def map_masks(fn: Callable[[np.ndarray], np.ndarray], masks: np.ndarray) -> np.ndarray:
    """Apply an OpenCV image function to every mask of a frame at once.

    Args:
        fn (Callable): Maps an (H, W, C) uint8 image to an (H', W', C) one;
            OpenCV drops the channel axis when C is 1.
        masks (np.ndarray): (K, H, W) bool masks, K >= 1.

    Returns:
        np.ndarray: (K, H', W') bool masks.
    """
    out = fn(np.ascontiguousarray(masks.transpose(1, 2, 0), dtype=np.uint8))
    return out.reshape(*out.shape[:2], len(masks)).transpose(2, 0, 1) > 0


class BaseClipTransform(BaseTransform):
    """A transform of every frame of a clip, with random parameters drawn per clip or per frame.

    It works on the results dict of the clip datasets: ``imgs`` (T frames,
    (H, W, 3) uint8 RGB) and ``gt_masks`` (T (K, H, W) bool arrays), changed
    in place. Random draws use numpy's global generator, which mmengine seeds
    in every data loader worker. Subclasses implement :meth:`draw_params`
    and :meth:`apply_frame`.

    Args:
        consistent (bool): Draw the parameters once and apply them to every
            frame (Meta's ``consistent_transform``); with False each frame
            gets its own draw. Defaults to True.
    """

    def __init__(self, consistent: bool = True) -> None:
        self.consistent = consistent

    def draw_params(self, results: dict) -> Any:
        """Draw the random parameters of one frame (or of the clip).

        Args:
            results (dict): The clip.

        Returns:
            Any: The parameters :meth:`apply_frame` takes.
        """
        raise NotImplementedError

    def apply_frame(self, results: dict, t: int, params: Any) -> None:
        """Transform frame t (its image and masks) in place.

        Args:
            results (dict): The clip.
            t (int): Frame index in the clip.
            params (Any): Parameters from :meth:`draw_params`.
        """
        raise NotImplementedError

    def clip_params(self, results: dict) -> List[Any]:
        """Draw the parameters of every frame.

        Args:
            results (dict): The clip.

        Returns:
            List[Any]: T parameters, all the same object if ``consistent``.
        """
        num_frames = len(results['imgs'])
        if self.consistent:
            return [self.draw_params(results)] * num_frames
        return [self.draw_params(results) for _ in range(num_frames)]

    def transform(self, results: dict) -> dict:
        """Transform every frame of the clip.

        Args:
            results (dict): The clip.

        Returns:
            dict: The same dict, transformed.
        """
        for t, params in enumerate(self.clip_params(results)):
            self.apply_frame(results, t, params)
        return results


class BaseRandomClipTransform(BaseClipTransform):
    """A clip transform applied to a frame with probability ``prob``.

    :meth:`draw_params` draws whether to apply it; subclasses implement
    :meth:`apply_frame`, which gets that bool.

    Args:
        prob (float): Probability. Defaults to 0.5.
        consistent (bool): All frames or none (one draw per clip); with False
            each frame on its own. Defaults to True.
    """

    def __init__(self, prob: float = 0.5, consistent: bool = True) -> None:
        super().__init__(consistent)
        self.prob = prob

    def draw_params(self, results: dict) -> bool:
        """Draw whether to apply the transform.

        Args:
            results (dict): The clip.

        Returns:
            bool: Apply it.
        """
        return bool(np.random.rand() < self.prob)
