"""Promptable image segmentation with the interface of Meta's ``SAM2ImagePredictor``."""

from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from mmsam2.structures.prompt_checks import (
    OUT_OF_IMAGE_TOLERANCE,  # noqa: F401  (kept importable from here)
    PromptError,
    as_real_tensor,
    check_box_order,
    check_finite,
    check_inside_image,
    check_labels,
)
from mmsam2.utils.image_io import pil_to_rgb
from mmsam2.utils.mask_ops import small_components

from .inference import FromConfigMixin

ImageInput = Union[np.ndarray, Image.Image]
PromptArray = Union[np.ndarray, torch.Tensor, Sequence]

#: Returned low-res logits are clamped to +-this (as Meta does).
LOW_RES_LOGIT_LIMIT = 32.0
#: Filled holes get ``mask_threshold + margin``, removed sprinkles ``- margin``.
POSTPROCESS_MARGIN = 10.0


class ImageNotSetError(RuntimeError, ValueError):
    """Prediction asked before an image was set.

    A ``RuntimeError`` as in Meta's SAM 2, and a ``ValueError``.
    """


def image_to_array(image: ImageInput) -> np.ndarray:
    """Check an RGB image and return it as an (H, W, 3) uint8 array.

    Args:
        image (np.ndarray | PIL.Image.Image): An (H, W, 3) uint8 RGB array,
            or a PIL image (converted to RGB; 16-bit grey images are scaled
            to 8 bits, see :func:`mmsam2.utils.image_io.pil_to_rgb`).

    Returns:
        np.ndarray: The image as an (H, W, 3) uint8 array.
    """
    if isinstance(image, Image.Image):
        image = pil_to_rgb(image)
    if not isinstance(image, np.ndarray):
        raise TypeError(f'image must be an np.ndarray or a PIL image, got {type(image)}')
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be an RGB array (H, W, 3), got shape {image.shape}')
    if image.dtype != np.uint8:
        raise ValueError(f'image must be uint8 in [0, 255], got dtype {image.dtype}')
    if min(image.shape[:2]) == 0:
        raise ValueError(f'image is empty: shape {image.shape}')
    return image


def to_model_coords(
    coords: torch.Tensor, image_size: int, orig_hw: Tuple[int, int], normalize: bool
) -> torch.Tensor:
    """Map (x, y) coordinates to pixels of the model input.

    Args:
        coords (torch.Tensor): Coordinates (..., 2).
        image_size (int): Side S of the model input.
        orig_hw (Tuple[int, int]): Original image (h, w).
        normalize (bool): ``coords`` are pixels of the original image; when
            False they are already relative to it, in [0, 1].

    Returns:
        torch.Tensor: Coordinates (..., 2) in model input pixels.
    """
    if normalize:
        h, w = orig_hw
        coords = coords.clone()
        coords[..., 0] = coords[..., 0] / w
        coords[..., 1] = coords[..., 1] / h
    return coords * image_size


