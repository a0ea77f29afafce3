"""Checks of user prompts (clicks, labels, boxes, masks) shared by the predictors.

``SAM2ImagePredictor`` and ``SAM2VideoPredictor`` pass every click, label,
box and mask a user gives through these functions, so a bad prompt gets the
same answer from both: a :class:`PromptError` (a ``ValueError``) that says
what is wrong, never NaN outputs or an ``IndexError`` from deep inside the
model. The shapes each API takes (one object or a batch) are checked by the
predictor; the rules on values are here:

* numbers: lists, numpy arrays or tensors of real numbers (bool counts as
  0 / 1); strings, ``None``, complex numbers and ragged lists are rejected;
* coordinates (clicks and box corners): finite, and inside the image up to
  :data:`OUT_OF_IMAGE_TOLERANCE` pixels;
* click labels: whole numbers, 1 (positive) or 0 (negative), and -1
  (padding, ignored) where a batch of objects may have different numbers of
  clicks (the image predictor). Labels 2 and 3 mark box corners inside the
  model; the public APIs reject them: give a box with ``box=``;
* boxes: ``(x0, y0, x1, y1)`` with ``x0 <= x1`` and ``y0 <= y1``;
* masks: finite real values; foreground where the value is >= 0.5 (``True``
  for bool masks), whatever the input type.
"""

from typing import Any, Tuple, Type

import numpy as np
import torch

CLICK_LABELS = (0, 1)
"""Labels of user clicks: 0 negative (background), 1 positive (object)."""

PADDING_LABEL = -1
"""Label of a padding click (ignored by the model), in batches of click sets."""

BOX_CORNER_LABELS = (2, 3)
"""Labels the predictors give a box's top-left / bottom-right corner (internal)."""

OUT_OF_IMAGE_TOLERANCE = 1.0
"""Clicks and box corners may lie this many image pixels outside the image."""

MASK_THRESHOLD = 0.5
"""Mask prompt values >= this are foreground."""


class PromptError(ValueError):
    """A click, label, box or mask given to a predictor is invalid.

    The message names the argument, what is wrong and, where it helps, how to
    fix it. The video predictor raises a subclass that is also a
    :class:`mmsam2.apis.VideoPredictorError`.
    """


def as_real_tensor(value: Any, name: str, error: Type[ValueError] = PromptError) -> torch.Tensor:
    """Convert a list, array or tensor of real numbers to a float64 CPU tensor.

    Args:
        value (Any): The numbers (bool values count as 0 / 1).
        name (str): The argument's name, for the message.
        error (Type[ValueError]): Exception raised. Defaults to
            :class:`PromptError`.

    Returns:
        torch.Tensor: The values as float64 on the CPU (not checked for
        finiteness: see :func:`check_finite`).
    """
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise error(f'{name} must be real numbers, got a complex tensor')
        return value.detach().to('cpu', torch.float64)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as err:  # e.g. ragged nested lists
        raise error(f'{name} must be numbers in a regular array, got {value!r} ({err})') from err
    if array.dtype.kind not in 'biuf':
        raise error(f'{name} must be real numbers, got {_short(value)} (dtype {array.dtype})')
    return torch.from_numpy(array.astype(np.float64))


def check_finite(values: torch.Tensor, name: str, error: Type[ValueError] = PromptError) -> None:
    """Raise if any value is NaN or infinite.

    Args:
        values (torch.Tensor): The values.
        name (str): Their argument's name, for the message.
        error (Type[ValueError]): Exception raised. Defaults to
            :class:`PromptError`.
    """
    bad = ~torch.isfinite(values)
    if bad.any():
        raise error(
            f'{name} must be finite numbers, got {int(bad.sum())} NaN or infinite value(s), '
            f'e.g. {values[bad][:4].tolist()}'
        )


