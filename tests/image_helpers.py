"""Small synthetic RGB images for the image API, visualization and demo tests."""

import cv2
import numpy as np


def shapes_image(height: int = 200, width: int = 300) -> np.ndarray:
    """A grey (H, W, 3) uint8 RGB image with a red disc, a green square and a blue ellipse."""
    image = np.full((height, width, 3), 60, np.uint8)
    cv2.circle(image, (width * 4 // 15, height * 9 // 20), height // 5, (230, 40, 40), -1)
    cv2.rectangle(
        image,
        (width // 2, height * 3 // 20),
        (width * 13 // 15, height * 3 // 5),
        (40, 200, 60),
        -1,
    )
    cv2.ellipse(
        image,
        (width * 2 // 3, height * 4 // 5),
        (width // 5, height // 8),
        0,
        0,
        360,
        (30, 60, 220),
        -1,
    )
    return image