class SAM2ImagePredictor(FromConfigMixin):
    """Encode an image once, then predict masks for any number of prompts.

    Method and argument names, shapes and output semantics follow Meta's
    ``sam2.sam2_image_predictor.SAM2ImagePredictor`` (sam2 1.1.0), with these
    differences: feature sizes follow the model's ``image_size`` (Meta
    hard-codes 1024 px), hole filling and sprinkle removal run on CPU too,
    and bad inputs raise a ``ValueError`` that says what is wrong (for
    prompts a :class:`mmsam2.structures.PromptError`, whose checks the video
    predictor shares: NaN / infinite coordinates, boxes with x1 < x0, labels
    other than 1 / 0 / -1 are rejected).

    Args:
        model (torch.nn.Module): A :class:`mmsam2.models.SAM2` model.
        mask_threshold (float): Logit threshold of the binary masks.
            Defaults to 0.0.
        max_hole_area (float): Fill background components of at most this
            many low-res mask pixels before upsampling (0: off).
            Defaults to 0.0.
        max_sprinkle_area (float): Remove foreground components of at most
            this many low-res mask pixels (0: off). Defaults to 0.0.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        mask_threshold: float = 0.0,
        max_hole_area: float = 0.0,
        max_sprinkle_area: float = 0.0,
    ) -> None:
        self.model = model
        self.mask_threshold = mask_threshold
        self.max_hole_area = max_hole_area
        self.max_sprinkle_area = max_sprinkle_area
        self.reset_predictor()

    @property
    def device(self) -> torch.device:
        """Device of the model."""
        return next(self.model.parameters()).device

    def reset_predictor(self) -> None:
        """Forget the image(s) and their features."""
        self._is_image_set = False
        self._features: Optional[Dict[str, Union[torch.Tensor, List[torch.Tensor]]]] = None
        self._orig_hw: Optional[List[Tuple[int, int]]] = None
        self._is_batch = False

    # --------------------------------------------------------------- images
    @torch.no_grad()
    def set_image(self, image: ImageInput) -> None:
        """Compute the features of one image for :meth:`predict`.

        Args:
            image (np.ndarray | PIL.Image.Image): RGB image, (H, W, 3) uint8
                array or PIL image.
        """
        self.reset_predictor()
        array = image_to_array(image)
        self._features = self._encode([array])
        self._orig_hw = [tuple(array.shape[:2])]
        self._is_image_set = True

    @torch.no_grad()
    def set_image_batch(self, image_list: Sequence[ImageInput]) -> None:
        """Compute the features of several images for :meth:`predict_batch`.

        Args:
            image_list (Sequence[np.ndarray | PIL.Image.Image]): RGB images,
                sizes may differ.
        """
        self.reset_predictor()
        if not isinstance(image_list, (list, tuple)) or not image_list:
            raise ValueError('image_list must be a non-empty list of images')
        arrays = [image_to_array(image) for image in image_list]
        self._features = self._encode(arrays)
        self._orig_hw = [tuple(a.shape[:2]) for a in arrays]
        self._is_image_set = True
        self._is_batch = True

    def _encode(
        self, arrays: List[np.ndarray]
    ) -> Dict[str, Union[torch.Tensor, List[torch.Tensor]]]:
        """Image embedding (B, C, S/16, S/16) and high-res features of images."""
        preprocess = self.model.data_preprocessor.preprocess
        inputs = torch.cat([preprocess(torch.tensor(a).permute(2, 0, 1)[None]) for a in arrays])
        feats = self.model.forward_image(inputs).feats
        if self.model.directly_add_no_mem_embed:
            feats[-1] = feats[-1] + self.model.no_mem_embed.view(1, -1, 1, 1)
        return {'image_embed': feats[-1], 'high_res_feats': feats[:-1]}

    def get_image_embedding(self) -> torch.Tensor:
        """Embedding of the set image(s), (B, C, S/16, S/16) (C=256, S=image_size)."""
        self._check_image_set('set_image')
        return self._features['image_embed']

    def _check_image_set(self, setter: str) -> None:
        if not self._is_image_set:
            raise ImageNotSetError(f'an image must be set with .{setter}(...) before prediction')

    # ------------------------------------------------------------- prompts
    def _prep_prompts(
        self,
        point_coords: Optional[PromptArray],
        point_labels: Optional[PromptArray],
        box: Optional[PromptArray],
        mask_logits: Optional[PromptArray],
        normalize_coords: bool,
        img_idx: int = -1,
    ) -> Tuple[
        Optional[torch.Tensor],
        Optional[torch.Tensor],
        Optional[torch.Tensor],
        Optional[torch.Tensor],
    ]:
        """Check user prompts and bring them to model input coordinates.

        Returns:
            Tuple: mask input (B, 1, S/4, S/4), point coords (B, N, 2), point
            labels (B, N) and boxes (B, 2, 2), each None when not given.
        """
        orig_hw = self._orig_hw[img_idx]
        coords = labels = boxes = mask_input = None
        if (point_coords is None) != (point_labels is None):
            raise PromptError('point_coords and point_labels must be given together')
        if point_coords is not None:
            coords, labels = self._prep_points(point_coords, point_labels)
            check_inside_image(coords, orig_hw, normalize_coords, 'point_coords')
            coords = to_model_coords(coords, self.model.image_size, orig_hw, normalize_coords)
        if box is not None:
            boxes = self._prep_boxes(box)
            check_inside_image(boxes, orig_hw, normalize_coords, 'box corners')
            boxes = to_model_coords(boxes, self.model.image_size, orig_hw, normalize_coords)
        if coords is not None and boxes is not None and len(coords) != len(boxes):
            raise PromptError(f'{len(boxes)} boxes but {len(coords)} sets of points')
        if mask_logits is not None:
            mask_input = self._prep_mask_input(mask_logits)
            sparse = coords if coords is not None else boxes
            if sparse is not None and len(mask_input) != len(sparse):
                if len(mask_input) != 1:
                    raise PromptError(f'{len(mask_input)} mask inputs for {len(sparse)} prompts')
                mask_input = mask_input.expand(len(sparse), -1, -1, -1)
        return mask_input, coords, labels, boxes

    def _prep_points(
        self, point_coords: PromptArray, point_labels: PromptArray
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Points (N, 2) / (B, N, 2) and labels (N, ) / (B, N) -> batched tensors.

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Finite coords (B, N, 2) float32
            and labels (B, N) int32 in {-1, 0, 1}, on the model's device.
        """
        coords = as_real_tensor(point_coords, 'point_coords')
        labels = as_real_tensor(point_labels, 'point_labels')
        if coords.dim() not in (2, 3) or coords.shape[-1] != 2:
            raise PromptError(
                f'point_coords must be (N, 2) or (B, N, 2), got {tuple(coords.shape)}'
            )
        if labels.shape != coords.shape[:-1]:
            raise PromptError(
                f'point_labels must have shape {tuple(coords.shape[:-1])} to match '
                f'point_coords {tuple(coords.shape)}, got {tuple(labels.shape)}'
            )
        if coords.numel() == 0:
            raise PromptError(
                f'point_coords {tuple(coords.shape)} holds no click: give at least one'
            )
        check_finite(coords, 'point_coords')
        labels = check_labels(labels, 'point_labels', allow_padding=True)
        if coords.dim() == 2:
            coords, labels = coords[None], labels[None]
        return coords.to(self.device, torch.float32), labels.to(self.device)

    def _prep_boxes(self, box: PromptArray) -> torch.Tensor:
        """Box (4, ) / boxes (B, 4) -> finite, ordered corners (B, 2, 2) float32."""
        boxes = as_real_tensor(box, 'box')
        if boxes.shape[-1:] != (4,) or boxes.dim() > 2 or boxes.numel() == 0:
            raise PromptError(
                f'box must be (4, ) or (B, 4) as x0, y0, x1, y1 (B >= 1), got {tuple(boxes.shape)}'
            )
        corners = boxes.reshape(-1, 2, 2)
        check_finite(corners, 'box')
        check_box_order(corners, 'box')
        return corners.to(self.device, torch.float32)

    def _prep_mask_input(self, mask_logits: PromptArray) -> torch.Tensor:
        """Low-res mask logits (1, h, w) / (B, 1, h, w) -> finite (B, 1, h, w) tensor."""
        mask_input = as_real_tensor(mask_logits, 'mask_input')
        if mask_input.dim() == 3:
            mask_input = mask_input[None]
        size = tuple(self.model.prompt_encoder.mask_input_size)
        if (
            mask_input.dim() != 4
            or tuple(mask_input.shape[1:]) != (1, *size)
            or not len(mask_input)
        ):
            raise PromptError(
                f'mask_input must be low-res logits (1, {size[0]}, {size[1]}) or '
                f'(B, 1, {size[0]}, {size[1]}) as returned by predict, got '
                f'{tuple(mask_input.shape)}'
            )
        check_finite(mask_input, 'mask_input')
        return mask_input.to(self.device, torch.float32)

    # ----------------------------------------------------------- predicting
    def predict(
        self,
        point_coords: Optional[PromptArray] = None,
        point_labels: Optional[PromptArray] = None,
        box: Optional[PromptArray] = None,
        mask_input: Optional[PromptArray] = None,
        multimask_output: bool = True,
        return_logits: bool = False,
        normalize_coords: bool = True,
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predict masks for prompts on the image set by :meth:`set_image`.

        Args:
            point_coords (PromptArray, optional): Clicks (N, 2) as (x, y), or
                (B, N, 2) for B objects. Defaults to None.
            point_labels (PromptArray, optional): Click labels (N, ) or
                (B, N): 1 foreground, 0 background, -1 padding (ignored; for
                click sets of different lengths). Labels 2 / 3 (box corners)
                are rejected: give boxes with ``box``. Defaults to None.
            box (PromptArray, optional): Box (4, ) or boxes (B, 4) as
                (x0, y0, x1, y1). Defaults to None.
            mask_input (PromptArray, optional): Low-res logits (1, S/4, S/4)
                or (B, 1, S/4, S/4) from an earlier :meth:`predict`.
                Defaults to None.
            multimask_output (bool): Return 3 masks (best for ambiguous
                prompts such as one click) instead of 1. Defaults to True.
            return_logits (bool): Return mask logits instead of binary masks.
                Defaults to False.
            normalize_coords (bool): Coordinates are pixels of the image; when
                False they are relative to it, in [0, 1]. Defaults to True.

        Returns:
            Tuple[np.ndarray, np.ndarray, np.ndarray]: Masks (C, H, W) float32
            (0 / 1, or logits), H, W the image size and C 3 or 1; predicted
            IoUs (C, ); low-res logits (C, S/4, S/4). With B objects each
            gets a leading B dimension.
        """
        self._check_image_set('set_image')
        if self._is_batch:
            raise ValueError('a batch of images is set: use predict_batch')
        return self._predict_image(
            -1,
            point_coords,
            point_labels,
            box,
            mask_input,
            multimask_output,
            return_logits,
            normalize_coords,
        )

    def predict_batch(
        self,
        point_coords_batch: Optional[List[PromptArray]] = None,
        point_labels_batch: Optional[List[PromptArray]] = None,
        box_batch: Optional[List[PromptArray]] = None,
        mask_input_batch: Optional[List[PromptArray]] = None,
        multimask_output: bool = True,
        return_logits: bool = False,
        normalize_coords: bool = True,
    ) -> Tuple[List[np.ndarray], List[np.ndarray], List[np.ndarray]]:
        """Predict masks on each image set by :meth:`set_image_batch`.

        Args:
            point_coords_batch (List[PromptArray], optional): Clicks of each
                image, as in :meth:`predict`. Defaults to None.
            point_labels_batch (List[PromptArray], optional): Their labels.
                Defaults to None.
            box_batch (List[PromptArray], optional): Boxes of each image.
                Defaults to None.
            mask_input_batch (List[PromptArray], optional): Mask inputs of
                each image. Defaults to None.
            multimask_output (bool): Return 3 masks per prompt. Defaults to True.
            return_logits (bool): Return logits. Defaults to False.
            normalize_coords (bool): Pixel coordinates. Defaults to True.

        Returns:
            Tuple[List[np.ndarray], List[np.ndarray], List[np.ndarray]]: Per
            image, the outputs of :meth:`predict`.
        """
        self._check_image_set('set_image_batch')
        if not self._is_batch:
            raise ValueError('a single image is set: use predict, or set_image_batch first')
        num_images = len(self._orig_hw)
        prompt_lists = [point_coords_batch, point_labels_batch, box_batch, mask_input_batch]
        for prompts in prompt_lists:
            if prompts is not None and len(prompts) != num_images:
                raise ValueError(f'{len(prompts)} prompts for {num_images} images')
        outputs = [
            self._predict_image(
                i,
                *[None if p is None else p[i] for p in prompt_lists],
                multimask_output,
                return_logits,
                normalize_coords,
            )
            for i in range(num_images)
        ]
        masks, ious, low_res = zip(*outputs) if outputs else ([], [], [])
        return list(masks), list(ious), list(low_res)

    def _predict_image(
        self,
        img_idx: int,
        point_coords: Optional[PromptArray],
        point_labels: Optional[PromptArray],
        box: Optional[PromptArray],
        mask_input: Optional[PromptArray],
        multimask_output: bool,
        return_logits: bool,
        normalize_coords: bool,
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """User prompts of one image -> numpy outputs of :meth:`predict`."""
        mask_input, coords, labels, boxes = self._prep_prompts(
            point_coords, point_labels, box, mask_input, normalize_coords, img_idx
        )
        masks, ious, low_res = self._predict(
            coords, labels, boxes, mask_input, multimask_output, return_logits, img_idx
        )
        return tuple(x.squeeze(0).float().cpu().numpy() for x in (masks, ious, low_res))

    @torch.no_grad()
    def _predict(
        self,
        point_coords: Optional[torch.Tensor],
        point_labels: Optional[torch.Tensor],
        boxes: Optional[torch.Tensor] = None,
        mask_input: Optional[torch.Tensor] = None,
        multimask_output: bool = True,
        return_logits: bool = False,
        img_idx: int = -1,
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Predict from prompts already in model input coordinates.

        Args:
            point_coords (torch.Tensor, optional): Clicks (B, N, 2) in model
                input pixels.
            point_labels (torch.Tensor, optional): Labels (B, N).
            boxes (torch.Tensor, optional): Boxes (B, 4) or corners (B, 2, 2)
                in model input pixels. Defaults to None.
            mask_input (torch.Tensor, optional): Low-res logits
                (B, 1, S/4, S/4). Defaults to None.
            multimask_output (bool): Return 3 masks. Defaults to True.
            return_logits (bool): Return logits. Defaults to False.
            img_idx (int): Image of the batch. Defaults to -1.

        Returns:
            Tuple[torch.Tensor, torch.Tensor, torch.Tensor]: Masks
            (B, C, H, W) at the image size (bool, or logits), IoUs (B, C) and
            low-res logits (B, C, S/4, S/4) clamped to +-32.
        """
        self._check_image_set('set_image')
        points = None if point_coords is None else (point_coords, point_labels)
        if boxes is not None:
            corners = boxes.reshape(-1, 2, 2)
            corner_labels = torch.tensor([[2, 3]], dtype=torch.int, device=boxes.device)
            corner_labels = corner_labels.expand(len(corners), -1)
            if points is None:
                points = (corners, corner_labels)
            else:  # box corners go first, as in Meta's predictor
                points = (
                    torch.cat([corners, points[0]], 1),
                    torch.cat([corner_labels, points[1]], 1),
                )
        sparse, dense = self.model.prompt_encoder(points=points, boxes=None, masks=mask_input)
        num_prompts = len(points[0]) if points is not None else len(sparse)
        high_res = [f[img_idx].unsqueeze(0) for f in self._features['high_res_feats']]
        low_res, ious, _, _ = self.model.mask_decoder(
            image_embeddings=self._features['image_embed'][img_idx].unsqueeze(0),
            image_pe=self.model.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask_output,
            repeat_image=num_prompts > 1,  # B objects (clicks, boxes or mask inputs alone)
            high_res_features=high_res or None,
        )
        masks = self._postprocess_masks(low_res, self._orig_hw[img_idx])
        low_res = low_res.clamp(-LOW_RES_LOGIT_LIMIT, LOW_RES_LOGIT_LIMIT)
        if not return_logits:
            masks = masks > self.mask_threshold
        return masks, ious, low_res

    def _postprocess_masks(self, low_res: torch.Tensor, orig_hw: Tuple[int, int]) -> torch.Tensor:
        """Fill holes / remove sprinkles on low-res logits, then resize them.

        Both kinds of components are found on the decoder's logits (as Meta
        does), then holes are set to ``mask_threshold + 10`` and sprinkles to
        ``mask_threshold - 10``.

        Args:
            low_res (torch.Tensor): Logits (B, C, S/4, S/4).
            orig_hw (Tuple[int, int]): Image (h, w).

        Returns:
            torch.Tensor: Logits (B, C, h, w).
        """
        masks = low_res.float()
        foreground = masks > self.mask_threshold
        changes = []
        if self.max_hole_area > 0:
            holes = small_components(~foreground, self.max_hole_area)
            changes.append((holes, self.mask_threshold + POSTPROCESS_MARGIN))
        if self.max_sprinkle_area > 0:
            sprinkles = small_components(foreground, self.max_sprinkle_area)
            changes.append((sprinkles, self.mask_threshold - POSTPROCESS_MARGIN))
        for region, value in changes:
            masks = torch.where(region, value, masks)
        return F.interpolate(masks, orig_hw, mode='bilinear', align_corners=False)
