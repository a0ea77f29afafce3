"""SAM 2 training: prompt simulation, correction clicks and the loss on video clips."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmdet.structures import TrackDataSample
from torch.utils.checkpoint import checkpoint

from mmsam2.registry import MODELS
from mmsam2.structures import FrameOutput, MemoryBank, PointPrompts

from ..utils.point_sampling import concat_points, get_next_point
from ..utils.prompt_simulation import PromptPlan, PromptSettings, plan_prompts
from .sam2 import SAM2, ImageFeatures, SAMHeadOutput

# Meta seeds the prompt-decision generator with a constant, so that all ranks
# draw the same decisions.
PROMPT_RNG_SEED = 42


def gather_clip_targets(
    data_samples: Sequence[TrackDataSample],
    num_frames: int,
    image_size: int,
    device: Optional[torch.device] = None,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Flatten the objects of a batch of clips into one batch dimension.

    Objects are ordered by clip, then as listed in the clip (B = sum of the
    objects of all clips), like Meta's training batches.

    Args:
        data_samples (Sequence[TrackDataSample]): One per clip, with
            ``num_frames`` frames whose ``gt_instances.masks`` are bool
            (K, S, S), the same K objects on every frame.
        num_frames (int): Frames per clip (T).
        image_size (int): Model input side (S).
        device (torch.device, optional): Device of the outputs (the per-frame
            samples of a ``TrackDataSample`` stay where the data loader put
            them). Defaults to None (where the masks are).

    Returns:
        Tuple[torch.Tensor, torch.Tensor]: Masks (T, B, 1, S, S) bool and, for
        each frame and object, the index (T, B) of its image among the clips'
        frames flattened clip by clip (clip * T + frame).
    """
    masks, image_index = [], []
    for clip_idx, sample in enumerate(data_samples):
        frames = sample.video_data_samples
        if len(frames) != num_frames:
            raise ValueError(
                f'clip {clip_idx} has {len(frames)} frame samples for {num_frames} frames'
            )
        clip_masks = torch.stack([frame.gt_instances.masks for frame in frames])
        clip_masks = clip_masks.to(device=device, dtype=torch.bool)
        if tuple(clip_masks.shape[-2:]) != (image_size, image_size):
            raise ValueError(
                f'clip {clip_idx}: masks {tuple(clip_masks.shape[-2:])} do not '
                f'match the input size {image_size}'
            )
        frame_ids = torch.arange(num_frames, device=clip_masks.device)[:, None]
        masks.append(clip_masks)
        image_index.append((clip_idx * num_frames + frame_ids).expand(-1, clip_masks.shape[1]))
    gt_masks = torch.cat(masks, dim=1)
    if gt_masks.shape[1] == 0:
        raise ValueError('a training batch needs at least one object')
    return gt_masks.unsqueeze(2), torch.cat(image_index, dim=1)


