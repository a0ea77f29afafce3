"""SAM 2: promptable segmentation of images and videos with a streaming memory."""

import copy
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch.nn.init import trunc_normal_

from mmsam2.registry import MODELS, TASK_UTILS
from mmsam2.structures import FrameOutput, MemoryBank, PointPrompts
from mmsam2.utils.checkpoint import (
    check_state_dict_matches,
    convert_meta_sam2_state_dict,
    is_meta_sam2_state_dict,
)

from ..backbones.declared_outputs import check_pyramid_fits_model, declared_outputs
from ..layers import MLP, sine_embed_1d
from ..memory_policies import BaseMemoryPolicy, MemoryRead, PointerMemory, SpatialMemory, TrackStep
from .vos_test import resolve_test_cfg, run_vos_test

ConfigType = Union[dict, nn.Module]

# Mask logit given to frames where the object is predicted absent.
NO_OBJ_SCORE = -1024.0
# Logits given to a binary mask used directly as output: sigmoid(-10) ~ 4.5e-5.
MASK_AS_OUTPUT_SCALE, MASK_AS_OUTPUT_BIAS = 20.0, -10.0


@dataclass
class ImageFeatures:
    """Image features of a batch, as consumed by :meth:`SAM2.track_step`.

    Attributes:
        feats (List[torch.Tensor]): Feature maps (B, C_l, H_l, W_l), high-res
            first; the last one (stride 16) is the one memory attends to. The
            high-res ones are already projected by the mask decoder's
            ``conv_s0`` / ``conv_s1`` when high-res features are used.
        pos (List[torch.Tensor]): Position encodings, same shapes as ``feats``.
    """

    feats: List[torch.Tensor]
    pos: List[torch.Tensor]

    def select(self, index: Union[int, torch.Tensor]) -> 'ImageFeatures':
        """Features of a subset of the batch (e.g. the objects of one image)."""
        if isinstance(index, int):
            index = slice(index, index + 1)
        return ImageFeatures([f[index] for f in self.feats], [p[index] for p in self.pos])

    def expand(self, batch_size: int) -> 'ImageFeatures':
        """Repeat single-image features for ``batch_size`` objects (views, no copy)."""
        return ImageFeatures(
            [f.expand(batch_size, -1, -1, -1) for f in self.feats],
            [p.expand(batch_size, -1, -1, -1) for p in self.pos],
        )


@dataclass
class SAMHeadOutput:
    """Outputs of the prompt encoder + mask decoder for B objects."""

    multimasks: torch.Tensor
    multimasks_high_res: torch.Tensor
    ious: torch.Tensor
    masks: torch.Tensor
    masks_high_res: torch.Tensor
    obj_ptr: torch.Tensor
    object_score_logits: torch.Tensor


@dataclass
class MaskCandidates:
    """Every mask the SAM heads predicted for B objects, before one is chosen.

    Attributes:
        multimasks (torch.Tensor): Low-res mask logits (B, M, S/4, S/4) (M = 3
            with multimask output, else 1); -1024 where the object is absent.
        multimasks_high_res (torch.Tensor): The same at input resolution
            (B, M, S, S).
        ious (torch.Tensor): Predicted IoUs (B, M).
        tokens (torch.Tensor): Output tokens the object pointers come from
            (B, M or 1, C).
        object_score_logits (torch.Tensor): Object presence logits (B, 1).
    """

    multimasks: torch.Tensor
    multimasks_high_res: torch.Tensor
    ious: torch.Tensor
    tokens: torch.Tensor
    object_score_logits: torch.Tensor

    @property
    def num_masks(self) -> int:
        """Candidates per object (M)."""
        return self.multimasks.shape[1]

    def rows(self, index: torch.Tensor) -> 'MaskCandidates':
        """The candidates of batch rows ``index`` (R, ) (rows may repeat)."""
        return MaskCandidates(
            self.multimasks[index],
            self.multimasks_high_res[index],
            self.ious[index],
            self.tokens[index],
            self.object_score_logits[index],
        )


def _build(cfg: ConfigType, **defaults) -> nn.Module:
    """Build a module from a config dict (``defaults`` fill missing keys)."""
    if isinstance(cfg, nn.Module):
        return cfg
    cfg = copy.deepcopy(cfg)
    for key, value in defaults.items():
        cfg.setdefault(key, value)
    return MODELS.build(cfg)


def _build_memory_policy(
    cfg: Optional[Union[dict, BaseMemoryPolicy]],
) -> BaseMemoryPolicy:
    """Build a memory policy from its config (default: SAM 2's)."""
    if isinstance(cfg, BaseMemoryPolicy):
        return cfg
    policy = TASK_UTILS.build(copy.deepcopy(cfg or dict(type='SAM2MemoryPolicy')))
    if not isinstance(policy, BaseMemoryPolicy):
        raise TypeError(f'memory_policy must build a BaseMemoryPolicy, got {type(policy).__name__}')
    return policy


