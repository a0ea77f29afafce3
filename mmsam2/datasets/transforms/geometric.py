"""Geometric clip transforms: flip, resize and random affine, applied to frames and masks alike."""

from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmsam2.registry import TRANSFORMS

from .clip_transform import BaseClipTransform, BaseRandomClipTransform, map_masks

INTERPOLATIONS = dict(bilinear=cv2.INTER_LINEAR, bicubic=cv2.INTER_CUBIC)
DEFAULT_FILL = (123, 116, 103)
"""Meta's ``RandomAffine`` fill: about the ImageNet mean in RGB."""


def symmetric_range(value: Union[float, Sequence[float]]) -> Tuple[float, float]:
    """Turn ``v`` into ``(-v, v)``; keep a ``(low, high)`` pair.

    Args:
        value (float | Sequence[float]): Half width or range.

    Returns:
        Tuple[float, float]: (low, high).
    """
    if isinstance(value, (int, float)):
        return -float(value), float(value)
    low, high = value
    return float(low), float(high)


def affine_matrix(
    angle: float,
    shear: float,
    scale: float,
    translate: Tuple[float, float],
    center: Tuple[float, float],
) -> np.ndarray:
    """Forward affine map: shear along x, rotate and scale about ``center``, then translate.

    Args:
        angle (float): Rotation in degrees.
        shear (float): Shear angle along x in degrees.
        scale (float): Isotropic scale.
        translate (Tuple[float, float]): (dx, dy) in pixels.
        center (Tuple[float, float]): (x, y) fixed point of the linear part.

    Returns:
        np.ndarray: (2, 3) float32 matrix for ``cv2.warpAffine``.
    """
    rot, shx = np.deg2rad(angle), np.deg2rad(shear)
    rotation = np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]])
    linear = scale * rotation @ np.array([[1.0, np.tan(shx)], [0.0, 1.0]])
    offset = np.asarray(center) + np.asarray(translate) - linear @ np.asarray(center)
    return np.hstack([linear, offset[:, None]]).astype(np.float32)


@TRANSFORMS.register_module()
class ClipRandomHorizontalFlip(BaseRandomClipTransform):
    """Flip frames and masks left-right with probability ``prob`` (Meta's ``RandomHorizontalFlip``).

    Toggles ``results['flip']`` of each flipped frame.

    Args:
        prob (float): Flip probability. Defaults to 0.5.
        consistent (bool): Flip all frames or none (one draw per clip);
            with False each frame is flipped on its own. Defaults to True.
    """

    def apply_frame(self, results: dict, t: int, params: bool) -> None:
        """Flip frame t if drawn.

        Args:
            results (dict): The clip.
            t (int): Frame index.
            params (bool): Flip.
        """
        if params:
            results['imgs'][t] = np.ascontiguousarray(results['imgs'][t][:, ::-1])
            results['gt_masks'][t] = np.ascontiguousarray(results['gt_masks'][t][:, :, ::-1])
            results['flip'][t] = not results['flip'][t]


@TRANSFORMS.register_module()
class ClipResize(BaseTransform):
    """Resize every frame and mask to a square of side ``size``.

    With ``keep_ratio=False`` (Meta's ``RandomResizeAPI`` with
    ``square=True``) the aspect ratio changes. With True the longest side
    becomes ``size`` and the bottom and right are padded with zeros (image)
    and background (masks). Images are resampled with area averaging when
    shrinking (anti-aliased) and bilinearly when enlarging; masks bilinearly,
    then thresholded at one half.

    Args:
        size (int): Output side S.
        keep_ratio (bool): Keep the aspect ratio and pad. Defaults to False.
    """

    def __init__(self, size: int, keep_ratio: bool = False) -> None:
        self.size = size
        self.keep_ratio = keep_ratio

    def _resized_shape(self, height: int, width: int) -> Tuple[int, int]:
        """Shape of a frame after resizing, before padding.

        Args:
            height (int): Frame height.
            width (int): Frame width.

        Returns:
            Tuple[int, int]: (height, width).
        """
        if not self.keep_ratio:
            return self.size, self.size
        scale = self.size / max(height, width)
        return min(self.size, round(height * scale)), min(self.size, round(width * scale))

    def _pad(self, array: np.ndarray, axes: Tuple[int, int]) -> np.ndarray:
        """Pad the bottom and right of an image or masks to ``size``.

        Args:
            array (np.ndarray): (h, w, 3) image or (K, h, w) masks.
            axes (Tuple[int, int]): Its height and width axes.

        Returns:
            np.ndarray: The padded array, zeros added.
        """
        pad = [(0, 0)] * array.ndim
        for axis in axes:
            pad[axis] = (0, self.size - array.shape[axis])
        return np.pad(array, pad)

    def transform(self, results: dict) -> dict:
        """Resize (and pad) every frame and its masks.

        Args:
            results (dict): The clip.

        Returns:
            dict: The clip, frames (S, S, 3) and masks (K, S, S).
        """
        height, width = results['imgs'][0].shape[:2]
        new_h, new_w = self._resized_shape(height, width)
        shrink = new_h * new_w < height * width
        interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        imgs, masks = [], []
        for img, frame_masks in zip(results['imgs'], results['gt_masks']):
            img = cv2.resize(img, (new_w, new_h), interpolation=interpolation)
            frame_masks = map_masks(
                lambda m: cv2.resize(m, (new_w, new_h), interpolation=cv2.INTER_LINEAR),
                frame_masks,
            )
            imgs.append(self._pad(img, (0, 1)))
            masks.append(self._pad(frame_masks, (1, 2)))
        results['imgs'], results['gt_masks'] = imgs, masks
        return results


