"""Photometric clip transforms: colour jitter and random grayscale (masks unchanged)."""

from typing import Callable, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from mmsam2.registry import TRANSFORMS

from .clip_transform import BaseClipTransform, BaseRandomClipTransform

Range = Optional[Tuple[float, float]]
JitterParams = Tuple[List[int], List[Optional[float]]]


def factor_range(value: Union[float, Sequence[float]], name: str) -> Range:
    """Turn a jitter strength ``v`` into the factor range ``(max(0, 1 - v), 1 + v)``.

    Args:
        value (float | Sequence[float]): Strength, or a (low, high) range.
        name (str): Argument name, for the error message.

    Returns:
        Tuple[float, float] | None: The range; None if it is only 1 (no-op).
    """
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f'{name} must be non-negative, got {value}')
        low, high = max(0.0, 1.0 - value), 1.0 + value
    else:
        low, high = float(value[0]), float(value[1])
    return None if low == high == 1.0 else (low, high)


def hue_range(value: Optional[Union[float, Sequence[float]]]) -> Range:
    """Turn a hue strength ``h`` into the shift range ``(-h, h)``.

    Args:
        value (float | Sequence[float], optional): Strength in [0, 0.5], or
            a (low, high) range within [-0.5, 0.5].

    Returns:
        Tuple[float, float] | None: The range; None for no hue change.
    """
    if value is None:
        return None
    low, high = (-value, value) if isinstance(value, (int, float)) else value
    if not -0.5 <= low <= high <= 0.5:
        raise ValueError(f'hue must lie within [-0.5, 0.5], got {value}')
    return None if low == high == 0 else (float(low), float(high))


def to_gray(img: np.ndarray) -> np.ndarray:
    """Luma of an RGB image (ITU-R 601-2, as PIL's ``convert('L')``).

    Args:
        img (np.ndarray): (H, W, 3) uint8 RGB.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)


def blend(img: np.ndarray, other: Union[np.ndarray, float], factor: float) -> np.ndarray:
    """Blend ``other + factor * (img - other)``, rounded and clipped, as PIL's ``ImageEnhance``.

    Args:
        img (np.ndarray): (H, W, 3) uint8 image.
        other (np.ndarray | float): (H, W, 3) uint8 image, or a value, to
            move away from.
        factor (float): 0 gives ``other``, 1 gives ``img``.

    Returns:
        np.ndarray: (H, W, 3) uint8.
    """
    if isinstance(other, np.ndarray):
        return cv2.addWeighted(img, factor, other, 1.0 - factor, 0.0)
    return cv2.addWeighted(img, factor, img, 0.0, (1.0 - factor) * other)


def adjust_brightness(img: np.ndarray, factor: float) -> np.ndarray:
    """Scale the brightness of an image.

    Args:
        img (np.ndarray): (H, W, 3) uint8 RGB.
        factor (float): 0 gives black, 1 the image.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    return blend(img, 0.0, factor)


def adjust_contrast(img: np.ndarray, factor: float) -> np.ndarray:
    """Scale the contrast of an image about its mean gray level.

    Args:
        img (np.ndarray): (H, W, 3) uint8 RGB.
        factor (float): 0 gives a uniform gray image, 1 the image.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    return blend(img, float(to_gray(img).mean()), factor)


def adjust_saturation(img: np.ndarray, factor: float) -> np.ndarray:
    """Scale the saturation of an image.

    Args:
        img (np.ndarray): (H, W, 3) uint8 RGB.
        factor (float): 0 gives its grayscale version, 1 the image.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    return blend(img, cv2.cvtColor(to_gray(img), cv2.COLOR_GRAY2RGB), factor)


def adjust_hue(img: np.ndarray, factor: float) -> np.ndarray:
    """Rotate the hue of an image.

    Args:
        img (np.ndarray): (H, W, 3) uint8 RGB.
        factor (float): Hue shift, in turns (within [-0.5, 0.5]).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = ((hsv[..., 0].astype(np.int32) + round(factor * 180)) % 180).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


ADJUSTMENTS: Tuple[Callable[[np.ndarray, float], np.ndarray], ...] = (
    adjust_brightness,
    adjust_contrast,
    adjust_saturation,
    adjust_hue,
)
"""The colour jitter's adjustments, in the order of its arguments."""


@TRANSFORMS.register_module()
class ClipColorJitter(BaseClipTransform):
    """Random brightness, contrast, saturation and hue (Meta's ``ColorJitter``).

    Like torchvision's ``ColorJitter``, the four adjustments run in a random
    order with factors drawn uniformly: brightness scales the image,
    contrast blends it with its mean gray level, saturation with its
    grayscale version, and hue rotates the colour wheel. Meta's recipes use
    one consistent jitter per clip followed by a weaker per-frame one.

    Args:
        brightness (float | Sequence[float]): Strength ``b`` (factor in
            ``[max(0, 1 - b), 1 + b]``) or a factor range. Defaults to 0.
        contrast (float | Sequence[float]): Same for contrast. Defaults to 0.
        saturation (float | Sequence[float]): Same for saturation. Defaults
            to 0.
        hue (float | Sequence[float], optional): Hue shift ``h`` in turns
            (shift in ``[-h, h]``, h <= 0.5) or a range. Defaults to None.
        consistent (bool): One draw for the whole clip; with False each
            frame gets its own. Defaults to True.
    """

    def __init__(
        self,
        brightness: Union[float, Sequence[float]] = 0.0,
        contrast: Union[float, Sequence[float]] = 0.0,
        saturation: Union[float, Sequence[float]] = 0.0,
        hue: Optional[Union[float, Sequence[float]]] = None,
        consistent: bool = True,
    ) -> None:
        super().__init__(consistent)
        self.ranges: List[Range] = [
            factor_range(brightness, 'brightness'),
            factor_range(contrast, 'contrast'),
            factor_range(saturation, 'saturation'),
            hue_range(hue),
        ]

    def draw_params(self, results: dict) -> JitterParams:
        """Draw the order of the adjustments and their factors.

        Args:
            results (dict): The clip.

        Returns:
            Tuple[List[int], List[float | None]]: A permutation of
            (brightness, contrast, saturation, hue) and the four factors
            (None: skipped).
        """
        order = np.random.permutation(4).tolist()
        factors = [None if r is None else float(np.random.uniform(*r)) for r in self.ranges]
        return order, factors

    def apply_frame(self, results: dict, t: int, params: JitterParams) -> None:
        """Adjust the colours of frame t.

        Args:
            results (dict): The clip.
            t (int): Frame index.
            params (Tuple[List[int], List[float | None]]): Order and factors.
        """
        order, factors = params
        img = results['imgs'][t]
        for op in order:
            if factors[op] is not None:
                img = ADJUSTMENTS[op](img, factors[op])
        results['imgs'][t] = img


@TRANSFORMS.register_module()
class ClipRandomGrayscale(BaseRandomClipTransform):
    """Turn frames to grayscale, 3 equal channels (Meta's ``RandomGrayscale``).

    Args:
        prob (float): Probability. Defaults to 0.5.
        consistent (bool): All frames or none (one draw per clip); with False
            each frame on its own. Defaults to True.
    """

    def apply_frame(self, results: dict, t: int, params: bool) -> None:
        """Convert frame t if drawn.

        Args:
            results (dict): The clip.
            t (int): Frame index.
            params (bool): Convert.
        """
        if params:
            results['imgs'][t] = cv2.cvtColor(to_gray(results['imgs'][t]), cv2.COLOR_GRAY2RGB)