def _flatten(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, H*W, C)."""
    return x.flatten(2).transpose(1, 2)


@MODELS.register_module()
class SAM2(BaseModel):
    """SAM 2 / SAM 2.1: image encoder, memory and SAM heads, with the tracking step.

    Model-level options keep the names of Meta's ``SAM2Base`` so that its
    configs map one to one. Everything that depends on the input resolution
    (prompt encoder grids, RoPE tables, position encodings) follows
    ``image_size``.

    Args:
        backbone (dict): Image backbone (e.g. ``Hiera``, or any pyramid
            wrapped in ``PyramidBackbone``); must declare ``out_channels``
            and ``out_strides`` (docs/backbones.md).
        neck (dict): Feature pyramid neck (e.g. ``SAM2FPNNeck``); its
            ``in_channels`` default to the backbone's ``out_channels``.
        memory_attention (dict): Memory attention config.
        memory_encoder (dict): Memory encoder config.
        prompt_encoder (dict, optional): Prompt encoder config; sizes are
            filled in from ``image_size``. Defaults to None
            (``dict(type='PromptEncoder')``).
        mask_decoder (dict, optional): Mask decoder config; the flags below
            are filled in. Defaults to None (``dict(type='MaskDecoder')``).
        data_preprocessor (dict, optional): Defaults to
            ``SAM2DataPreprocessor`` at ``image_size``.
        num_maskmem (int): Memory size: 1 prompted slot + recent frames.
            Defaults to 7.
        image_size (int): Input side. Defaults to 512.
        backbone_stride (int, optional): Stride of the lowest-resolution
            feature used; checked against the backbone's ``out_strides``.
            Defaults to None (taken from them).
        sigmoid_scale_for_mem_enc (float): Scale of mask probabilities fed to
            the memory encoder. Defaults to 1.0.
        sigmoid_bias_for_mem_enc (float): Bias of those probabilities.
            Defaults to 0.0.
        binarize_mask_from_pts_for_mem_enc (bool): In eval, binarise masks
            from clicks before encoding them. Defaults to False.
        use_mask_input_as_output_without_sam (bool): Output a mask prompt as
            the prediction without running the SAM heads. Defaults to False.
        max_cond_frames_in_attn (int): Max prompted frames attended to (-1:
            all). Defaults to -1.
        directly_add_no_mem_embed (bool): On the first prompted frame add the
            no-memory embedding instead of running memory attention.
            Defaults to False.
        use_high_res_features_in_sam (bool): Feed stride 4 and 8 features to
            the mask decoder. Defaults to False.
        multimask_output_in_sam (bool): Predict 3 masks for the first click(s).
            Defaults to False.
        multimask_min_pt_num (int): Fewest clicks that give multimask output.
            Defaults to 1.
        multimask_max_pt_num (int): Most clicks that give multimask output.
            Defaults to 1.
        multimask_output_for_tracking (bool): Also use multimask output on
            tracked frames. Defaults to False.
        use_multimask_token_for_obj_ptr (bool): Object pointer from the best
            multimask token. Defaults to False.
        iou_prediction_use_sigmoid (bool): Sigmoid on predicted IoUs.
            Defaults to False.
        memory_temporal_stride_for_eval (int): Stride ``r`` of recent memory
            frames in eval. Defaults to 1.
        non_overlap_masks_for_mem_enc (bool): In eval, keep only the top-scoring
            object per pixel before memory encoding. Defaults to False.
        use_obj_ptrs_in_encoder (bool): Attend to object pointers of other
            frames. Defaults to False.
        max_obj_ptrs_in_encoder (int): Max object pointers attended to.
            Defaults to 16.
        add_tpos_enc_to_obj_ptrs (bool): Temporal encoding on pointers.
            Defaults to True.
        proj_tpos_enc_in_obj_ptrs (bool): Linear projection of that encoding.
            Defaults to False.
        use_signed_tpos_enc_to_obj_ptrs (bool): Signed temporal distance.
            Defaults to False.
        only_obj_ptrs_in_the_past_for_eval (bool): In eval, only pointers of
            prompted frames in the past. Defaults to False.
        pred_obj_scores (bool): Predict object presence. Defaults to False.
        pred_obj_scores_mlp (bool): With an MLP. Defaults to False.
        fixed_no_obj_ptr (bool): Pointer is a learned constant when the object
            is absent. Defaults to False.
        soft_no_obj_ptr (bool): Mix the no-object pointer softly.
            Defaults to False.
        use_mlp_for_obj_ptr_proj (bool): 3-layer MLP pointer projection.
            Defaults to False.
        no_obj_embed_spatial (bool): Add a learned embedding to the memory of
            frames where the object is absent (SAM 2.1). Defaults to False.
        sam_mask_decoder_extra_args (dict, optional): More mask decoder
            arguments (e.g. dynamic multimask via stability). Defaults to None.
        fill_hole_area (int): Area below which holes in output masks are
            filled by the predictors (post-processing). Defaults to 0.
        test_cfg (dict, optional): Settings of the VOS test step
            (``mode='predict'``): where and how predictions are written; see
            :func:`~mmsam2.models.segmentors.vos_test.resolve_test_cfg`.
            Defaults to None.
        memory_policy (dict, optional): Which past frames a tracking step
            reads, which predicted mask it outputs and what it keeps of each
            frame (a ``TASK_UTILS`` type, see
            :mod:`mmsam2.models.memory_policies`). Defaults to None
            (``SAM2MemoryPolicy``: Meta's SAM 2).
        strict_checkpoint (bool): Loading a state dict whose keys or shapes
            differ from the model raises one clear error. Set False to load
            partial weights on purpose. Defaults to True.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        backbone: ConfigType,
        neck: ConfigType,
        memory_attention: ConfigType,
        memory_encoder: ConfigType,
        prompt_encoder: Optional[ConfigType] = None,
        mask_decoder: Optional[ConfigType] = None,
        data_preprocessor: Optional[dict] = None,
        num_maskmem: int = 7,
        image_size: int = 512,
        backbone_stride: Optional[int] = None,
        sigmoid_scale_for_mem_enc: float = 1.0,
        sigmoid_bias_for_mem_enc: float = 0.0,
        binarize_mask_from_pts_for_mem_enc: bool = False,
        use_mask_input_as_output_without_sam: bool = False,
        max_cond_frames_in_attn: int = -1,
        directly_add_no_mem_embed: bool = False,
        use_high_res_features_in_sam: bool = False,
        multimask_output_in_sam: bool = False,
        multimask_min_pt_num: int = 1,
        multimask_max_pt_num: int = 1,
        multimask_output_for_tracking: bool = False,
        use_multimask_token_for_obj_ptr: bool = False,
        iou_prediction_use_sigmoid: bool = False,
        memory_temporal_stride_for_eval: int = 1,
        non_overlap_masks_for_mem_enc: bool = False,
        use_obj_ptrs_in_encoder: bool = False,
        max_obj_ptrs_in_encoder: int = 16,
        add_tpos_enc_to_obj_ptrs: bool = True,
        proj_tpos_enc_in_obj_ptrs: bool = False,
        use_signed_tpos_enc_to_obj_ptrs: bool = False,
        only_obj_ptrs_in_the_past_for_eval: bool = False,
        pred_obj_scores: bool = False,
        pred_obj_scores_mlp: bool = False,
        fixed_no_obj_ptr: bool = False,
        soft_no_obj_ptr: bool = False,
        use_mlp_for_obj_ptr_proj: bool = False,
        no_obj_embed_spatial: bool = False,
        sam_mask_decoder_extra_args: Optional[dict] = None,
        fill_hole_area: int = 0,
        test_cfg: Optional[dict] = None,
        memory_policy: Optional[Union[dict, BaseMemoryPolicy]] = None,
        strict_checkpoint: bool = True,
        init_cfg: Optional[dict] = None,
    ) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='SAM2DataPreprocessor', image_size=image_size)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if proj_tpos_enc_in_obj_ptrs and not add_tpos_enc_to_obj_ptrs:
            raise ValueError('proj_tpos_enc_in_obj_ptrs needs add_tpos_enc_to_obj_ptrs')
        if fixed_no_obj_ptr and not (pred_obj_scores and use_obj_ptrs_in_encoder):
            raise ValueError('fixed_no_obj_ptr needs pred_obj_scores and use_obj_ptrs_in_encoder')
        self.image_size = image_size
        self.num_maskmem = num_maskmem
        self.sigmoid_scale_for_mem_enc = sigmoid_scale_for_mem_enc
        self.sigmoid_bias_for_mem_enc = sigmoid_bias_for_mem_enc
        self.binarize_mask_from_pts_for_mem_enc = binarize_mask_from_pts_for_mem_enc
        self.use_mask_input_as_output_without_sam = use_mask_input_as_output_without_sam
        self.max_cond_frames_in_attn = max_cond_frames_in_attn
        self.directly_add_no_mem_embed = directly_add_no_mem_embed
        self.use_high_res_features_in_sam = use_high_res_features_in_sam
        self.num_feature_levels = 3 if use_high_res_features_in_sam else 1
        self.multimask_output_in_sam = multimask_output_in_sam
        self.multimask_min_pt_num = multimask_min_pt_num
        self.multimask_max_pt_num = multimask_max_pt_num
        self.multimask_output_for_tracking = multimask_output_for_tracking
        self.use_multimask_token_for_obj_ptr = use_multimask_token_for_obj_ptr
        self.iou_prediction_use_sigmoid = iou_prediction_use_sigmoid
        self.memory_temporal_stride_for_eval = memory_temporal_stride_for_eval
        self.non_overlap_masks_for_mem_enc = non_overlap_masks_for_mem_enc
        self.use_obj_ptrs_in_encoder = use_obj_ptrs_in_encoder
        self.max_obj_ptrs_in_encoder = max_obj_ptrs_in_encoder
        self.add_tpos_enc_to_obj_ptrs = add_tpos_enc_to_obj_ptrs
        self.proj_tpos_enc_in_obj_ptrs = proj_tpos_enc_in_obj_ptrs
        self.use_signed_tpos_enc_to_obj_ptrs = use_signed_tpos_enc_to_obj_ptrs
        self.only_obj_ptrs_in_the_past_for_eval = only_obj_ptrs_in_the_past_for_eval
        self.pred_obj_scores = pred_obj_scores
        self.pred_obj_scores_mlp = pred_obj_scores_mlp
        self.fixed_no_obj_ptr = fixed_no_obj_ptr
        self.soft_no_obj_ptr = soft_no_obj_ptr
        self.use_mlp_for_obj_ptr_proj = use_mlp_for_obj_ptr_proj
        self.fill_hole_area = fill_hole_area
        self.strict_checkpoint = strict_checkpoint
        self.test_cfg = resolve_test_cfg(test_cfg)
        self.memory_policy = _build_memory_policy(memory_policy)

        self.backbone = _build(backbone)
        channels, strides = declared_outputs(self.backbone)
        self.backbone_stride = check_pyramid_fits_model(
            channels, strides, neck, self.num_feature_levels, image_size, backbone_stride
        )
        self.neck = _build(neck, in_channels=channels)
        self.hidden_dim = self.neck.d_model
        self.memory_attention = _build(memory_attention)
        self.memory_encoder = _build(memory_encoder)
        out_proj = getattr(self.memory_encoder, 'out_proj', None)
        self.mem_dim = out_proj.weight.shape[0] if hasattr(out_proj, 'weight') else self.hidden_dim
        self._build_sam_heads(
            prompt_encoder or dict(type='PromptEncoder'),
            mask_decoder or dict(type='MaskDecoder'),
            sam_mask_decoder_extra_args,
        )
        self._build_memory_embeddings(no_obj_embed_spatial)

    # ------------------------------------------------------------------ build
    def _build_sam_heads(
        self, prompt_encoder: ConfigType, mask_decoder: ConfigType, extra_args: Optional[dict]
    ) -> None:
        embed_side = self.image_size // self.backbone_stride
        self.prompt_encoder = _build(
            prompt_encoder,
            embed_dim=self.hidden_dim,
            image_embedding_size=(embed_side, embed_side),
            input_image_size=(self.image_size, self.image_size),
            mask_in_chans=16,
        )
        decoder_defaults = dict(
            transformer_dim=self.hidden_dim,
            use_high_res_features=self.use_high_res_features_in_sam,
            iou_prediction_use_sigmoid=self.iou_prediction_use_sigmoid,
            pred_obj_scores=self.pred_obj_scores,
            pred_obj_scores_mlp=self.pred_obj_scores_mlp,
            use_multimask_token_for_obj_ptr=self.use_multimask_token_for_obj_ptr,
        )
        if isinstance(mask_decoder, dict):
            mask_decoder = {**mask_decoder, **(extra_args or {})}
        self.mask_decoder = _build(mask_decoder, **decoder_defaults)
        if self.use_obj_ptrs_in_encoder:
            # Brings a mask prompt to the stride of low-res logits for the pointer.
            self.mask_downsample = nn.Conv2d(1, 1, kernel_size=4, stride=4)
            self.obj_ptr_proj = (
                MLP(self.hidden_dim, self.hidden_dim, self.hidden_dim, 3)
                if self.use_mlp_for_obj_ptr_proj
                else nn.Linear(self.hidden_dim, self.hidden_dim)
            )
        else:
            self.obj_ptr_proj = nn.Identity()
        self.obj_ptr_tpos_proj = (
            nn.Linear(self.hidden_dim, self.mem_dim)
            if self.proj_tpos_enc_in_obj_ptrs
            else nn.Identity()
        )

    def _build_memory_embeddings(self, no_obj_embed_spatial: bool) -> None:
        self.maskmem_tpos_enc = nn.Parameter(torch.zeros(self.num_maskmem, 1, 1, self.mem_dim))
        self.no_mem_embed = nn.Parameter(torch.zeros(1, 1, self.hidden_dim))
        self.no_mem_pos_enc = nn.Parameter(torch.zeros(1, 1, self.hidden_dim))
        for p in (self.maskmem_tpos_enc, self.no_mem_embed, self.no_mem_pos_enc):
            trunc_normal_(p, std=0.02)
        self.no_obj_ptr = None
        if self.pred_obj_scores and self.use_obj_ptrs_in_encoder:
            self.no_obj_ptr = nn.Parameter(torch.zeros(1, self.hidden_dim))
            trunc_normal_(self.no_obj_ptr, std=0.02)
        self.no_obj_embed_spatial = None
        if no_obj_embed_spatial:
            self.no_obj_embed_spatial = nn.Parameter(torch.zeros(1, self.mem_dim))
            trunc_normal_(self.no_obj_embed_spatial, std=0.02)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        """Accept Meta's key layout and reject checkpoints of another model."""
        own = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
        if is_meta_sam2_state_dict(own):
            for key in [prefix + k for k in own]:
                del state_dict[key]
            own = convert_meta_sam2_state_dict(own, len(self.neck.lateral_convs))
            state_dict.update({prefix + k: v for k, v in own.items()})
        if self.strict_checkpoint:
            check_state_dict_matches(self.state_dict(), own)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ---------------------------------------------------------------- images
    def forward_image(self, images: torch.Tensor) -> ImageFeatures:
        """Encode preprocessed images.

        Args:
            images (torch.Tensor): Normalised images (B, 3, S, S), S = image_size.

        Returns:
            ImageFeatures: The ``num_feature_levels`` maps the heads use (the
            stride 4 and 8 ones projected by ``conv_s0`` / ``conv_s1``).
        """
        if images.dim() != 4 or images.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(
                f'expected images (B, 3, {self.image_size}, {self.image_size}), '
                f'got {tuple(images.shape)}'
            )
        feats, pos = self.neck(self.backbone(images))
        feats, pos = list(feats[-self.num_feature_levels :]), list(pos[-self.num_feature_levels :])
        if self.use_high_res_features_in_sam:
            feats[0] = self.mask_decoder.conv_s0(feats[0])
            feats[1] = self.mask_decoder.conv_s1(feats[1])
        return ImageFeatures(feats, pos)

    # ------------------------------------------------------------- SAM heads
    def forward_sam_heads(
        self,
        backbone_features: torch.Tensor,
        point_inputs: Optional[PointPrompts] = None,
        mask_inputs: Optional[torch.Tensor] = None,
        high_res_features: Optional[List[torch.Tensor]] = None,
        multimask_output: bool = False,
    ) -> SAMHeadOutput:
        """Run the prompt encoder and mask decoder; keep the mask of highest IoU.

        Arguments are those of :meth:`decode_masks`.

        Returns:
            SAMHeadOutput: masks (B, M, S/4, S/4) and (B, M, S, S), IoUs (B, M),
            the best mask (B, 1, ...), object pointer (B, C) and object score
            logits (B, 1).
        """
        candidates = self.decode_masks(
            backbone_features, point_inputs, mask_inputs, high_res_features, multimask_output
        )
        best = torch.argmax(candidates.ious, dim=-1) if multimask_output else None
        return self.pick_masks(candidates, best)

    def decode_masks(
        self,
        backbone_features: torch.Tensor,
        point_inputs: Optional[PointPrompts] = None,
        mask_inputs: Optional[torch.Tensor] = None,
        high_res_features: Optional[List[torch.Tensor]] = None,
        multimask_output: bool = False,
    ) -> MaskCandidates:
        """Run the prompt encoder and mask decoder, keeping every candidate mask.

        Args:
            backbone_features (torch.Tensor): (B, C, S/16, S/16) features
                (memory-conditioned when tracking).
            point_inputs (PointPrompts, optional): Clicks in input pixels.
                Defaults to None (a padding point).
            mask_inputs (torch.Tensor, optional): Mask prompt (B, 1, h, w),
                logits or probabilities; resized to the prompt encoder's mask
                size if needed. Defaults to None.
            high_res_features (List[torch.Tensor], optional): Projected stride
                4 and 8 maps. Defaults to None.
            multimask_output (bool): Predict 3 masks. Defaults to False.

        Returns:
            MaskCandidates: The masks (M = 3 with ``multimask_output``, else
            1), their IoUs and tokens, and the object scores.
        """
        b = backbone_features.shape[0]
        if point_inputs is None:
            coords = backbone_features.new_zeros(b, 1, 2)
            labels = -torch.ones(b, 1, dtype=torch.int32, device=backbone_features.device)
        else:
            coords, labels = point_inputs.coords, point_inputs.labels
        dense_prompt = None
        if mask_inputs is not None:
            mask_size = tuple(self.prompt_encoder.mask_input_size)
            dense_prompt = mask_inputs
            if tuple(mask_inputs.shape[-2:]) != mask_size:
                dense_prompt = F.interpolate(
                    mask_inputs.float(),
                    size=mask_size,
                    mode='bilinear',
                    align_corners=False,
                    antialias=True,
                )
        sparse, dense = self.prompt_encoder(points=(coords, labels), boxes=None, masks=dense_prompt)
        multimasks, ious, tokens, obj_scores = self.mask_decoder(
            image_embeddings=backbone_features,
            image_pe=self.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask_output,
            repeat_image=False,
            high_res_features=high_res_features,
        )
        if self.pred_obj_scores:
            present = obj_scores > 0
            multimasks = torch.where(present[:, None, None], multimasks, NO_OBJ_SCORE)
        multimasks = multimasks.float()
        multimasks_high_res = F.interpolate(
            multimasks,
            size=(self.image_size, self.image_size),
            mode='bilinear',
            align_corners=False,
        )
        return MaskCandidates(multimasks, multimasks_high_res, ious, tokens, obj_scores)

    def pick_masks(
        self, candidates: MaskCandidates, best: Optional[torch.Tensor] = None
    ) -> SAMHeadOutput:
        """Output one candidate mask per object, with its object pointer.

        Args:
            candidates (MaskCandidates): The SAM heads' masks (B, M, ...).
            best (torch.Tensor, optional): (B, ) index of the chosen mask.
                Defaults to None (the single mask of a single-mask output).

        Returns:
            SAMHeadOutput: All candidates plus the chosen mask (B, 1, ...) and
            the object pointer of its token (mixed with the no-object pointer
            where the object is absent).
        """
        multimasks, multimasks_high_res = candidates.multimasks, candidates.multimasks_high_res
        tokens, obj_scores = candidates.tokens, candidates.object_score_logits
        token = tokens[:, 0]
        if best is None:
            masks, masks_high_res = multimasks, multimasks_high_res
        else:
            rows = torch.arange(multimasks.shape[0], device=best.device)
            masks = multimasks[rows, best].unsqueeze(1)
            masks_high_res = multimasks_high_res[rows, best].unsqueeze(1)
            if tokens.shape[1] > 1:
                token = tokens[rows, best]
        obj_ptr = self._mix_no_obj_ptr(
            self.obj_ptr_proj(token), obj_scores, soft=self.soft_no_obj_ptr
        )
        return SAMHeadOutput(
            multimasks,
            multimasks_high_res,
            candidates.ious,
            masks,
            masks_high_res,
            obj_ptr,
            obj_scores,
        )

    def _mix_no_obj_ptr(
        self, obj_ptr: torch.Tensor, obj_scores: torch.Tensor, soft: bool
    ) -> torch.Tensor:
        """Blend the learned no-object pointer in where the object is absent."""
        if not self.pred_obj_scores:
            return obj_ptr
        weight = obj_scores.sigmoid() if soft else (obj_scores > 0).float()
        if self.fixed_no_obj_ptr:
            obj_ptr = weight * obj_ptr
        return obj_ptr + (1 - weight) * self.no_obj_ptr

    def _use_mask_as_output(
        self,
        backbone_features: torch.Tensor,
        high_res_features: Optional[List[torch.Tensor]],
        mask_inputs: torch.Tensor,
    ) -> SAMHeadOutput:
        """Turn a binary mask prompt (B, 1, S, S) directly into the output."""
        mask = mask_inputs.float()
        masks_high_res = mask * MASK_AS_OUTPUT_SCALE + MASK_AS_OUTPUT_BIAS
        masks = F.interpolate(
            masks_high_res,
            size=(masks_high_res.shape[-2] // 4, masks_high_res.shape[-1] // 4),
            mode='bilinear',
            align_corners=False,
            antialias=True,
        )
        ious = mask.new_ones(mask.shape[0], 1)
        if self.use_obj_ptrs_in_encoder:
            obj_ptr = self.forward_sam_heads(
                backbone_features,
                mask_inputs=self.mask_downsample(mask),
                high_res_features=high_res_features,
            ).obj_ptr
        else:
            obj_ptr = mask.new_zeros(mask.shape[0], self.hidden_dim)
        present = (mask.flatten(1) > 0).any(dim=1, keepdim=True).float()
        obj_scores = MASK_AS_OUTPUT_SCALE * present + MASK_AS_OUTPUT_BIAS
        obj_ptr = self._mix_no_obj_ptr(obj_ptr, obj_scores, soft=False)
        return SAMHeadOutput(
            masks, masks_high_res, ious, masks, masks_high_res, obj_ptr, obj_scores
        )

    def use_multimask(self, is_init_cond_frame: bool, point_inputs: Optional[PointPrompts]) -> bool:
        """Whether the SAM heads should predict 3 masks on this frame."""
        num_pts = 0 if point_inputs is None else point_inputs.num_points
        return (
            self.multimask_output_in_sam
            and (is_init_cond_frame or self.multimask_output_for_tracking)
            and self.multimask_min_pt_num <= num_pts <= self.multimask_max_pt_num
        )

    # ---------------------------------------------------------------- memory
    def max_obj_ptrs(self, num_frames: Optional[int]) -> int:
        """Most object pointers a step attends to (fewer in a short video)."""
        if num_frames is None:
            return self.max_obj_ptrs_in_encoder
        return min(num_frames, self.max_obj_ptrs_in_encoder)

    def condition_on_memory(
        self,
        frame_idx: int,
        is_init_cond_frame: bool,
        feat: torch.Tensor,
        pos: torch.Tensor,
        memory: MemoryBank,
        num_frames: Optional[int],
        track_in_reverse: bool = False,
    ) -> torch.Tensor:
        """Fuse the current frame's top-level features with the memory bank.

        The memory policy (:attr:`memory_policy`) selects the memories.

        Args:
            frame_idx (int): Current frame.
            is_init_cond_frame (bool): First prompted frame (no memory yet).
            feat (torch.Tensor): Features (B, C, H, W), stride 16.
            pos (torch.Tensor): Their position encoding (B, C, H, W).
            memory (MemoryBank): Past outputs.
            num_frames (int, optional): Video length (None if unknown).
            track_in_reverse (bool): Tracking backwards. Defaults to False.

        Returns:
            torch.Tensor: Memory-conditioned features (B, C, H, W).
        """
        b, c = feat.shape[:2]
        if self.num_maskmem == 0:
            return feat
        if is_init_cond_frame:
            if self.directly_add_no_mem_embed:
                return feat + self.no_mem_embed.view(1, c, 1, 1)
            tokens = [self.no_mem_embed.expand(b, 1, self.mem_dim)]
            token_pos = [self.no_mem_pos_enc.expand(b, 1, self.mem_dim)]
            return self._attend(feat, pos, tokens, token_pos, num_ptr_tokens=0)
        if not memory.cond_frames:
            raise ValueError(f'frame {frame_idx} is tracked but no frame was prompted')
        reads = self.memory_policy.select_memory(
            self, frame_idx, memory, num_frames, track_in_reverse
        )
        return self.attend_memory(feat, pos, reads, num_frames)

    def attend_memory(
        self,
        feat: torch.Tensor,
        pos: torch.Tensor,
        reads: Sequence[MemoryRead],
        num_frames: Optional[int],
    ) -> torch.Tensor:
        """Condition features on selected memories with memory attention.

        Args:
            feat (torch.Tensor): Features (B, C, H, W), stride 16.
            pos (torch.Tensor): Their position encoding (B, C, H, W).
            reads (Sequence[MemoryRead]): The memories of all rows (one read
                with ``rows=None``, or one per group of rows).
            num_frames (int, optional): Video length (None if unknown).

        Returns:
            torch.Tensor: Memory-conditioned features (B, C, H, W).
        """
        if len(reads) == 1 and reads[0].rows is None:
            return self._attend_read(feat, pos, reads[0], num_frames)
        out = torch.empty_like(feat)
        for read in reads:
            rows = read.rows.to(feat.device)
            out[rows] = self._attend_read(feat[rows], pos[rows], read, num_frames)
        return out

    def _attend_read(
        self, feat: torch.Tensor, pos: torch.Tensor, read: MemoryRead, num_frames: Optional[int]
    ) -> torch.Tensor:
        """Memory attention of a batch (B, C, H, W) to one read."""
        tokens, token_pos = self._spatial_tokens(read.spatial, feat.device)
        num_ptr_tokens = 0
        if read.pointers:
            ptrs, ptr_pos = self._pointer_tokens(
                read.pointers, num_frames, feat.shape[0], feat.device
            )
            tokens.append(ptrs)
            token_pos.append(ptr_pos)
            num_ptr_tokens = ptrs.shape[1]
        return self._attend(feat, pos, tokens, token_pos, num_ptr_tokens)

    def _spatial_tokens(
        self, memories: Sequence[SpatialMemory], device: torch.device
    ) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Memory tokens (B, HW, C_mem) of frames and their spatial + temporal encodings."""
        tokens, pos = [], []
        for memory in memories:
            tokens.append(_flatten(memory.features.to(device, non_blocking=True)))
            enc = _flatten(memory.pos_enc.to(device))
            pos.append(enc + self._memory_tpos_enc(memory.t_pos, device))
        return tokens, pos

    def _memory_tpos_enc(self, t_pos: Union[int, torch.Tensor], device: torch.device):
        """Temporal encoding of memory slots: (1, 1, C_mem), or (B, 1, C_mem) per row."""
        if isinstance(t_pos, int):
            return self.maskmem_tpos_enc[self.num_maskmem - t_pos - 1]
        return self.maskmem_tpos_enc[self.num_maskmem - 1 - t_pos.to(device)].squeeze(1)

    def _pointer_tokens(
        self,
        pointers: Sequence[PointerMemory],
        num_frames: Optional[int],
        batch: int,
        device: torch.device,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Object pointer tokens (B, P, C_mem) and their temporal encodings."""
        ptrs = torch.stack([p.ptr for p in pointers], dim=1)  # (B, P, C)
        if self.add_tpos_enc_to_obj_ptrs:
            tpos_dim = self.hidden_dim if self.proj_tpos_enc_in_obj_ptrs else self.mem_dim
            rel = self._pointer_positions(pointers, batch, device) / (
                self.max_obj_ptrs(num_frames) - 1
            )
            ptr_pos = self.obj_ptr_tpos_proj(sine_embed_1d(rel, tpos_dim))
            if ptr_pos.dim() == 2:
                ptr_pos = ptr_pos.unsqueeze(0).expand(batch, -1, self.mem_dim)
        else:
            ptr_pos = ptrs.new_zeros(batch, len(pointers), self.mem_dim)
        if self.mem_dim < self.hidden_dim:
            split = self.hidden_dim // self.mem_dim
            ptrs = ptrs.reshape(batch, -1, split, self.mem_dim).flatten(1, 2)
            ptr_pos = ptr_pos.repeat_interleave(split, dim=1)
        return ptrs, ptr_pos

    @staticmethod
    def _pointer_positions(
        pointers: Sequence[PointerMemory], batch: int, device: torch.device
    ) -> torch.Tensor:
        """Temporal distances of pointers: (P, ) shared by all rows, or (B, P)."""
        if all(isinstance(p.t_diff, int) for p in pointers):
            return torch.tensor([p.t_diff for p in pointers], device=device, dtype=torch.float32)
        per_row = [
            torch.as_tensor(p.t_diff, device=device, dtype=torch.float32).expand(batch)
            for p in pointers
        ]
        return torch.stack(per_row, dim=1)

    def _attend(
        self,
        feat: torch.Tensor,
        pos: torch.Tensor,
        tokens: List[torch.Tensor],
        token_pos: List[torch.Tensor],
        num_ptr_tokens: int,
    ) -> torch.Tensor:
        """Run memory attention of features (B, C, H, W) to memory tokens."""
        b, c, h, w = feat.shape
        out = self.memory_attention(
            curr=_flatten(feat),
            memory=torch.cat(tokens, dim=1),
            curr_pos=_flatten(pos),
            memory_pos=torch.cat(token_pos, dim=1),
            num_obj_ptr_tokens=num_ptr_tokens,
            feat_size=(h, w),
        )
        return out.transpose(1, 2).reshape(b, c, h, w)

    def encode_memory(
        self,
        feat: torch.Tensor,
        masks_high_res: torch.Tensor,
        object_score_logits: torch.Tensor,
        is_mask_from_pts: bool,
    ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Encode a frame's features and predicted masks into a memory.

        Args:
            feat (torch.Tensor): Stride-16 features (B, C, H, W) (not
                memory-conditioned).
            masks_high_res (torch.Tensor): Mask logits (B, 1, S, S).
            object_score_logits (torch.Tensor): (B, 1).
            is_mask_from_pts (bool): The mask came from clicks.

        Returns:
            Tuple[torch.Tensor, List[torch.Tensor]]: Memory features
            (B, C_mem, H, W) and its position encodings.
        """
        if self.non_overlap_masks_for_mem_enc and not self.training:
            masks_high_res = apply_non_overlapping_constraints(masks_high_res)
        if self.binarize_mask_from_pts_for_mem_enc and is_mask_from_pts and not self.training:
            mask_for_mem = (masks_high_res > 0).float()
        else:
            mask_for_mem = torch.sigmoid(masks_high_res)
        if self.sigmoid_scale_for_mem_enc != 1.0:
            mask_for_mem = mask_for_mem * self.sigmoid_scale_for_mem_enc
        if self.sigmoid_bias_for_mem_enc != 0.0:
            mask_for_mem = mask_for_mem + self.sigmoid_bias_for_mem_enc
        out = self.memory_encoder(feat, mask_for_mem, skip_mask_sigmoid=True)
        features, pos = out['vision_features'], out['vision_pos_enc']
        if self.no_obj_embed_spatial is not None:
            absent = 1 - (object_score_logits > 0).float()
            features = (
                features + absent[..., None, None] * self.no_obj_embed_spatial[..., None, None]
            )
        return features, pos

    # ------------------------------------------------------------- tracking
    def track_step(
        self,
        frame_idx: int,
        is_init_cond_frame: bool,
        features: ImageFeatures,
        point_inputs: Optional[PointPrompts],
        mask_inputs: Optional[torch.Tensor],
        memory: MemoryBank,
        num_frames: Optional[int],
        track_in_reverse: bool = False,
        run_mem_encoder: bool = True,
        prev_sam_mask_logits: Optional[torch.Tensor] = None,
    ) -> FrameOutput:
        """Segment B objects on one frame, conditioned on the memory bank.

        The step is run by the memory policy (:attr:`memory_policy`), which
        decides which memories are read, which candidate mask is output and
        what is kept of the frame; SAM 2's default policy runs Meta's step:
        memory attention to the selected memories (or the no-memory embedding
        on a first prompted frame), the SAM heads (the mask of highest
        predicted IoU when several are predicted), or a mask prompt used as
        the output, then the memory encoder.

        Args:
            frame_idx (int): Index of the frame in the video.
            is_init_cond_frame (bool): A prompted frame with no memory before.
            features (ImageFeatures): Features of this frame for the B objects.
            point_inputs (PointPrompts, optional): Clicks on this frame.
            mask_inputs (torch.Tensor, optional): Mask prompt (B, 1, S, S).
            memory (MemoryBank): Outputs of other frames.
            num_frames (int, optional): Video length, None when streaming.
            track_in_reverse (bool): Tracking backwards. Defaults to False.
            run_mem_encoder (bool): Encode the result into a memory.
                Defaults to True.
            prev_sam_mask_logits (torch.Tensor, optional): Earlier low-res
                logits (B, 1, S/4, S/4) refined together with new clicks.
                Defaults to None.

        Returns:
            FrameOutput: Masks, pointer, scores, (optionally) the memory and
            the policy's state of the frame.
        """
        step = TrackStep(
            frame_idx,
            is_init_cond_frame,
            features,
            point_inputs,
            mask_inputs,
            memory,
            num_frames,
            track_in_reverse,
            run_mem_encoder,
            prev_sam_mask_logits,
        )
        return self.memory_policy.track_step(self, step)

    def frame_output(
        self,
        heads: SAMHeadOutput,
        feat: torch.Tensor,
        point_inputs: Optional[PointPrompts],
        mask_inputs: Optional[torch.Tensor],
        run_mem_encoder: bool = True,
    ) -> FrameOutput:
        """Package the SAM heads' result of a frame and encode its memory.

        Args:
            heads (SAMHeadOutput): Final prediction of the frame.
            feat (torch.Tensor): The frame's stride-16 features (B, C, H, W),
                not memory-conditioned.
            point_inputs (PointPrompts, optional): Clicks used on the frame.
            mask_inputs (torch.Tensor, optional): Mask prompt used.
            run_mem_encoder (bool): Encode the memory. Defaults to True.

        Returns:
            FrameOutput: The frame's output.
        """
        output = FrameOutput(
            pred_masks=heads.masks,
            pred_masks_high_res=heads.masks_high_res,
            obj_ptr=heads.obj_ptr,
            object_score_logits=heads.object_score_logits,
            multimasks=heads.multimasks,
            multimasks_high_res=heads.multimasks_high_res,
            ious=heads.ious,
            point_inputs=point_inputs,
            mask_inputs=mask_inputs,
        )
        if run_mem_encoder and self.num_maskmem > 0:
            output.maskmem_features, output.maskmem_pos_enc = self.encode_memory(
                feat,
                heads.masks_high_res,
                heads.object_score_logits,
                is_mask_from_pts=point_inputs is not None,
            )
        return output

    # --------------------------------------------------------------- runner
    def forward(
        self, inputs: Any, data_samples: Optional[list] = None, mode: str = 'tensor'
    ) -> Union[ImageFeatures, dict, list]:
        """mmengine entry point.

        Args:
            inputs (torch.Tensor | List[VOSVideo]): Preprocessed images
                (B, 3, S, S) for ``'tensor'``; benchmark videos (from
                ``PackVOSInputs``) for ``'predict'``.
            data_samples (list, optional): Unused by these modes.
            mode (str): ``'tensor'`` returns image features; ``'predict'``
                runs semi-supervised VOS on each video (first-frame masks as
                prompts), writes the predictions as configured by
                ``test_cfg`` and returns one sample per video for the VOS
                metrics. Interactive use goes through the predictors in
                :mod:`mmsam2.apis`. Defaults to 'tensor'.

        Returns:
            ImageFeatures | list: Image features, or the per-video samples.
        """
        if mode == 'tensor':
            return self.forward_image(inputs)
        if mode == 'predict':
            return run_vos_test(self, list(inputs), self.test_cfg)
        raise ValueError(f"SAM2 handles mode='tensor' and 'predict', got mode={mode!r}")


def apply_non_overlapping_constraints(masks: torch.Tensor) -> torch.Tensor:
    """Keep only the top-scoring object per pixel; others are clamped to <= -10.

    Args:
        masks (torch.Tensor): Mask logits of the objects of one frame (B, 1, H, W).

    Returns:
        torch.Tensor: Constrained logits, same shape.
    """
    if masks.shape[0] == 1:
        return masks
    top = torch.argmax(masks, dim=0, keepdim=True)
    keep = top == torch.arange(masks.shape[0], device=masks.device)[:, None, None, None]
    return torch.where(keep, masks, torch.clamp(masks, max=-10.0))