@TRANSFORMS.register_module()
class ClipRandomAffine(BaseClipTransform):
    """Random rotation, shear, scale and translation (Meta's ``RandomAffine``).

    The parameters are drawn like torchvision's ``RandomAffine``: angle in
    ``degrees``, x-shear in ``shear``, scale in ``scale``, translation up to
    ``translate`` times the frame size. Images are warped with
    ``image_interpolation`` and filled with ``fill``; masks with nearest
    neighbours, filled with background.

    Like Meta's transform, a draw that empties the first-frame mask of an
    object visible there is rejected; after ``num_tentatives`` rejected
    draws the clip is returned unchanged, so every object keeps a prompt on
    the first frame. Objects may leave later frames (their masks are then
    empty).

    Args:
        degrees (float | Sequence[float]): Rotation range in degrees; ``d``
            means ``(-d, d)``.
        shear (float | Sequence[float], optional): x-shear range in
            degrees; ``s`` means ``(-s, s)``. Defaults to None (no shear).
        scale (Sequence[float], optional): (low, high) scale range.
            Defaults to None (no scaling).
        translate (Sequence[float], optional): Largest (dx, dy) shift as a
            fraction of the (width, height). Defaults to None (no shift).
        consistent (bool): One draw for the whole clip; with False each
            frame gets its own. Defaults to True.
        image_interpolation (str): 'bilinear' or 'bicubic'. Defaults to
            'bicubic'.
        fill (Sequence[int]): RGB value outside the warped image. Defaults
            to (123, 116, 103).
        num_tentatives (int): Draws before giving up. Defaults to 1.
    """

    def __init__(
        self,
        degrees: Union[float, Sequence[float]],
        shear: Optional[Union[float, Sequence[float]]] = None,
        scale: Optional[Sequence[float]] = None,
        translate: Optional[Sequence[float]] = None,
        consistent: bool = True,
        image_interpolation: str = 'bicubic',
        fill: Sequence[int] = DEFAULT_FILL,
        num_tentatives: int = 1,
    ) -> None:
        super().__init__(consistent)
        if image_interpolation not in INTERPOLATIONS:
            raise ValueError(
                f'image_interpolation must be one of {tuple(INTERPOLATIONS)}, '
                f'got {image_interpolation!r}'
            )
        self.degrees = symmetric_range(degrees)
        self.shear = None if shear is None else symmetric_range(shear)
        self.scale = None if scale is None else (float(scale[0]), float(scale[1]))
        self.translate = None if translate is None else (float(translate[0]), float(translate[1]))
        self.interpolation = INTERPOLATIONS[image_interpolation]
        self.fill = tuple(int(v) for v in fill)
        self.num_tentatives = num_tentatives

    def draw_params(self, results: dict) -> np.ndarray:
        """Draw an affine map for the clip's frame size.

        Args:
            results (dict): The clip.

        Returns:
            np.ndarray: (2, 3) float32 matrix.
        """
        height, width = results['imgs'][0].shape[:2]
        angle = np.random.uniform(*self.degrees)
        shift = (0.0, 0.0)
        if self.translate is not None:
            max_dx, max_dy = self.translate[0] * width, self.translate[1] * height
            shift = (
                float(np.round(np.random.uniform(-max_dx, max_dx))),
                float(np.round(np.random.uniform(-max_dy, max_dy))),
            )
        scale = 1.0 if self.scale is None else np.random.uniform(*self.scale)
        shear = 0.0 if self.shear is None else np.random.uniform(*self.shear)
        center = ((width - 1) / 2, (height - 1) / 2)
        return affine_matrix(angle, shear, scale, shift, center)

    @staticmethod
    def _warp_masks(masks: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """Warp one frame's masks.

        Args:
            masks (np.ndarray): (K, H, W) bool masks.
            matrix (np.ndarray): (2, 3) affine map.

        Returns:
            np.ndarray: (K, H, W) bool masks.
        """
        size = (masks.shape[2], masks.shape[1])
        return map_masks(
            lambda m: cv2.warpAffine(m, matrix, size, flags=cv2.INTER_NEAREST, borderValue=0),
            masks,
        )

    def apply_frame(self, results: dict, t: int, params: np.ndarray) -> None:
        """Warp frame t and its masks.

        Args:
            results (dict): The clip.
            t (int): Frame index.
            params (np.ndarray): (2, 3) affine map.
        """
        img = results['imgs'][t]
        results['imgs'][t] = cv2.warpAffine(
            img,
            params,
            (img.shape[1], img.shape[0]),
            flags=self.interpolation,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=self.fill,
        )
        results['gt_masks'][t] = self._warp_masks(results['gt_masks'][t], params)

    def transform(self, results: dict) -> dict:
        """Warp the clip, unless no draw keeps every first-frame object visible.

        Args:
            results (dict): The clip.

        Returns:
            dict: The clip, warped or unchanged.
        """
        first = results['gt_masks'][0]
        visible = first.reshape(len(first), -1).any(axis=1)
        for _ in range(self.num_tentatives):
            params = self.clip_params(results)
            warped = self._warp_masks(first, params[0])
            if warped.reshape(len(first), -1).any(axis=1)[visible].all():
                for t, frame_params in enumerate(params):
                    self.apply_frame(results, t, frame_params)
                return results
        return results
