"""Fast in-place drawing of masks, boxes, clicks and ids on RGB images (numpy + cv2).

Every function draws on ``canvas``, an (H, W, 3) uint8 RGB array, and returns
nothing; :class:`mmsam2.visualization.SAM2Visualizer` composes them.
"""

from typing import Sequence

import cv2
import numpy as np

POSITIVE_COLOR = (0, 200, 0)
NEGATIVE_COLOR = (220, 0, 0)
OUTLINE_COLOR = (255, 255, 255)


def overlay_masks(canvas: np.ndarray, masks: np.ndarray, colors: np.ndarray, alpha: float) -> None:
    """Blend coloured masks into the image; later masks are drawn on top.

    Args:
        canvas (np.ndarray): Image (H, W, 3) uint8, modified in place.
        masks (np.ndarray): Binary masks (N, H, W).
        colors (np.ndarray): RGB colours (N, 3) uint8.
        alpha (float): Opacity of the masks in [0, 1].
    """
    if len(masks) == 0:
        return
    top = len(masks) - 1 - np.argmax(masks[::-1], axis=0)
    covered = masks.any(axis=0)
    color_map = colors[top]
    blended = cv2.addWeighted(canvas, 1 - alpha, color_map, alpha, 0)
    canvas[covered] = blended[covered]


def draw_mask_contours(
    canvas: np.ndarray, masks: np.ndarray, colors: np.ndarray, thickness: int
) -> None:
    """Outline each mask in its colour.

    Args:
        canvas (np.ndarray): Image (H, W, 3) uint8, modified in place.
        masks (np.ndarray): Binary masks (N, H, W).
        colors (np.ndarray): RGB colours (N, 3) uint8.
        thickness (int): Line width in pixels.
    """
    for mask, color in zip(masks, colors):
        contours, _ = cv2.findContours(
            mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
        )
        cv2.drawContours(canvas, contours, -1, tuple(int(c) for c in color), thickness)


def draw_boxes(canvas: np.ndarray, boxes: np.ndarray, colors: np.ndarray, thickness: int) -> None:
    """Draw boxes (N, 4) as (x0, y0, x1, y1) in pixels.

    Args:
        canvas (np.ndarray): Image (H, W, 3) uint8, modified in place.
        boxes (np.ndarray): Boxes (N, 4).
        colors (np.ndarray): RGB colours (N, 3) uint8.
        thickness (int): Line width in pixels.
    """
    for box, color in zip(np.round(boxes).astype(int), colors):
        cv2.rectangle(
            canvas, tuple(box[:2]), tuple(box[2:]), tuple(int(c) for c in color), thickness
        )


def draw_points(canvas: np.ndarray, points: np.ndarray, labels: np.ndarray, radius: int) -> None:
    """Draw clicks: positive (label 1) green, negative (label 0) red, white rim.

    Points with other labels (box corners 2/3, padding -1) are not drawn.

    Args:
        canvas (np.ndarray): Image (H, W, 3) uint8, modified in place.
        points (np.ndarray): (x, y) pixel coordinates (N, 2).
        labels (np.ndarray): Labels (N, ).
        radius (int): Marker radius in pixels.
    """
    for (x, y), label in zip(np.round(points).astype(int), labels):
        if label not in (0, 1):
            continue
        color = POSITIVE_COLOR if label == 1 else NEGATIVE_COLOR
        cv2.circle(canvas, (x, y), radius, color, -1, cv2.LINE_AA)
        cv2.circle(canvas, (x, y), radius, OUTLINE_COLOR, max(1, radius // 3), cv2.LINE_AA)


def draw_labels(
    canvas: np.ndarray, texts: Sequence[str], anchors: np.ndarray, colors: np.ndarray
) -> None:
    """Write short texts on filled tags whose top-left corners are ``anchors``.

    Args:
        canvas (np.ndarray): Image (H, W, 3) uint8, modified in place.
        texts (Sequence[str]): One text per tag.
        anchors (np.ndarray): (x, y) top-left corners (N, 2).
        colors (np.ndarray): Tag colours (N, 3) uint8; the text is white.
    """
    scale = max(0.4, min(canvas.shape[:2]) / 800)
    thickness = max(1, int(round(scale * 1.5)))
    for text, (x, y), color in zip(texts, np.round(anchors).astype(int), colors):
        (w, h), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        bottom = y + h + baseline + 2
        cv2.rectangle(canvas, (x, y), (x + w + 4, bottom), tuple(int(c) for c in color), -1)
        cv2.putText(
            canvas,
            text,
            (x + 2, y + h + 1),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            OUTLINE_COLOR,
            thickness,
            cv2.LINE_AA,
        )
