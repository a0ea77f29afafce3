"""SAM 2's mask decoder: masks, IoU scores, object scores and output tokens."""

from typing import Dict, List, Optional, Tuple, Type, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmsam2.models.layers import MLP, LayerNorm2d
from mmsam2.registry import MODELS

#: Object score logit reported when the decoder has no object score head
#: (sigmoid(10) ~ 1, i.e. the object is always present).
DEFAULT_OBJECT_SCORE_LOGIT = 10.0
#: Transformer of SAM 2's mask decoder.
DEFAULT_TRANSFORMER = dict(
    type='TwoWayTransformer', depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8
)


@MODELS.register_module()
class MaskDecoder(BaseModule):
    """Predict masks from image and prompt embeddings with a two-way transformer.

    Learnt output tokens (an optional object score token, an IoU token and
    ``num_multimask_outputs + 1`` mask tokens) are prepended to the sparse
    prompt embeddings and run through the transformer together with the image
    embeddings (plus the dense prompt embeddings). The image embeddings are
    upscaled 4x, optionally fused with high-resolution backbone features, and
    each mask token's hypernetwork MLP turns it into a dot-product mask
    classifier. Mask token 0 gives the single-mask output, tokens 1.. the
    multi-mask outputs.

    Args:
        transformer_dim (int): Channels C of the transformer. Defaults to 256.
        transformer (dict, optional): Config of the transformer. Defaults to
            None, meaning :data:`DEFAULT_TRANSFORMER` (a ``TwoWayTransformer``
            of depth 2, width 256, MLP width 2048 and 8 heads).
        num_multimask_outputs (int): Number of masks of the multi-mask output.
            Defaults to 3.
        activation (Type[nn.Module]): Activation class of the upscaling
            stack. Defaults to nn.GELU.
        iou_head_depth (int): Number of layers of the IoU head. Defaults to 3.
        iou_head_hidden_dim (int): Hidden channels of the IoU head.
            Defaults to 256.
        use_high_res_features (bool): Add projected stride-4 and stride-8
            backbone features while upscaling. Defaults to False.
        iou_prediction_use_sigmoid (bool): Apply a sigmoid to the IoU
            predictions. Defaults to False.
        dynamic_multimask_via_stability (bool): In eval mode with single-mask
            output, fall back to the best multi-mask output when the single
            mask is unstable. Defaults to False.
        dynamic_multimask_stability_delta (float): Logit offset of the
            stability score thresholds. Defaults to 0.05.
        dynamic_multimask_stability_thresh (float): Minimum stability score of
            a single mask to keep it. Defaults to 0.98.
        pred_obj_scores (bool): Predict an object score logit from a
            dedicated token. Defaults to False.
        pred_obj_scores_mlp (bool): Use a 3-layer MLP instead of a linear
            layer as object score head. Defaults to False.
        use_multimask_token_for_obj_ptr (bool): Return the multi-mask tokens
            (instead of the single-mask token) as output tokens when
            multi-mask output is requested. Defaults to False.
        init_cfg (dict or List[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(
        self,
        transformer_dim: int = 256,
        transformer: Optional[Dict] = None,
        num_multimask_outputs: int = 3,
        activation: Type[nn.Module] = nn.GELU,
        iou_head_depth: int = 3,
        iou_head_hidden_dim: int = 256,
        use_high_res_features: bool = False,
        iou_prediction_use_sigmoid: bool = False,
        dynamic_multimask_via_stability: bool = False,
        dynamic_multimask_stability_delta: float = 0.05,
        dynamic_multimask_stability_thresh: float = 0.98,
        pred_obj_scores: bool = False,
        pred_obj_scores_mlp: bool = False,
        use_multimask_token_for_obj_ptr: bool = False,
        init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.transformer_dim = transformer_dim
        self.transformer = MODELS.build(DEFAULT_TRANSFORMER if transformer is None else transformer)
        self.num_multimask_outputs = num_multimask_outputs
        self.num_mask_tokens = num_multimask_outputs + 1
        self.pred_obj_scores = pred_obj_scores
        self.use_multimask_token_for_obj_ptr = use_multimask_token_for_obj_ptr
        self.use_high_res_features = use_high_res_features
        self.dynamic_multimask_via_stability = dynamic_multimask_via_stability
        self.dynamic_multimask_stability_delta = dynamic_multimask_stability_delta
        self.dynamic_multimask_stability_thresh = dynamic_multimask_stability_thresh

        self.iou_token = nn.Embedding(1, transformer_dim)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, transformer_dim)
        if pred_obj_scores:
            self.obj_score_token = nn.Embedding(1, transformer_dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(transformer_dim, transformer_dim // 4, kernel_size=2, stride=2),
            LayerNorm2d(transformer_dim // 4),
            activation(),
            nn.ConvTranspose2d(transformer_dim // 4, transformer_dim // 8, kernel_size=2, stride=2),
            activation(),
        )
        if use_high_res_features:
            self.conv_s0 = nn.Conv2d(transformer_dim, transformer_dim // 8, kernel_size=1)
            self.conv_s1 = nn.Conv2d(transformer_dim, transformer_dim // 4, kernel_size=1)
        self.output_hypernetworks_mlps = nn.ModuleList(
            MLP(transformer_dim, transformer_dim, transformer_dim // 8, 3)
            for _ in range(self.num_mask_tokens)
        )
        self.iou_prediction_head = MLP(
            transformer_dim,
            iou_head_hidden_dim,
            self.num_mask_tokens,
            iou_head_depth,
            sigmoid_output=iou_prediction_use_sigmoid,
        )
        if pred_obj_scores:
            self.pred_obj_score_head = (
                MLP(transformer_dim, transformer_dim, 1, 3)
                if pred_obj_scores_mlp
                else nn.Linear(transformer_dim, 1)
            )

    def forward(
        self,
        image_embeddings: torch.Tensor,
        image_pe: torch.Tensor,
        sparse_prompt_embeddings: torch.Tensor,
        dense_prompt_embeddings: torch.Tensor,
        multimask_output: bool,
        repeat_image: bool,
        high_res_features: Optional[List[torch.Tensor]] = None,
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Predict masks for a batch of prompts.

        Args:
            image_embeddings (torch.Tensor): Image embeddings (B_img, C, H, W),
                B_img = B unless ``repeat_image``.
            image_pe (torch.Tensor): Image position encoding (1, C, H, W),
                see :meth:`PromptEncoder.get_dense_pe`.
            sparse_prompt_embeddings (torch.Tensor): Point/box embeddings
                (B, N, C).
            dense_prompt_embeddings (torch.Tensor): Mask embeddings
                (B, C, H, W).
            multimask_output (bool): Return the multi-mask outputs instead of
                the single mask.
            repeat_image (bool): Repeat every image embedding B times along the
                batch (one image, several prompt sets).
            high_res_features (List[torch.Tensor], optional): Stride-4 and
                stride-8 features already projected by ``conv_s0`` and
                ``conv_s1``, (B, C/8, 4H, 4W) and (B, C/4, 2H, 2W); required
                with ``use_high_res_features``. Defaults to None.

        Returns:
            Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
            Mask logits (B, M, 4H, 4W) and IoU predictions (B, M), with
            M = ``num_multimask_outputs`` or 1; output tokens (B, M', C), the
            multi-mask tokens (M' = ``num_multimask_outputs``) when
            ``multimask_output`` and ``use_multimask_token_for_obj_ptr``, else
            the single-mask token (M' = 1); object score logits (B, 1).
        """
        masks, iou_pred, mask_tokens_out, object_score_logits = self.predict_masks(
            image_embeddings,
            image_pe,
            sparse_prompt_embeddings,
            dense_prompt_embeddings,
            repeat_image,
            high_res_features,
        )
        if multimask_output:
            masks, iou_pred = masks[:, 1:], iou_pred[:, 1:]
        elif self.dynamic_multimask_via_stability and not self.training:
            masks, iou_pred = self._dynamic_multimask_via_stability(masks, iou_pred)
        else:
            masks, iou_pred = masks[:, :1], iou_pred[:, :1]
        if multimask_output and self.use_multimask_token_for_obj_ptr:
            sam_tokens_out = mask_tokens_out[:, 1:]
        else:
            sam_tokens_out = mask_tokens_out[:, :1]
        return masks, iou_pred, sam_tokens_out, object_score_logits

    def _output_tokens(self, batch: int) -> torch.Tensor:
        """Learnt output tokens, (batch, [1 +] 1 + num_mask_tokens, C)."""
        weights = [self.iou_token.weight, self.mask_tokens.weight]
        if self.pred_obj_scores:
            weights.insert(0, self.obj_score_token.weight)
        return torch.cat(weights).unsqueeze(0).expand(batch, -1, -1)

    def _upscale(
        self, src: torch.Tensor, high_res_features: Optional[List[torch.Tensor]]
    ) -> torch.Tensor:
        """Upscale image embeddings 4x, fusing high-resolution features if enabled.

        Args:
            src (torch.Tensor): Image embeddings (B, C, H, W).
            high_res_features (List[torch.Tensor], optional): Projected
                features (B, C/8, 4H, 4W) and (B, C/4, 2H, 2W).

        Returns:
            torch.Tensor: Upscaled embeddings (B, C/8, 4H, 4W).
        """
        if not self.use_high_res_features:
            return self.output_upscaling(src)
        if high_res_features is None or len(high_res_features) != 2:
            raise ValueError(
                'use_high_res_features=True needs high_res_features=[feat_s0, feat_s1]'
            )
        deconv1, norm1, act1, deconv2, act2 = self.output_upscaling
        feat_s0, feat_s1 = high_res_features
        upscaled = act1(norm1(deconv1(src) + feat_s1))
        return act2(deconv2(upscaled) + feat_s0)

    def predict_masks(
        self,
        image_embeddings: torch.Tensor,
        image_pe: torch.Tensor,
        sparse_prompt_embeddings: torch.Tensor,
        dense_prompt_embeddings: torch.Tensor,
        repeat_image: bool,
        high_res_features: Optional[List[torch.Tensor]] = None,
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Predict the masks of all mask tokens (see :meth:`forward`).

        Args:
            image_embeddings (torch.Tensor): Image embeddings (B_img, C, H, W).
            image_pe (torch.Tensor): Image position encoding (1, C, H, W).
            sparse_prompt_embeddings (torch.Tensor): Sparse prompts (B, N, C).
            dense_prompt_embeddings (torch.Tensor): Dense prompts (B, C, H, W).
            repeat_image (bool): Repeat every image embedding B times.
            high_res_features (List[torch.Tensor], optional): Projected
                high-resolution features. Defaults to None.

        Returns:
            Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
            Mask logits (B, T, 4H, 4W), IoU predictions (B, T), mask tokens
            (B, T, C) and object score logits (B, 1), T = num_mask_tokens.

        Raises:
            ValueError: If batch sizes or ``image_pe`` do not fit.
        """
        batch = sparse_prompt_embeddings.shape[0]
        tokens = torch.cat([self._output_tokens(batch), sparse_prompt_embeddings], dim=1)
        if repeat_image:
            src = torch.repeat_interleave(image_embeddings, batch, dim=0)
        elif image_embeddings.shape[0] != batch:
            raise ValueError(
                f'{image_embeddings.shape[0]} image embeddings for {batch} prompt sets; '
                'pass repeat_image=True to share one image'
            )
        else:
            src = image_embeddings
        if image_pe.shape[0] != 1:
            raise ValueError(f'image_pe must have batch size 1, got {image_pe.shape[0]}')
        src = src + dense_prompt_embeddings
        b, c, h, w = src.shape

        hs, src = self.transformer(src, image_pe, tokens)
        first = 1 if self.pred_obj_scores else 0
        iou_token_out = hs[:, first]
        mask_tokens_out = hs[:, first + 1 : first + 1 + self.num_mask_tokens]

        upscaled = self._upscale(src.transpose(1, 2).view(b, c, h, w), high_res_features)
        hyper_in = torch.stack(
            [mlp(mask_tokens_out[:, i]) for i, mlp in enumerate(self.output_hypernetworks_mlps)],
            dim=1,
        )
        masks = (hyper_in @ upscaled.flatten(2)).unflatten(-1, upscaled.shape[-2:])

        iou_pred = self.iou_prediction_head(iou_token_out)
        if self.pred_obj_scores:
            object_score_logits = self.pred_obj_score_head(hs[:, 0])
        else:
            object_score_logits = iou_pred.new_full((b, 1), DEFAULT_OBJECT_SCORE_LOGIT)
        return masks, iou_pred, mask_tokens_out, object_score_logits

    def _stability_scores(self, mask_logits: torch.Tensor) -> torch.Tensor:
        """IoU between a mask thresholded at +delta and at -delta.

        Args:
            mask_logits (torch.Tensor): Mask logits (B, M, H, W).

        Returns:
            torch.Tensor: Stability scores (B, M), 1 for empty masks.
        """
        logits = mask_logits.flatten(-2)
        delta = self.dynamic_multimask_stability_delta
        area_inter = (logits > delta).sum(dim=-1).float()
        area_union = (logits > -delta).sum(dim=-1).float()
        return torch.where(area_union > 0, area_inter / area_union, 1.0)

    def _dynamic_multimask_via_stability(
        self, all_mask_logits: torch.Tensor, all_iou_scores: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Keep the single mask if stable, else the best-IoU multi-mask output.

        Args:
            all_mask_logits (torch.Tensor): Logits of all mask tokens
                (B, T, H, W).
            all_iou_scores (torch.Tensor): IoU predictions (B, T).

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Selected mask logits
            (B, 1, H, W) and IoU predictions (B, 1).
        """
        multi_ious = all_iou_scores[:, 1:]
        best = multi_ious.argmax(dim=-1, keepdim=True) + 1
        best_logits = torch.gather(
            all_mask_logits,
            1,
            best[:, :, None, None].expand(-1, -1, *all_mask_logits.shape[-2:]),
        )
        best_ious = torch.gather(all_iou_scores, 1, best)
        single_logits, single_ious = all_mask_logits[:, :1], all_iou_scores[:, :1]
        is_stable = self._stability_scores(single_logits) >= self.dynamic_multimask_stability_thresh
        mask_logits = torch.where(is_stable[:, :, None, None], single_logits, best_logits)
        iou_scores = torch.where(is_stable, single_ious, best_ious)
        return mask_logits, iou_scores
