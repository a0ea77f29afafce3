"""Automatic mask generation with the interface of Meta's ``SAM2AutomaticMaskGenerator``."""

import sys
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.utils import ProgressBar

from mmsam2.utils.amg import (
    MaskData,
    batch_iterator,
    box_xyxy_to_xywh,
    build_all_layer_point_grids,
    calculate_stability_score,
    generate_crop_boxes,
    is_box_near_crop_edge,
    uncrop_boxes_xyxy,
    uncrop_masks,
    uncrop_points,
)
from mmsam2.utils.mask_ops import batched_mask_to_box, remove_small_regions
from mmsam2.utils.nms import batched_nms, box_area
from mmsam2.utils.rle import area_from_rle, coco_encode_rle, mask_to_rle, rle_to_mask

from .image_predictor import SAM2ImagePredictor, image_to_array, to_model_coords
from .inference import FromConfigMixin

OUTPUT_MODES = ('binary_mask', 'uncompressed_rle', 'coco_rle')


class SAM2AutomaticMaskGenerator(FromConfigMixin):
    """Segment everything: prompt SAM 2 with a grid of clicks, keep good, distinct masks.

    Arguments and the records returned by :meth:`generate` are those of Meta's
    ``sam2.automatic_mask_generator.SAM2AutomaticMaskGenerator`` (sam2 1.1.0).
    Unlike Meta's code on CPU, ``min_mask_region_area`` really removes small
    holes and sprinkles (on the low-res logits, through the predictor's
    ``max_hole_area`` / ``max_sprinkle_area``).

    Args:
        model (torch.nn.Module): A :class:`mmsam2.models.SAM2` model.
        points_per_side (int, optional): Clicks per image side; None when
            ``point_grids`` is given. Defaults to 32.
        points_per_batch (int): Clicks run through the decoder at once.
            Defaults to 64.
        pred_iou_thresh (float): Keep masks whose predicted IoU is above
            this. Defaults to 0.8.
        stability_score_thresh (float): Keep masks whose stability score is
            at least this. Defaults to 0.95.
        stability_score_offset (float): Logit offset of the stability score.
            Defaults to 1.0.
        mask_threshold (float): Logit threshold of the masks. Defaults to 0.0.
        box_nms_thresh (float): Box IoU of duplicates within a crop.
            Defaults to 0.7.
        crop_n_layers (int): Crop layers (layer i has (2**i)**2 crops).
            Defaults to 0.
        crop_nms_thresh (float): Box IoU of duplicates between crops.
            Defaults to 0.7.
        crop_overlap_ratio (float): Overlap of layer-1 crops as a fraction of
            the short image side. Defaults to 512 / 1500.
        crop_n_points_downscale_factor (int): Layer i uses
            ``points_per_side / factor**i`` clicks per side. Defaults to 1.
        point_grids (List[np.ndarray], optional): Explicit click grids in
            [0, 1]^2, one per crop layer. Defaults to None.
        min_mask_region_area (int): Fill holes and remove sprinkles of at most
            this many low-res mask pixels (0: off). Defaults to 0.
        output_mode (str): ``'binary_mask'``, ``'uncompressed_rle'`` or
            ``'coco_rle'``. Defaults to 'binary_mask'.
        use_m2m (bool): Refine each mask once, with its own logits as mask
            prompt. Defaults to False.
        multimask_output (bool): 3 masks per click. Defaults to True.
        show_progress (bool): Show a progress bar over click batches.
            Defaults to False.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        points_per_side: Optional[int] = 32,
        points_per_batch: int = 64,
        pred_iou_thresh: float = 0.8,
        stability_score_thresh: float = 0.95,
        stability_score_offset: float = 1.0,
        mask_threshold: float = 0.0,
        box_nms_thresh: float = 0.7,
        crop_n_layers: int = 0,
        crop_nms_thresh: float = 0.7,
        crop_overlap_ratio: float = 512 / 1500,
        crop_n_points_downscale_factor: int = 1,
        point_grids: Optional[List[np.ndarray]] = None,
        min_mask_region_area: int = 0,
        output_mode: str = 'binary_mask',
        use_m2m: bool = False,
        multimask_output: bool = True,
        show_progress: bool = False,
    ) -> None:
        if (points_per_side is None) == (point_grids is None):
            raise ValueError('give exactly one of points_per_side and point_grids')
        if point_grids is None:
            point_grids = build_all_layer_point_grids(
                points_per_side, crop_n_layers, crop_n_points_downscale_factor
            )
        if len(point_grids) < crop_n_layers + 1:
            raise ValueError(
                f'{len(point_grids)} point grids for {crop_n_layers + 1} crop layers '
                '(one grid per layer, the whole image included)'
            )
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f'output_mode must be one of {OUTPUT_MODES}, got {output_mode!r}')
        self.point_grids = point_grids
        self.predictor = SAM2ImagePredictor(
            model, max_hole_area=min_mask_region_area, max_sprinkle_area=min_mask_region_area
        )
        self.points_per_batch = points_per_batch
        self.pred_iou_thresh = pred_iou_thresh
        self.stability_score_thresh = stability_score_thresh
        self.stability_score_offset = stability_score_offset
        self.mask_threshold = mask_threshold
        self.box_nms_thresh = box_nms_thresh
        self.crop_n_layers = crop_n_layers
        self.crop_nms_thresh = crop_nms_thresh
        self.crop_overlap_ratio = crop_overlap_ratio
        self.crop_n_points_downscale_factor = crop_n_points_downscale_factor
        self.min_mask_region_area = min_mask_region_area
        self.output_mode = output_mode
        self.use_m2m = use_m2m
        self.multimask_output = multimask_output
        self.show_progress = show_progress

    @torch.no_grad()
    def generate(self, image: np.ndarray) -> List[Dict[str, Any]]:
        """Generate masks for a whole image.

        Args:
            image (np.ndarray): RGB image (H, W, 3) uint8.

        Returns:
            List[dict]: One record per mask: ``segmentation`` ((H, W) bool
            array, or an RLE dict per ``output_mode``), ``area`` (int),
            ``bbox`` (XYWH), ``predicted_iou``, ``point_coords`` ([[x, y]],
            the click), ``stability_score`` and ``crop_box`` (XYWH).
        """
        data = self._generate_masks(image_to_array(image))
        if self.output_mode == 'coco_rle':
            segmentations = [coco_encode_rle(rle) for rle in data['rles']]
        elif self.output_mode == 'binary_mask':
            segmentations = [rle_to_mask(rle) for rle in data['rles']]
        else:
            segmentations = data['rles']
        return [
            {
                'segmentation': segmentation,
                'area': area_from_rle(data['rles'][i]),
                'bbox': box_xyxy_to_xywh(data['boxes'][i]).tolist(),
                'predicted_iou': data['iou_preds'][i].item(),
                'point_coords': [data['points'][i].tolist()],
                'stability_score': data['stability_score'][i].item(),
                'crop_box': box_xyxy_to_xywh(data['crop_boxes'][i]).tolist(),
            }
            for i, segmentation in enumerate(segmentations)
        ]

    def _generate_masks(self, image: np.ndarray) -> MaskData:
        """Masks of every crop, deduplicated across crops (smaller crops win)."""
        orig_size = image.shape[:2]
        crop_boxes, layer_idxs = generate_crop_boxes(
            orig_size, self.crop_n_layers, self.crop_overlap_ratio
        )
        progress = self._progress_bar(crop_boxes, layer_idxs)
        data = MaskData()
        for crop_box, layer_idx in zip(crop_boxes, layer_idxs):
            data.cat(self._process_crop(image, crop_box, layer_idx, orig_size, progress))
        if len(crop_boxes) > 1:
            scores = 1 / box_area(data['crop_boxes'])
            keep = batched_nms(
                data['boxes'].float(),
                scores.to(data['boxes'].device),
                torch.zeros_like(data['boxes'][:, 0]),
                iou_threshold=self.crop_nms_thresh,
            )
            data.filter(keep)
        data.to_numpy()
        return data

    def _progress_bar(
        self, crop_boxes: List[List[int]], layer_idxs: List[int]
    ) -> Optional[ProgressBar]:
        """A bar over all click batches of all crops, or None."""
        if not self.show_progress:
            return None
        per_batch = self.points_per_batch
        total = sum(-(-len(self.point_grids[layer]) // per_batch) for layer in layer_idxs)
        return ProgressBar(total, file=sys.stdout)

    def _process_crop(
        self,
        image: np.ndarray,
        crop_box: List[int],
        crop_layer_idx: int,
        orig_size: Tuple[int, int],
        progress: Optional[ProgressBar] = None,
    ) -> MaskData:
        """Masks of one crop, deduplicated, in image coordinates."""
        x0, y0, x1, y1 = crop_box
        cropped = image[y0:y1, x0:x1, :]
        cropped_size = cropped.shape[:2]
        self.predictor.set_image(cropped)
        points = self.point_grids[crop_layer_idx] * np.array(cropped_size)[None, ::-1]
        data = MaskData()
        for (batch,) in batch_iterator(self.points_per_batch, points):
            data.cat(self._process_batch(batch, cropped_size, crop_box, orig_size, normalize=True))
            if progress is not None:
                progress.update()
        self.predictor.reset_predictor()
        keep = batched_nms(
            data['boxes'].float(),
            data['iou_preds'],
            torch.zeros_like(data['boxes'][:, 0]),
            iou_threshold=self.box_nms_thresh,
        )
        data.filter(keep)
        data['boxes'] = uncrop_boxes_xyxy(data['boxes'], crop_box)
        data['points'] = uncrop_points(data['points'], crop_box)
        data['crop_boxes'] = torch.tensor([crop_box]).repeat(len(data['rles']), 1)
        return data

    def _process_batch(
        self,
        points: np.ndarray,
        im_size: Tuple[int, int],
        crop_box: List[int],
        orig_size: Tuple[int, int],
        normalize: bool = False,
    ) -> MaskData:
        """Masks of one batch of clicks, filtered by quality and crop edges, as RLEs."""
        orig_h, orig_w = orig_size
        points = torch.as_tensor(points, dtype=torch.float32, device=self.predictor.device)
        in_points = to_model_coords(points, self.predictor.model.image_size, im_size, normalize)
        in_labels = torch.ones(len(in_points), dtype=torch.int, device=in_points.device)
        masks, iou_preds, low_res_masks = self.predictor._predict(
            in_points[:, None, :],
            in_labels[:, None],
            multimask_output=self.multimask_output,
            return_logits=True,
        )
        data = MaskData(
            masks=masks.flatten(0, 1),
            iou_preds=iou_preds.flatten(0, 1),
            points=points.repeat_interleave(masks.shape[1], dim=0),
            low_res_masks=low_res_masks.flatten(0, 1),
        )
        del masks
        if self.use_m2m:
            in_points = to_model_coords(
                data['points'], self.predictor.model.image_size, im_size, normalize
            )
            labels = torch.ones(len(in_points), dtype=torch.int, device=in_points.device)
            masks, ious = self.refine_with_m2m(
                in_points, labels, data['low_res_masks'], self.points_per_batch
            )
            data['masks'], data['iou_preds'] = masks.squeeze(1), ious.squeeze(1)
        self._filter_by_quality(data)
        data['masks'] = data['masks'] > self.mask_threshold
        data['boxes'] = batched_mask_to_box(data['masks'])
        near_edge = is_box_near_crop_edge(data['boxes'], crop_box, [0, 0, orig_w, orig_h])
        if near_edge.any():
            data.filter(~near_edge)
        data['rles'] = mask_to_rle(uncrop_masks(data['masks'], crop_box, orig_h, orig_w))
        del data['masks']
        return data

    def _filter_by_quality(self, data: MaskData) -> None:
        """Drop masks under the predicted IoU and stability thresholds, in place."""
        if self.pred_iou_thresh > 0.0:
            data.filter(data['iou_preds'] > self.pred_iou_thresh)
        data['stability_score'] = calculate_stability_score(
            data['masks'], self.mask_threshold, self.stability_score_offset
        )
        if self.stability_score_thresh > 0.0:
            data.filter(data['stability_score'] >= self.stability_score_thresh)

    def refine_with_m2m(
        self,
        points: torch.Tensor,
        point_labels: torch.Tensor,
        low_res_masks: torch.Tensor,
        points_per_batch: int,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Predict each mask again from its click and its own low-res logits.

        Args:
            points (torch.Tensor): Clicks (N, 2) in model input pixels.
            point_labels (torch.Tensor): Labels (N, ).
            low_res_masks (torch.Tensor): Logits (N, S/4, S/4).
            points_per_batch (int): Clicks per decoder call.

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Mask logits (N, 1, H, W) and
            IoUs (N, 1).
        """
        masks, ious = [], []
        for batch_points, batch_labels, batch_logits in batch_iterator(
            points_per_batch, points, point_labels, low_res_masks
        ):
            batch_masks, batch_ious, _ = self.predictor._predict(
                batch_points[:, None, :],
                batch_labels[:, None],
                mask_input=batch_logits[:, None],
                multimask_output=False,
                return_logits=True,
            )
            masks.append(batch_masks)
            ious.append(batch_ious)
        return torch.cat(masks), torch.cat(ious)

    @staticmethod
    def postprocess_small_regions(
        mask_data: MaskData, min_area: int, nms_thresh: float
    ) -> MaskData:
        """Remove small islands and holes from final masks, then drop new duplicates.

        Works on full-resolution masks (``mask_data`` holds ``rles`` and
        ``boxes``), edited in place; unchanged masks win the NMS.

        Args:
            mask_data (MaskData): Output of the generation (with ``rles``).
            min_area (int): Regions smaller than this many pixels are changed.
            nms_thresh (float): Box IoU of duplicates.

        Returns:
            MaskData: ``mask_data``.
        """
        if len(mask_data['rles']) == 0:
            return mask_data
        masks, scores = [], []
        for rle in mask_data['rles']:
            mask, holes_changed = remove_small_regions(rle_to_mask(rle), min_area, 'holes')
            mask, islands_changed = remove_small_regions(mask, min_area, 'islands')
            masks.append(torch.as_tensor(mask))
            scores.append(0.0 if holes_changed or islands_changed else 1.0)
        masks = torch.stack(masks)
        boxes = batched_mask_to_box(masks)
        keep = batched_nms(boxes.float(), torch.tensor(scores), torch.zeros(len(boxes)), nms_thresh)
        for i in keep.tolist():
            if scores[i] == 0.0:
                mask_data['rles'][i] = mask_to_rle(masks[i][None])[0]
                mask_data['boxes'][i] = boxes[i]
        mask_data.filter(keep)
        return mask_data
