"""Visualizer for SAM 2 masks, prompts and object ids."""

from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement, InstanceData
from mmengine.visualization import Visualizer

from mmsam2.registry import VISUALIZERS
from mmsam2.utils.image_io import write_rgb_image

from .drawing import draw_boxes, draw_labels, draw_mask_contours, draw_points, overlay_masks
from .palette import object_colors

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence]


def _to_numpy(x: Optional[ArrayLike]) -> Optional[np.ndarray]:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return None if x is None else np.asarray(x)


def _mask_anchors(masks: np.ndarray) -> np.ndarray:
    """Top-left corner (x, y) of each mask's bounding box (0, 0 if empty)."""
    rows, cols = masks.any(axis=2), masks.any(axis=1)
    return np.stack([cols.argmax(axis=1), rows.argmax(axis=1)], axis=1)


@VISUALIZERS.register_module()
class SAM2Visualizer(Visualizer):
    """Draw SAM 2 predictions: coloured masks, boxes, clicks and object ids.

    Drawing is plain numpy / OpenCV (no matplotlib figure per image), fast
    enough for per-frame video overlays. Objects take the DAVIS colour of
    their id (:func:`mmsam2.visualization.object_colors`), so an object keeps
    its colour across frames and matches DAVIS annotation PNGs.

    Args:
        name (str): Instance name. Defaults to 'visualizer'.
        image (np.ndarray, optional): Image to draw on. Defaults to None.
        vis_backends (list, optional): Visual storage backends configs.
            Defaults to None.
        save_dir (str, optional): Save directory of the backends.
            Defaults to None.
        alpha (float): Mask opacity. Defaults to 0.5.
        line_width (int): Width of box and mask outlines (0: no mask
            outline). Defaults to 2.
        point_radius (int, optional): Click marker radius; None scales it with
            the image. Defaults to None.
        draw_ids (bool): Write the object id on each mask. Defaults to True.
    """

    def __init__(
        self,
        name: str = 'visualizer',
        image: Optional[np.ndarray] = None,
        vis_backends: Optional[list] = None,
        save_dir: Optional[str] = None,
        alpha: float = 0.5,
        line_width: int = 2,
        point_radius: Optional[int] = None,
        draw_ids: bool = True,
    ) -> None:
        super().__init__(name=name, image=image, vis_backends=vis_backends, save_dir=save_dir)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        self.alpha = alpha
        self.line_width = line_width
        self.point_radius = point_radius
        self.draw_ids = draw_ids

    def draw_sam2_predictions(
        self,
        image: np.ndarray,
        masks: ArrayLike,
        obj_ids: Optional[Sequence[int]] = None,
        boxes: Optional[ArrayLike] = None,
        points: Optional[ArrayLike] = None,
        labels: Optional[ArrayLike] = None,
    ) -> np.ndarray:
        """Draw masks and prompts on a copy of an image.

        Args:
            image (np.ndarray): RGB image (H, W, 3) uint8.
            masks (ArrayLike): Binary masks (N, H, W) (or logits, > 0 is
                foreground); may be empty.
            obj_ids (Sequence[int], optional): Id of each mask, for its colour
                and tag. Defaults to None (1..N).
            boxes (ArrayLike, optional): Boxes (K, 4) as (x0, y0, x1, y1) in
                pixels, coloured like the masks when K == N. Defaults to None.
            points (ArrayLike, optional): Clicks (..., 2) in pixels.
                Defaults to None.
            labels (ArrayLike, optional): Click labels (...,), 1 positive and
                0 negative; required with ``points``. Defaults to None.

        Returns:
            np.ndarray: The drawn RGB image (H, W, 3) uint8.
        """
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f'image must be RGB (H, W, 3), got shape {image.shape}')
        masks = _to_numpy(masks)
        masks = (masks > 0) if masks.dtype != bool else masks
        if masks.ndim == 2:
            masks = masks[None]
        if masks.ndim != 3 or masks.shape[1:] != image.shape[:2]:
            raise ValueError(
                f'masks must be (N, {image.shape[0]}, {image.shape[1]}) to match the image, '
                f'got {masks.shape}'
            )
        ids = np.arange(1, len(masks) + 1) if obj_ids is None else np.asarray(obj_ids)
        if len(ids) != len(masks):
            raise ValueError(f'{len(ids)} obj_ids for {len(masks)} masks')
        colors = object_colors(ids)
        canvas = np.ascontiguousarray(image, dtype=np.uint8).copy()
        overlay_masks(canvas, masks, colors, self.alpha)
        if self.line_width > 0:
            draw_mask_contours(canvas, masks, colors, self.line_width)
        if boxes is not None:
            boxes = _to_numpy(boxes).reshape(-1, 4)
            box_colors = colors if len(boxes) == len(masks) else object_colors([1] * len(boxes))
            draw_boxes(canvas, boxes, box_colors, max(self.line_width, 1))
        if points is not None:
            if labels is None:
                raise ValueError('labels must be given with points')
            radius = self.point_radius or max(3, min(image.shape[:2]) // 80)
            draw_points(
                canvas, _to_numpy(points).reshape(-1, 2), _to_numpy(labels).reshape(-1), radius
            )
        if self.draw_ids and len(masks):
            present = masks.any(axis=(1, 2))
            draw_labels(
                canvas,
                [str(i) for i in ids[present]],
                _mask_anchors(masks[present]),
                colors[present],
            )
        return canvas

    def _draw_instances(self, image: np.ndarray, instances: InstanceData) -> np.ndarray:
        """Draw the ``masks`` (and ``obj_ids``, ``bboxes``, ``points``,
        ``point_labels`` when present) of an :class:`InstanceData`."""
        return self.draw_sam2_predictions(
            image,
            instances.masks,
            obj_ids=_to_numpy(instances.get('obj_ids')),
            boxes=instances.get('bboxes'),
            points=instances.get('points'),
            labels=instances.get('point_labels'),
        )

    def add_datasample(
        self,
        name: str,
        image: np.ndarray,
        data_sample: Optional[BaseDataElement] = None,
        draw_gt: bool = True,
        draw_pred: bool = True,
        show: bool = False,
        wait_time: float = 0,
        out_file: Optional[str] = None,
        step: int = 0,
    ) -> np.ndarray:
        """Draw ground truth and / or predictions of a data sample side by side.

        ``data_sample.gt_instances`` and ``data_sample.pred_instances`` hold
        ``masks`` (N, H, W) and optionally ``obj_ids`` (N, ), ``bboxes``
        (N, 4), ``points`` (N, P, 2) and ``point_labels`` (N, P).

        Args:
            name (str): Image identifier for the backends and the window.
            image (np.ndarray): RGB image (H, W, 3) uint8.
            data_sample (BaseDataElement, optional): Annotations and / or
                predictions. Defaults to None (the image alone).
            draw_gt (bool): Draw ``gt_instances``. Defaults to True.
            draw_pred (bool): Draw ``pred_instances``. Defaults to True.
            show (bool): Show the result in a window. Defaults to False.
            wait_time (float): Seconds the window stays. Defaults to 0.
            out_file (str, optional): Write the result to this file instead of
                the backends. Defaults to None.
            step (int): Global step for the backends. Defaults to 0.

        Returns:
            np.ndarray: The drawn RGB image.
        """
        panels = []
        for flag, key in ((draw_gt, 'gt_instances'), (draw_pred, 'pred_instances')):
            if flag and data_sample is not None and key in data_sample:
                panels.append(self._draw_instances(image, data_sample.get(key)))
        drawn = np.concatenate(panels, axis=1) if panels else np.asarray(image, dtype=np.uint8)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            write_rgb_image(drawn, out_file)
        else:
            self.add_image(name, drawn, step)
        return drawn
