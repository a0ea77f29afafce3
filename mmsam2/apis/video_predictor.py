"""Interactive video segmentation with SAM 2: Meta's ``SAM2VideoPredictor`` API."""

import bisect
import itertools
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from mmsam2.fileio.frame_sources import VideoInput, open_frame_source
from mmsam2.models.segmentors import SAM2, apply_non_overlapping_constraints
from mmsam2.models.segmentors.sam2 import NO_OBJ_SCORE
from mmsam2.structures import FrameOutput, MemoryBank, PointPrompts
from mmsam2.utils.mask_ops import fill_holes_in_mask_scores

from .inference import META_VIDEO_POSTPROCESSING, FromConfigMixin
from .memory_retention import memory_reach, memory_read_frames
from .video_errors import VideoPredictorError
from .video_features import FrameFeatureCache
from .video_prompts import to_mask_prompt, to_point_prompts
from .video_state import ObjectTrack, TrackedOutput, VideoInferenceState, map_policy_state

FrameMasks = Tuple[int, List[int], torch.Tensor]
"""(frame index, object ids, mask logits (N, 1, H, W) at the video's resolution)."""

# Previous mask logits fed back with new clicks are clamped to this range.
PREV_MASK_LOGIT_LIMIT = 32.0


class SAM2VideoPredictor(FromConfigMixin):
    """Segment and track objects through a video from clicks, boxes or masks.

    The API is that of Meta's ``SAM2VideoPredictor`` (same methods, argument
    names and outputs): :meth:`init_state` opens a video,
    :meth:`add_new_points_or_box` / :meth:`add_new_mask` prompt an object on
    a frame (any frame, any time, also after tracking started) and return the
    masks of all objects there, :meth:`propagate_in_video` tracks every
    object forwards or backwards and yields each frame's masks.

    Unlike Meta's, it never holds the whole video: frames are decoded when
    needed, image features of a few recent frames are cached, and outputs of
    frames that tracking can no longer reach are dropped, so memory stays
    flat on long videos and live streams. Objects sharing the same prompted
    frames are tracked in one batch.

    :meth:`from_config` builds the model as Meta's
    ``build_sam2_video_predictor`` does by default
    (``apply_postprocessing=True``): dynamic multimask fallback, click masks
    binarised for the memory encoder, holes of up to 8 low-res pixels filled
    (:data:`~mmsam2.apis.inference.META_VIDEO_POSTPROCESSING`). The
    constructor takes the model as it is (the VOS evaluation builds its
    predictor this way, with the config's settings, as Meta's
    ``tools/vos_inference.py`` does).

    Args:
        model (SAM2): The model (put in eval mode).
        fill_hole_area (int, optional): Fill background holes of at most
            this many low-res pixels in output masks. Defaults to None
            (``model.fill_hole_area``).
        non_overlap_masks (bool): Keep only the top-scoring object per pixel
            in output masks. Defaults to False.
        clear_non_cond_mem_around_input (bool): After a prompt, forget the
            object's tracked memory of the frames around it. Defaults to
            False.
        add_all_frames_to_correct_as_cond (bool): A correction on a tracked
            frame makes it a conditioning frame. Defaults to False.
        memory_dtype (torch.dtype): Dtype memory features are kept in
            (``torch.bfloat16`` halves memory, as Meta's predictor does).
            Defaults to torch.float32.
        keep_all_outputs (bool): Keep every tracked frame's output, as Meta
            does, so a correction anywhere sees its previous mask and
            neighbouring memory; memory then grows with the video. Defaults
            to False.
        frame_buffer_size (int): Decoded frames kept by video files and
            streams (how far back a stream can be prompted or tracked in
            reverse). Defaults to 16.
        feature_cache_size (int): Frames whose image features are cached.
            Defaults to 4.

    Examples:
        >>> predictor = SAM2VideoPredictor.from_config(
        ...     'configs/sam2.1/sam2.1_hiera-t.py', 'sam2.1_hiera_tiny.pt')
        >>> state = predictor.init_state('video.mp4')
        >>> predictor.add_new_points_or_box(state, 0, obj_id=1,
        ...                                 points=[[210, 350]], labels=[1])
        >>> for frame_idx, obj_ids, masks in predictor.propagate_in_video(state):
        ...     binary = masks[:, 0] > 0  # (N, H, W)
    """

    #: Model settings ``from_config`` applies: Meta's video builder defaults.
    META_POSTPROCESSING = META_VIDEO_POSTPROCESSING

    def __init__(
        self,
        model: SAM2,
        fill_hole_area: Optional[int] = None,
        non_overlap_masks: bool = False,
        clear_non_cond_mem_around_input: bool = False,
        add_all_frames_to_correct_as_cond: bool = False,
        memory_dtype: torch.dtype = torch.float32,
        keep_all_outputs: bool = False,
        frame_buffer_size: int = 16,
        feature_cache_size: int = 4,
    ) -> None:
        self.model = model.eval()
        self.fill_hole_area = model.fill_hole_area if fill_hole_area is None else fill_hole_area
        self.non_overlap_masks = non_overlap_masks
        self.clear_non_cond_mem_around_input = clear_non_cond_mem_around_input
        self.add_all_frames_to_correct_as_cond = add_all_frames_to_correct_as_cond
        self.memory_dtype = memory_dtype
        self.keep_all_outputs = keep_all_outputs
        self.frame_buffer_size = frame_buffer_size
        self.feature_cache_size = feature_cache_size
        self.memory_reach = memory_reach(model)

    @property
    def device(self) -> torch.device:
        """Device of the model."""
        return next(self.model.parameters()).device

    @property
    def image_size(self) -> int:
        """Model input side."""
        return self.model.image_size

    # ------------------------------------------------------------ session
    @torch.inference_mode()
    def init_state(
        self,
        video_path: VideoInput,
        offload_video_to_cpu: bool = False,
        offload_state_to_cpu: bool = False,
        async_loading_frames: bool = False,
    ) -> VideoInferenceState:
        """Open a video and start a session.

        Only frame 0 is decoded now (its features are computed to warm up);
        other frames are decoded when needed.

        Args:
            video_path (VideoInput): A folder of JPEG / PNG frames, a video
                file (mp4, avi, mov, ... read with PyAV) or its bytes, a
                (T, H, W, 3) uint8 RGB array or a list of (H, W, 3) frames,
                or an iterator of frames of unknown length (a camera, a
                generator: a stream).
            offload_video_to_cpu (bool): Keep cached image features on the
                CPU. Defaults to False.
            offload_state_to_cpu (bool): Keep memory features and masks of
                tracked frames on the CPU. Defaults to False.
            async_loading_frames (bool): Decode the next frame in a background
                thread while tracking. Defaults to False.

        Returns:
            VideoInferenceState: The session.
        """
        frames = open_frame_source(video_path, self.frame_buffer_size)
        if not frames.exists(0):
            raise VideoPredictorError('the video has no frames')
        device = self.device
        cpu = torch.device('cpu')
        features = FrameFeatureCache(
            self.model,
            frames,
            device,
            capacity=self.feature_cache_size,
            cache_device=cpu if offload_video_to_cpu else device,
            prefetch=async_loading_frames,
        )
        features.get(0)
        height, width = frames.size
        return VideoInferenceState(
            frames=frames,
            features=features,
            num_frames=frames.num_frames,
            video_height=height,
            video_width=width,
            device=device,
            storage_device=cpu if offload_state_to_cpu else device,
            offload_video_to_cpu=offload_video_to_cpu,
            offload_state_to_cpu=offload_state_to_cpu,
        )

    @torch.inference_mode()
    def reset_state(self, inference_state: VideoInferenceState) -> None:
        """Remove every object, prompt and result (the video stays open).

        Args:
            inference_state (VideoInferenceState): The session.
        """
        inference_state.objects.clear()

    # ------------------------------------------------------------ prompts
    @torch.inference_mode()
    def add_new_points_or_box(
        self,
        inference_state: VideoInferenceState,
        frame_idx: int,
        obj_id: int,
        points: Optional[Any] = None,
        labels: Optional[Any] = None,
        clear_old_points: bool = True,
        normalize_coords: bool = True,
        box: Optional[Any] = None,
    ) -> FrameMasks:
        """Add clicks and / or a box for an object on a frame.

        On a frame the object was not tracked on, the prompt starts the
        object there (a conditioning frame); on a tracked frame it corrects
        the tracked mask.

        Args:
            inference_state (VideoInferenceState): The session.
            frame_idx (int): Frame (in a stream: one already seen).
            obj_id (int): Object id; a new id adds an object.
            points (Any, optional): (P, 2) (x, y) clicks. Defaults to None.
            labels (Any, optional): (P, ) labels, 1 positive, 0 negative.
                Defaults to None.
            clear_old_points (bool): Replace the object's earlier clicks on
                this frame instead of adding to them. Defaults to True.
            normalize_coords (bool): Coordinates are in video pixels; set
                False for coordinates already in [0, 1]. Defaults to True.
            box (Any, optional): (x0, y0, x1, y1). Defaults to None.

        Returns:
            FrameMasks: ``frame_idx``, the object ids and the mask logits of
            all objects on the frame (N, 1, H, W) at the video's resolution.
        """
        state = inference_state
        state.frames.check_prompt_frame(frame_idx)
        if box is not None and not clear_old_points:
            raise VideoPredictorError(
                'a box must come before any click on a frame: use clear_old_points=True with box'
            )
        prompts = to_point_prompts(
            points,
            labels,
            box,
            (state.video_height, state.video_width),
            self.image_size,
            normalize_coords,
        )
        prompts = PointPrompts(prompts.coords.to(state.device), prompts.labels.to(state.device))
        obj = self._object(state, obj_id, create=True)
        old = None if clear_old_points else obj.point_inputs.get(frame_idx)
        if old is not None:
            prompts = PointPrompts(
                torch.cat([old.coords, prompts.coords], dim=1),
                torch.cat([old.labels, prompts.labels], dim=1),
            )
        obj.point_inputs[frame_idx] = prompts
        obj.mask_inputs.pop(frame_idx, None)
        return self._run_prompt(state, obj, frame_idx, prompts, None)

    def add_new_points(self, *args, **kwargs) -> FrameMasks:
        """Alias of :meth:`add_new_points_or_box` (Meta's older name)."""
        return self.add_new_points_or_box(*args, **kwargs)

    @torch.inference_mode()
    def add_new_mask(
        self, inference_state: VideoInferenceState, frame_idx: int, obj_id: int, mask: Any
    ) -> FrameMasks:
        """Give an object's mask on a frame.

        Args:
            inference_state (VideoInferenceState): The session.
            frame_idx (int): Frame (in a stream: one already seen).
            obj_id (int): Object id; a new id adds an object.
            mask (Any): (H, W) mask: bool, or values thresholded at 0.5
                whatever the type (list, array, tensor); NaN / inf rejected.
                Resized to the model input if needed.

        Returns:
            FrameMasks: As :meth:`add_new_points_or_box`.
        """
        state = inference_state
        state.frames.check_prompt_frame(frame_idx)
        mask_inputs = to_mask_prompt(mask, self.image_size).to(state.device)
        obj = self._object(state, obj_id, create=True)
        obj.mask_inputs[frame_idx] = mask_inputs
        obj.point_inputs.pop(frame_idx, None)
        return self._run_prompt(state, obj, frame_idx, None, mask_inputs)

    @torch.inference_mode()
    def clear_all_prompts_in_frame(
        self,
        inference_state: VideoInferenceState,
        frame_idx: int,
        obj_id: int,
        need_output: bool = True,
    ) -> Optional[FrameMasks]:
        """Remove an object's clicks and mask on a frame.

        A conditioning frame loses that role; its output is kept as an
        ordinary tracked frame.

        Args:
            inference_state (VideoInferenceState): The session.
            frame_idx (int): Frame.
            obj_id (int): Object id (must exist).
            need_output (bool): Return the frame's updated masks. Defaults to
                True.

        Returns:
            FrameMasks, optional: As :meth:`add_new_points_or_box`, or None
            without ``need_output``.
        """
        state = inference_state
        self._check_frame_idx(state, frame_idx)
        obj = self._object(state, obj_id, create=False)
        obj.point_inputs.pop(frame_idx, None)
        obj.mask_inputs.pop(frame_idx, None)
        obj.temp_outputs.cond.pop(frame_idx, None)
        obj.temp_outputs.non_cond.pop(frame_idx, None)
        out = obj.outputs.cond.pop(frame_idx, None)
        if out is not None:
            obj.outputs.non_cond[frame_idx] = out
            obj.frames_tracked.pop(frame_idx, None)
        if not need_output:
            return None
        return frame_idx, state.obj_ids, self._prompt_frame_masks(state, frame_idx)

    @torch.inference_mode()
    def remove_object(
        self,
        inference_state: VideoInferenceState,
        obj_id: int,
        strict: bool = False,
        need_output: bool = True,
    ) -> Tuple[List[int], List[Tuple[int, torch.Tensor]]]:
        """Remove an object and its prompts.

        Args:
            inference_state (VideoInferenceState): The session.
            obj_id (int): Object id.
            strict (bool): Raise if the id is unknown (else do nothing).
                Defaults to False.
            need_output (bool): Return the updated masks of the frames the
                object was prompted on. Defaults to True.

        Returns:
            Tuple[List[int], List[Tuple[int, torch.Tensor]]]: The remaining
            object ids, and (frame index, masks (N, 1, H, W)) for each frame
            the object had prompts on.
        """
        state = inference_state
        if obj_id not in state.objects:
            if strict:
                self._object(state, obj_id, create=False)
            return state.obj_ids, []
        if len(state.objects) == 1:
            self.reset_state(state)
            return state.obj_ids, []
        prompted = state.objects[obj_id].prompted_frames
        for frame_idx in prompted:
            self.clear_all_prompts_in_frame(state, frame_idx, obj_id, need_output=False)
        del state.objects[obj_id]
        if not need_output:
            return state.obj_ids, []
        return state.obj_ids, [(t, self._prompt_frame_masks(state, t)) for t in prompted]

    # -------------------------------------------------------- propagation
    @torch.inference_mode()
    def propagate_in_video_preflight(self, inference_state: VideoInferenceState) -> None:
        """Encode the memory of new prompts and make them usable by tracking.

        Called by :meth:`propagate_in_video`.

        Args:
            inference_state (VideoInferenceState): The session.
        """
        state = inference_state
        if not state.objects:
            raise VideoPredictorError(
                'no prompts yet: add points, a box or a mask with add_new_points_or_box() or '
                'add_new_mask() before propagate_in_video()'
            )
        for obj in state.objects.values():
            for is_cond in (False, True):
                temp = obj.temp_outputs.of(is_cond)
                for frame_idx, out in temp.items():
                    if out.maskmem_features is None:
                        self._encode_prompt_memory(state, frame_idx, out)
                    obj.outputs.of(is_cond)[frame_idx] = out
                    if self.clear_non_cond_mem_around_input:
                        self._clear_non_cond_memory_around(obj, frame_idx)
                temp.clear()
            if not obj.outputs.cond:
                raise VideoPredictorError(
                    f'object {obj.obj_id} has no prompt: give it points, a box or a mask, or '
                    'remove it with remove_object()'
                )
            for frame_idx in obj.outputs.cond:
                obj.outputs.non_cond.pop(frame_idx, None)

    @torch.inference_mode()
    def propagate_in_video(
        self,
        inference_state: VideoInferenceState,
        start_frame_idx: Optional[int] = None,
        max_frame_num_to_track: Optional[int] = None,
        reverse: bool = False,
    ) -> Iterator[FrameMasks]:
        """Track every object through the video, one frame at a time.

        Args:
            inference_state (VideoInferenceState): The session.
            start_frame_idx (int, optional): First frame. Defaults to None:
                the earliest prompted frame; for a stream, the earliest frame
                prompted since the last propagation, else the frame after the
                last tracked one.
            max_frame_num_to_track (int, optional): Frames to track after the
                first. Defaults to None (to the end or the start of the
                video; a stream is read until it ends).
            reverse (bool): Track backwards in time. Defaults to False.

        Yields:
            FrameMasks: ``frame_idx``, the object ids and the mask logits
            (N, 1, H, W) at the video's resolution, frame after frame.
        """
        state = inference_state
        if start_frame_idx is None and state.num_frames is None:
            start_frame_idx = self._stream_start(state)
        self.propagate_in_video_preflight(state)
        if start_frame_idx is None:
            start_frame_idx = min(t for obj in state.objects.values() for t in obj.outputs.cond)
        order = self._processing_order(state, start_frame_idx, max_frame_num_to_track, reverse)
        step = -1 if reverse else 1
        for frame_idx in order:
            state.features.prefetch(frame_idx + step)
            masks = self._track_frame(state, frame_idx, reverse)
            self._forget_unreachable(state, frame_idx)
            yield frame_idx, state.obj_ids, self._video_res_masks(state, masks)

    def _processing_order(
        self,
        state: VideoInferenceState,
        start: int,
        max_frames: Optional[int],
        reverse: bool,
    ) -> Iterator[int]:
        """Frames to track, in order (read lazily for a forward stream)."""
        if max_frames is not None and (not isinstance(max_frames, int) or max_frames < 0):
            raise VideoPredictorError(
                f'max_frame_num_to_track must be an int >= 0, got {max_frames!r}'
            )
        if reverse or state.num_frames is not None:
            state.frames.check_prompt_frame(start)
        else:
            self._check_frame_idx(state, start)
        start = int(start)  # a numpy integer overflows with a huge max_frame_num_to_track
        if max_frames is None:
            max_frames = state.num_frames
        if reverse:
            end = 0 if max_frames is None else max(start - max_frames, 0)
            first = state.frames.first_available_frame()
            if start > 0 and end < first:
                raise VideoPredictorError(
                    f'cannot track back to frame {end}: the stream keeps only frames {first} and '
                    f'later; pass max_frame_num_to_track <= {start - first}'
                )
            return iter(range(start, end - 1, -1) if start > 0 else ())
        if state.num_frames is not None:
            return iter(range(start, min(start + max_frames, state.num_frames - 1) + 1))
        frames = itertools.count(start)
        if max_frames is not None:
            frames = itertools.islice(frames, max_frames + 1)
        return itertools.takewhile(state.frames.exists, frames)

    @staticmethod
    def _stream_start(state: VideoInferenceState) -> Optional[int]:
        """Default first frame of a stream: the earliest newly prompted frame, else the
        frame after the last tracked one (None before any tracking)."""
        prompted = [
            t
            for obj in state.objects.values()
            for t in itertools.chain(obj.temp_outputs.cond, obj.temp_outputs.non_cond)
        ]
        if prompted:
            return min(prompted)
        tracked = [t for obj in state.objects.values() for t in obj.frames_tracked]
        return max(tracked) + 1 if tracked else None

    def _track_frame(
        self, state: VideoInferenceState, frame_idx: int, reverse: bool
    ) -> torch.Tensor:
        """Masks (N, 1, S/4, S/4) of all objects on one frame, tracking those without a prompt."""
        objs = list(state.objects.values())
        masks: List[Optional[torch.Tensor]] = [None] * len(objs)
        to_track = []
        for i, obj in enumerate(objs):
            out = obj.outputs.cond.get(frame_idx)
            if out is None:
                to_track.append(i)
                continue
            masks[i] = out.pred_masks.to(state.device, non_blocking=True)
            if self.clear_non_cond_mem_around_input:
                self._clear_non_cond_memory_around(obj, frame_idx)
        for group in self._memory_groups(state, objs, to_track, frame_idx, reverse):
            outs, pred_masks = self._track(
                state, [objs[i] for i in group], frame_idx, False, None, None, reverse, True
            )
            for k, i in enumerate(group):
                objs[i].outputs.non_cond[frame_idx] = outs[k]
                masks[i] = pred_masks[k : k + 1]
        for obj in objs:
            obj.frames_tracked[frame_idx] = reverse
        return torch.cat(masks)

    def _memory_groups(
        self,
        state: VideoInferenceState,
        objs: Sequence[ObjectTrack],
        indices: Sequence[int],
        frame_idx: int,
        reverse: bool,
    ) -> List[List[int]]:
        """Split objects into batches that attend to memories of the same frames."""
        if self.model.non_overlap_masks_for_mem_enc:
            # the constraint couples the objects of a batch; Meta runs them one by one
            return [[i] for i in indices]
        reads = memory_read_frames(self.model, frame_idx, reverse, state.num_frames)
        groups: Dict[tuple, List[int]] = {}
        for i in indices:
            bank = objs[i].outputs
            frames = tuple(sorted(reads.intersection(bank.non_cond)))
            # outputs are stacked across objects: a policy's state must be there for all or none
            stateless = tuple(bank.non_cond[t].policy_state is None for t in frames)
            cond = tuple(sorted(bank.cond))
            cond_stateless = tuple(bank.cond[t].policy_state is None for t in cond)
            key = (cond, frames, stateless, cond_stateless)
            groups.setdefault(key, []).append(i)
        return list(groups.values())

    # ------------------------------------------------------------ helpers
    def _object(self, state: VideoInferenceState, obj_id: int, create: bool) -> ObjectTrack:
        """The object with this id (added if ``create``)."""
        if isinstance(obj_id, bool) or not isinstance(obj_id, int):
            if not hasattr(obj_id, '__index__'):
                raise VideoPredictorError(f'obj_id must be an int, got {obj_id!r}')
            obj_id = int(obj_id)
        obj = state.objects.get(obj_id)
        if obj is not None:
            return obj
        if not create:
            raise VideoPredictorError(
                f'unknown object id {obj_id}; the objects are {state.obj_ids}'
            )
        obj = state.objects[obj_id] = ObjectTrack(obj_id)
        return obj

    def _check_frame_idx(self, state: VideoInferenceState, frame_idx: int) -> None:
        """Raise unless ``frame_idx`` is a frame index of the video."""
        if isinstance(frame_idx, bool) or not isinstance(frame_idx, int) or frame_idx < 0:
            raise VideoPredictorError(f'frame_idx must be an int >= 0, got {frame_idx!r}')
        if state.num_frames is not None and frame_idx >= state.num_frames:
            raise VideoPredictorError(
                f'frame index {frame_idx} is out of range: the video has {state.num_frames} '
                f'frames (0..{state.num_frames - 1})'
            )

    def _run_prompt(
        self,
        state: VideoInferenceState,
        obj: ObjectTrack,
        frame_idx: int,
        point_inputs: Optional[PointPrompts],
        mask_inputs: Optional[torch.Tensor],
    ) -> FrameMasks:
        """Segment one object from its prompt on a frame (memory encoded later)."""
        is_init = frame_idx not in obj.frames_tracked
        reverse = obj.frames_tracked.get(frame_idx, False)
        is_cond = is_init or self.add_all_frames_to_correct_as_cond
        prev_logits = None
        if point_inputs is not None:
            prev = obj.temp_outputs.of(is_cond).get(frame_idx) or obj.outputs.find(frame_idx)
            if prev is not None:
                prev_logits = prev.pred_masks.to(state.device, non_blocking=True)
                prev_logits = prev_logits.clamp(-PREV_MASK_LOGIT_LIMIT, PREV_MASK_LOGIT_LIMIT)
        outs, _ = self._track(
            state, [obj], frame_idx, is_init, point_inputs, mask_inputs, reverse, False, prev_logits
        )
        obj.temp_outputs.of(is_cond)[frame_idx] = outs[0]
        return frame_idx, state.obj_ids, self._prompt_frame_masks(state, frame_idx, is_cond)

    def _track(
        self,
        state: VideoInferenceState,
        objs: Sequence[ObjectTrack],
        frame_idx: int,
        is_init: bool,
        point_inputs: Optional[PointPrompts],
        mask_inputs: Optional[torch.Tensor],
        reverse: bool,
        run_mem_encoder: bool,
        prev_logits: Optional[torch.Tensor] = None,
    ) -> Tuple[List[TrackedOutput], torch.Tensor]:
        """One tracking step for a batch of objects with the same memory frames.

        Returns:
            Tuple[List[TrackedOutput], torch.Tensor]: The kept output of each
            object and the batch's mask logits (B, 1, S/4, S/4) on the compute
            device.
        """
        features = state.features.get(frame_idx).expand(len(objs))
        memory = MemoryBank() if is_init else self._memory_of(state, objs, frame_idx, reverse)
        out = self.model.track_step(
            frame_idx,
            is_init,
            features,
            point_inputs,
            mask_inputs,
            memory,
            state.num_frames,
            track_in_reverse=reverse,
            run_mem_encoder=run_mem_encoder,
            prev_sam_mask_logits=prev_logits,
        )
        kept, pred_masks = self._keep(state, out)
        return [kept.select(i) for i in range(len(objs))], pred_masks

    def _memory_of(
        self,
        state: VideoInferenceState,
        objs: Sequence[ObjectTrack],
        frame_idx: int,
        reverse: bool,
    ) -> MemoryBank:
        """Memory bank of a batch of objects: the frames the step may read, stacked."""
        reads = memory_read_frames(self.model, frame_idx, reverse, state.num_frames)
        first = objs[0].outputs
        dtype = torch.float32

        def stack(frame: int, is_cond: bool) -> TrackedOutput:
            return TrackedOutput.batch(
                [obj.outputs.of(is_cond)[frame] for obj in objs], state.device, dtype
            )

        return MemoryBank(
            cond_frames={t: stack(t, True) for t in first.cond},
            non_cond_frames={t: stack(t, False) for t in sorted(reads) if t in first.non_cond},
        )

    def _keep(
        self, state: VideoInferenceState, out: FrameOutput
    ) -> Tuple[TrackedOutput, torch.Tensor]:
        """What is kept of a step's output, and its (hole-filled) mask logits."""
        pred_masks = out.pred_masks
        if self.fill_hole_area > 0:
            pred_masks = fill_holes_in_mask_scores(pred_masks, self.fill_hole_area)
        kept = TrackedOutput(
            pred_masks=pred_masks.to(state.storage_device),
            obj_ptr=out.obj_ptr,
            object_score_logits=out.object_score_logits,
            policy_state=map_policy_state(out.policy_state, lambda x: x.to(state.storage_device)),
        )
        if out.maskmem_features is not None:
            self._store_memory(state, kept, out.maskmem_features, out.maskmem_pos_enc)
        return kept, pred_masks

    def _store_memory(
        self,
        state: VideoInferenceState,
        out: TrackedOutput,
        features: torch.Tensor,
        pos_enc: List[torch.Tensor],
    ) -> None:
        """Attach memory features (memory dtype, storage device) to an output."""
        if state.maskmem_pos_enc is None:
            state.maskmem_pos_enc = [p[:1].clone() for p in pos_enc]
        out.maskmem_features = features.to(self.memory_dtype).to(state.storage_device)
        out.maskmem_pos_enc = state.maskmem_pos_enc

    def _encode_prompt_memory(
        self, state: VideoInferenceState, frame_idx: int, out: TrackedOutput
    ) -> None:
        """Encode the memory of a prompted frame from its kept low-res mask."""
        size = (self.image_size, self.image_size)
        masks = F.interpolate(
            out.pred_masks.to(state.device), size=size, mode='bilinear', align_corners=False
        )
        features = state.features.get(frame_idx).feats[-1]
        memory, pos_enc = self.model.encode_memory(
            features, masks, out.object_score_logits, is_mask_from_pts=True
        )
        self._store_memory(state, out, memory, pos_enc)

    def _clear_non_cond_memory_around(self, obj: ObjectTrack, frame_idx: int) -> None:
        """Forget an object's tracked outputs within the memory span around a frame."""
        span = self.model.memory_temporal_stride_for_eval * self.model.num_maskmem
        for t in range(frame_idx - span, frame_idx + span + 1):
            obj.outputs.non_cond.pop(t, None)

    def _forget_unreachable(self, state: VideoInferenceState, frame_idx: int) -> None:
        """Drop tracked outputs that no tracking step can read any more.

        Kept: outputs within :attr:`memory_reach` of the frame just tracked
        (the next frames read them) or of a conditioning frame (tracking that
        starts there reads them). In a stream, frames that left the buffer
        are also forgotten as tracked.
        """
        if self.keep_all_outputs:
            return
        reach = self.memory_reach
        anchors = sorted({frame_idx}.union(*(o.outputs.cond for o in state.objects.values())))

        def reachable(t: int) -> bool:
            pos = bisect.bisect_left(anchors, t)
            near = anchors[max(pos - 1, 0) : pos + 1]
            return any(abs(t - a) <= reach for a in near)

        first = state.frames.first_available_frame()
        for obj in state.objects.values():
            for t in [t for t in obj.outputs.non_cond if not reachable(t)]:
                del obj.outputs.non_cond[t]
            for t in [t for t in obj.frames_tracked if t < first]:
                del obj.frames_tracked[t]

    def _prompt_frame_masks(
        self, state: VideoInferenceState, frame_idx: int, is_cond: Optional[bool] = None
    ) -> torch.Tensor:
        """Masks of all objects on a prompted frame, newest prompt outputs first.

        Args:
            state (VideoInferenceState): The session.
            frame_idx (int): Frame.
            is_cond (bool, optional): Look up conditioning (or correction)
                prompt outputs. Defaults to None (conditioning if any object
                has a new conditioning output there).

        Returns:
            torch.Tensor: (N, 1, H, W) logits at the video's resolution;
            objects without output there get a large negative score.
        """
        objs = list(state.objects.values())
        if is_cond is None:
            is_cond = any(frame_idx in obj.temp_outputs.cond for obj in objs)
        size = (state.video_height, state.video_width)
        masks = torch.full(
            (len(objs), 1, *size), NO_OBJ_SCORE, dtype=torch.float32, device=state.storage_device
        )
        for i, obj in enumerate(objs):
            out = obj.temp_outputs.of(is_cond).get(frame_idx) or obj.outputs.find(frame_idx)
            if out is None:
                continue
            low_res = out.pred_masks.to(state.storage_device)
            if low_res.shape[-2:] != size:
                low_res = F.interpolate(low_res, size=size, mode='bilinear', align_corners=False)
            masks[i : i + 1] = low_res
        return self._video_res_masks(state, masks)

    def _video_res_masks(self, state: VideoInferenceState, masks: torch.Tensor) -> torch.Tensor:
        """Bring mask logits (N, 1, h, w) to the video's resolution on the compute device."""
        masks = masks.to(state.device, non_blocking=True)
        size = (state.video_height, state.video_width)
        if masks.shape[-2:] != size:
            masks = F.interpolate(masks, size=size, mode='bilinear', align_corners=False)
        if self.non_overlap_masks:
            masks = apply_non_overlapping_constraints(masks)
        return masks