@MODELS.register_module()
class SAM2Train(SAM2):
    """SAM 2 with Meta's training-time prompt simulation and loss.

    A batch of clips is tracked as one batch of B objects (all objects of all
    clips). Prompts follow Meta's ``SAM2Train`` (see
    :mod:`mmsam2.models.utils.prompt_simulation`): masks on the initial
    conditioning frames, or a click or noisy box; with clicks, up to
    ``num_correction_pt_per_frame`` correction clicks are then sampled from
    the errors of the current prediction on the frames to correct, each
    refining the mask with the SAM heads; those frames become conditioning
    frames with ``add_all_frames_to_correct_as_cond``. Every prediction step
    of every frame is supervised by ``criterion``. Option names are Meta's and
    the defaults are its published SAM 2.1 fine-tuning values
    (``sam2.1_hiera_b+_MOSE_finetune.yaml``).

    Args:
        criterion (dict, optional): Loss config; ``pred_obj_scores`` defaults
            to the model's. Defaults to None (``SAM2MultiStepLoss``).
        prob_to_use_pt_input_for_train (float): Probability of click (or box)
            prompts instead of masks in training. Defaults to 0.5.
        prob_to_use_pt_input_for_eval (float): The same in eval mode.
            Defaults to 0.0.
        prob_to_use_box_input_for_train (float): Given clicks, probability of
            a box as the initial prompt in training. Defaults to 0.5.
        prob_to_use_box_input_for_eval (float): The same in eval mode.
            Defaults to 0.0.
        num_frames_to_correct_for_train (int): Frames receiving correction
            clicks in training. Defaults to 2.
        num_frames_to_correct_for_eval (int): The same in eval mode.
            Defaults to 1.
        rand_frames_to_correct_for_train (bool): Draw that number from
            [initial conditioning frames, num_frames_to_correct_for_train].
            Defaults to True.
        rand_frames_to_correct_for_eval (bool): The same in eval mode.
            Defaults to False.
        num_init_cond_frames_for_train (int): Initial conditioning frames in
            training. Defaults to 2.
        num_init_cond_frames_for_eval (int): The same in eval mode.
            Defaults to 1.
        rand_init_cond_frames_for_train (bool): Draw that number from [1, num].
            Defaults to True.
        rand_init_cond_frames_for_eval (bool): The same in eval mode.
            Defaults to False.
        add_all_frames_to_correct_as_cond (bool): Frames that receive
            correction clicks become conditioning frames. Defaults to True.
        num_correction_pt_per_frame (int): Correction clicks per corrected
            frame. Defaults to 7.
        pt_sampling_for_eval (str): Click sampling in eval mode, 'center' or
            'uniform' (training always uses 'uniform'). Defaults to 'center'.
        prob_to_sample_from_gt_for_train (float): Probability that a training
            correction click is sampled from the ground truth instead of the
            errors. Defaults to 0.1.
        use_act_ckpt_iterative_pt_sampling (bool): Activation checkpointing of
            the single-mask correction steps. Defaults to False.
        forward_backbone_per_frame_for_eval (bool): In eval mode, encode each
            frame's image when it is tracked instead of all at once.
            Defaults to True.
        freeze_image_encoder (bool): Freeze the backbone and neck.
            Defaults to False.
        **kwargs: Arguments of :class:`SAM2`.
    """

    def __init__(
        self,
        criterion: Optional[dict] = None,
        prob_to_use_pt_input_for_train: float = 0.5,
        prob_to_use_pt_input_for_eval: float = 0.0,
        prob_to_use_box_input_for_train: float = 0.5,
        prob_to_use_box_input_for_eval: float = 0.0,
        num_frames_to_correct_for_train: int = 2,
        num_frames_to_correct_for_eval: int = 1,
        rand_frames_to_correct_for_train: bool = True,
        rand_frames_to_correct_for_eval: bool = False,
        num_init_cond_frames_for_train: int = 2,
        num_init_cond_frames_for_eval: int = 1,
        rand_init_cond_frames_for_train: bool = True,
        rand_init_cond_frames_for_eval: bool = False,
        add_all_frames_to_correct_as_cond: bool = True,
        num_correction_pt_per_frame: int = 7,
        pt_sampling_for_eval: str = 'center',
        prob_to_sample_from_gt_for_train: float = 0.1,
        use_act_ckpt_iterative_pt_sampling: bool = False,
        forward_backbone_per_frame_for_eval: bool = True,
        freeze_image_encoder: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.train_prompts = PromptSettings(
            prob_to_use_pt_input_for_train,
            prob_to_use_box_input_for_train,
            num_frames_to_correct_for_train,
            rand_frames_to_correct_for_train,
            num_init_cond_frames_for_train,
            rand_init_cond_frames_for_train,
            point_sampling='uniform',
        )
        self.eval_prompts = PromptSettings(
            prob_to_use_pt_input_for_eval,
            prob_to_use_box_input_for_eval,
            num_frames_to_correct_for_eval,
            rand_frames_to_correct_for_eval,
            num_init_cond_frames_for_eval,
            rand_init_cond_frames_for_eval,
            point_sampling=pt_sampling_for_eval,
        )
        self.add_all_frames_to_correct_as_cond = add_all_frames_to_correct_as_cond
        self.num_correction_pt_per_frame = num_correction_pt_per_frame
        self.prob_to_sample_from_gt_for_train = prob_to_sample_from_gt_for_train
        self.use_act_ckpt_iterative_pt_sampling = use_act_ckpt_iterative_pt_sampling
        self.forward_backbone_per_frame_for_eval = forward_backbone_per_frame_for_eval
        self.rng = np.random.default_rng(PROMPT_RNG_SEED)
        loss_defaults = dict(type='SAM2MultiStepLoss', pred_obj_scores=self.pred_obj_scores)
        self.criterion = MODELS.build({**loss_defaults, **(criterion or {})})
        if freeze_image_encoder:
            for module in (self.backbone, self.neck):
                module.requires_grad_(False)

    @property
    def prompt_settings(self) -> PromptSettings:
        """Prompt-simulation options of the current mode."""
        return self.train_prompts if self.training else self.eval_prompts

    # ----------------------------------------------------------------- runner
    def forward(
        self,
        inputs: Any,
        data_samples: Optional[Sequence[TrackDataSample]] = None,
        mode: str = 'tensor',
    ) -> Union[ImageFeatures, Dict[str, torch.Tensor], list]:
        """mmengine entry point: ``mode='loss'`` trains on clips.

        Args:
            inputs (Any): Clips (N, T, 3, S, S) for ``'loss'``; see
                :meth:`SAM2.forward` for the other modes.
            data_samples (Sequence[TrackDataSample], optional): Ground truth
                of the clips (``'loss'``). Defaults to None.
            mode (str): 'loss', or one of :class:`SAM2`'s modes ('tensor',
                'predict'). Defaults to 'tensor'.

        Returns:
            dict | ImageFeatures | list: Losses, or what :meth:`SAM2.forward`
            returns.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    def loss(
        self, inputs: torch.Tensor, data_samples: Sequence[TrackDataSample]
    ) -> Dict[str, torch.Tensor]:
        """Track a batch of clips with simulated prompts and compute the losses.

        Args:
            inputs (torch.Tensor): Normalised clips (N, T, 3, S, S).
            data_samples (Sequence[TrackDataSample]): Their ground truth.

        Returns:
            Dict[str, torch.Tensor]: Weighted scalar losses (see
            :class:`SAM2MultiStepLoss`).
        """
        if inputs.dim() != 5:
            raise ValueError(f'expected clips (N, T, 3, S, S), got {tuple(inputs.shape)}')
        gt_masks, image_index = gather_clip_targets(
            data_samples, inputs.shape[1], self.image_size, inputs.device
        )
        predictions = self.track_clip(inputs, gt_masks, image_index)
        return self.criterion(predictions, gt_masks[:, :, 0])

    # --------------------------------------------------------------- tracking
    def track_clip(
        self, clips: torch.Tensor, gt_masks: torch.Tensor, image_index: torch.Tensor
    ) -> List[List[SAMHeadOutput]]:
        """Track all objects through the clips with simulated prompts.

        Args:
            clips (torch.Tensor): Normalised clips (N, T, 3, S, S).
            gt_masks (torch.Tensor): Bool ground truth (T, B, 1, S, S).
            image_index (torch.Tensor): (T, B) index of each object's image
                in ``clips.flatten(0, 1)``.

        Returns:
            List[List[SAMHeadOutput]]: Per frame, the SAM head outputs of
            every prediction step (the first prompt, then each correction).
        """
        num_frames = clips.shape[1]
        features = self._clip_features(clips.flatten(0, 1))
        plan = plan_prompts(gt_masks, self.prompt_settings, self.rng)
        memory = MemoryBank()
        steps: Dict[int, List[SAMHeadOutput]] = {}
        for t in plan.processing_order(num_frames):
            output, steps[t] = self.track_step_with_corrections(
                t,
                t in plan.init_cond_frames,
                features(image_index[t]),
                plan.point_inputs.get(t),
                plan.mask_inputs.get(t),
                memory,
                num_frames,
                gt_masks[t] if t in plan.frames_to_correct else None,
            )
            memory.add(t, output, is_cond=self._is_cond_frame(t, plan))
        return [steps[t] for t in range(num_frames)]

    def _is_cond_frame(self, frame_idx: int, plan: PromptPlan) -> bool:
        """Whether a tracked frame joins the conditioning frames of the memory."""
        corrected = self.add_all_frames_to_correct_as_cond and frame_idx in plan.frames_to_correct
        return frame_idx in plan.init_cond_frames or corrected

    def _clip_features(self, images: torch.Tensor) -> Callable[[torch.Tensor], ImageFeatures]:
        """A function giving the features of the images at some indices.

        All images are encoded at once, except in eval mode with
        ``forward_backbone_per_frame_for_eval``, where only the requested
        images are, when requested.
        """
        if self.training or not self.forward_backbone_per_frame_for_eval:
            return self.forward_image(images).select

        def encode(index: torch.Tensor) -> ImageFeatures:
            unique, inverse = torch.unique(index, return_inverse=True)
            return self.forward_image(images[unique]).select(inverse)

        return encode

    def track_step_with_corrections(
        self,
        frame_idx: int,
        is_init_cond_frame: bool,
        features: ImageFeatures,
        point_inputs: Optional[PointPrompts],
        mask_inputs: Optional[torch.Tensor],
        memory: MemoryBank,
        num_frames: int,
        gt_masks: Optional[torch.Tensor] = None,
    ) -> Tuple[FrameOutput, List[SAMHeadOutput]]:
        """:meth:`SAM2.track_step`, plus correction clicks when ``gt_masks`` is given.

        Args:
            frame_idx (int): Frame index.
            is_init_cond_frame (bool): An initial conditioning frame.
            features (ImageFeatures): The frame's features for B objects.
            point_inputs (PointPrompts, optional): Initial clicks or box.
            mask_inputs (torch.Tensor, optional): Mask prompt (B, 1, S, S).
            memory (MemoryBank): Frames tracked so far.
            num_frames (int): Clip length.
            gt_masks (torch.Tensor, optional): Bool ground truth (B, 1, S, S)
                to sample correction clicks from. Defaults to None (no
                correction).

        Returns:
            Tuple[FrameOutput, List[SAMHeadOutput]]: The frame's final output
            (with its memory) and the heads' outputs of every step.
        """
        feat, pos = features.feats[-1], features.pos[-1]
        high_res = features.feats[:-1] or None
        if mask_inputs is not None and self.use_mask_input_as_output_without_sam:
            pix_feat = feat
            heads = self._use_mask_as_output(feat, high_res, mask_inputs)
        else:
            pix_feat = self.condition_on_memory(
                frame_idx, is_init_cond_frame, feat, pos, memory, num_frames
            )
            multimask = self.use_multimask(is_init_cond_frame, point_inputs)
            heads = self.forward_sam_heads(pix_feat, point_inputs, mask_inputs, high_res, multimask)
        steps = [heads]
        if gt_masks is not None:
            point_inputs = self._correct(
                steps, is_init_cond_frame, point_inputs, gt_masks, pix_feat, high_res
            )
        output = self.frame_output(steps[-1], feat, point_inputs, mask_inputs)
        return output, steps

    def _correct(
        self,
        steps: List[SAMHeadOutput],
        is_init_cond_frame: bool,
        point_inputs: Optional[PointPrompts],
        gt_masks: torch.Tensor,
        pix_feat: torch.Tensor,
        high_res: Optional[List[torch.Tensor]],
    ) -> PointPrompts:
        """Add correction clicks one by one, appending each refined output to ``steps``.

        Each click is sampled from the errors of the last prediction (or,
        with ``prob_to_sample_from_gt_for_train``, from the ground truth) and
        the SAM heads are run again with all clicks so far and the last
        low-res mask logits as mask prompt.

        Args:
            steps (List[SAMHeadOutput]): Outputs so far (at least one).
            is_init_cond_frame (bool): An initial conditioning frame.
            point_inputs (PointPrompts, optional): Clicks so far.
            gt_masks (torch.Tensor): Bool ground truth (B, 1, S, S).
            pix_feat (torch.Tensor): Memory-conditioned features
                (B, C, S/16, S/16).
            high_res (List[torch.Tensor], optional): Stride 4 and 8 features.

        Returns:
            PointPrompts: All clicks of the frame.
        """
        method = self.prompt_settings.point_sampling
        prob_gt = self.prob_to_sample_from_gt_for_train if self.training else 0.0
        for _ in range(self.num_correction_pt_per_frame):
            last = steps[-1]
            from_gt = prob_gt > 0 and self.rng.random() < prob_gt
            errors_of = None if from_gt else last.masks_high_res > 0
            point_inputs = concat_points(point_inputs, get_next_point(gt_masks, errors_of, method))
            multimask = self.use_multimask(is_init_cond_frame, point_inputs)
            args = (pix_feat, point_inputs, last.masks, high_res, multimask)
            if self.use_act_ckpt_iterative_pt_sampling and not multimask:
                steps.append(checkpoint(self.forward_sam_heads, *args, use_reentrant=False))
            else:
                steps.append(self.forward_sam_heads(*args))
        return point_inputs