def check_labels(
    labels: torch.Tensor,
    name: str,
    allow_padding: bool = False,
    error: Type[ValueError] = PromptError,
) -> torch.Tensor:
    """Check click labels and return them as int32.

    Args:
        labels (torch.Tensor): Labels (any shape), e.g. from
            :func:`as_real_tensor`.
        name (str): The argument's name, for the message.
        allow_padding (bool): Accept -1 (padding). Defaults to False.
        error (Type[ValueError]): Exception raised. Defaults to
            :class:`PromptError`.

    Returns:
        torch.Tensor: The labels as int32.
    """
    allowed = CLICK_LABELS + ((PADDING_LABEL,) if allow_padding else ())
    known = torch.zeros_like(labels, dtype=torch.bool)
    for label in allowed:
        known |= labels == label
    if not known.all():
        meaning = '1 positive, 0 negative' + (', -1 padding' if allow_padding else '')
        bad = [int(v) if float(v).is_integer() else v for v in labels[~known].tolist()]
        raise error(
            f'{name} must be in {tuple(sorted(allowed))} ({meaning}), got {_short(bad)}; '
            'labels 2 / 3 are box corners, set by the predictor: give a box with the box argument'
        )
    return labels.to(torch.int32)


def check_box_order(
    corners: torch.Tensor, name: str, error: Type[ValueError] = PromptError
) -> None:
    """Raise unless every box has ``x0 <= x1`` and ``y0 <= y1``.

    Args:
        corners (torch.Tensor): Boxes as corners (B, 2, 2), finite.
        name (str): The argument's name, for the message.
        error (Type[ValueError]): Exception raised. Defaults to
            :class:`PromptError`.
    """
    flipped = (corners[:, 1] < corners[:, 0]).any(dim=-1)
    if flipped.any():
        bad = corners[flipped].reshape(-1, 4).tolist()
        raise error(
            f'{name} must be (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1, got {_short(bad)}'
        )


def check_inside_image(
    coords: torch.Tensor,
    image_hw: Tuple[int, int],
    pixels: bool,
    name: str,
    error: Type[ValueError] = PromptError,
) -> None:
    """Raise if coordinates lie more than the tolerance outside the image.

    Args:
        coords (torch.Tensor): Finite (x, y) coordinates (..., 2).
        image_hw (Tuple[int, int]): Image (height, width).
        pixels (bool): ``coords`` are image pixels (``normalize_coords=True``);
            when False they are relative to the image, in [0, 1].
        name (str): What the coordinates are, for the message.
        error (Type[ValueError]): Exception raised. Defaults to
            :class:`PromptError`.
    """
    h, w = image_hw
    size = torch.tensor([w, h], dtype=coords.dtype)
    in_pixels = coords if pixels else coords * size
    outside = (in_pixels < -OUT_OF_IMAGE_TOLERANCE) | (in_pixels > size + OUT_OF_IMAGE_TOLERANCE)
    if outside.any(dim=-1).any():
        bad = coords[outside.any(dim=-1)].tolist()
        unit = (
            'pixels'
            if pixels
            else 'relative [0, 1] units (normalize_coords=False: use it only for coordinates '
            'in [0, 1])'
        )
        raise error(
            f'{name} lie outside the {w}x{h} image ({unit}, tolerance '
            f'{OUT_OF_IMAGE_TOLERANCE:g} pixel): {_short(bad)}'
        )


def binarize_mask(
    mask: Any, name: str = 'mask', error: Type[ValueError] = PromptError
) -> torch.Tensor:
    """Turn a mask prompt into 0 / 1 values by one rule for every input type.

    A pixel is foreground where the value is >= :data:`MASK_THRESHOLD`
    (0.5): ``True`` in a bool mask, 1 or 255 in an integer one, 0.7 in a
    float one. NaN and infinite values are rejected.

    Args:
        mask (Any): The mask (bool or numbers; list, array or tensor).
        name (str): The argument's name, for the message.
        error (Type[ValueError]): Exception raised. Defaults to
            :class:`PromptError`.

    Returns:
        torch.Tensor: The mask as float32 0 / 1, same shape.
    """
    values = as_real_tensor(mask, name, error)
    check_finite(values, name, error)
    return (values >= MASK_THRESHOLD).float()


def _short(value: Any, limit: int = 200) -> str:
    """``repr`` of a value cut to ``limit`` characters (for messages)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + '...'
