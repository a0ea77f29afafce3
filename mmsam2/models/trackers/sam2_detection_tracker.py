"""Detector-prompted tracking: an mmdet detector finds objects, SAM 2 tracks their masks."""

import os.path as osp
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from mmdet.structures import TrackDataSample
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope

from mmsam2.fileio.frame_sources import VideoInput
from mmsam2.registry import MODELS
from mmsam2.structures import VOSVideo
from mmsam2.utils.checkpoint import is_meta_sam2_state_dict, load_model_weights

from .detect_and_track import DetectAndTrack, TrackLifecycleSettings
from .frame_detector import FrameDetector, build_detector, parse_text_prompt
from .propagation_session import PropagationSession
from .track_samples import frame_sample
from .tracked_frame import TrackedFrame

DEFAULT_TEST_CFG = dict(output_dir=None, show_dir=None, fps=24.0)
"""``test_cfg`` keys: where MOT text + RLE json (``output_dir``) and overlay
videos (``show_dir``) of each test video go (None: not written), and the
overlays' frame rate."""


def _is_sam2_state_dict(keys: Sequence[str]) -> bool:
    """Whether state dict keys are those of a SAM 2 model alone (mmsam2 or Meta)."""
    return is_meta_sam2_state_dict(dict.fromkeys(keys)) or any(
        key.startswith('memory_attention.') for key in keys
    )


@MODELS.register_module()
class SAM2DetTracker(BaseModel):
    """Track every detected object of a video with SAM 2: masks and stable ids.

    On frame 0 and every ``detect_interval`` frames the detector runs (class
    names of a closed-set detector, or a text prompt for GroundingDINO);
    SAM 2 segments each detection from its box and tracks the masks with its
    video memory. A detection whose mask overlaps a track's propagated mask
    by ``match_iou_thr`` is that track seen again; other confident detections
    start tracks, also for objects entering later; a track whose mask stays
    empty for ``max_lost_frames`` frames ends. See docs/detector_tracking.md.

    Args:
        detector (dict): mmdet detector config (e.g. ``mmdet.RTMDet``,
            ``mmdet.GroundingDINO``); types are looked up in mmdet.
        sam2 (dict): SAM 2 model config (``type='SAM2'``).
        det_pipeline (Sequence[dict]): The detector's test pipeline for frames
            given as arrays, from ``LoadImageFromNDArray`` to ``PackDetInputs``
            (mmdet transforms).
        classes (Sequence[str], optional): Name of each label of a closed-set
            detector. Defaults to None (from the detector checkpoint's
            ``dataset_meta``).
        text_prompt (str | Sequence[str], optional): Classes to find with an
            open-vocabulary detector, ``'person . bicycle'`` or a list; they
            are then the class names. Defaults to None.
        class_filter (Sequence[str], optional): Track only these classes.
            Defaults to None (all).
        det_score_thr (float): Detections scoring less are ignored.
            Defaults to 0.3.
        detect_interval (int): Detect on frames 0, K, 2K, ... Defaults to 5.
        match_iou_thr (float): Mask IoU for a detection to match a track.
            Defaults to 0.5.
        new_track_score_thr (float): Smallest score of a detection that starts
            a track. Defaults to 0.5.
        matcher (str): 'hungarian' or 'greedy'. Defaults to 'hungarian'.
        max_lost_frames (int): Empty-mask frames in a row that end a track.
            Defaults to 10.
        max_tracks (int): Most live tracks. Defaults to 50.
        prompt_with (str): Prompt SAM 2 with detection 'box'es, or 'mask's
            when the detector predicts them. Defaults to 'box'.
        predictor_cfg (dict, optional): Arguments of
            :class:`~mmsam2.apis.SAM2VideoPredictor` (e.g.
            ``non_overlap_masks``, ``fill_hole_area``). Defaults to None.
        detector_checkpoint (str, optional): mmdet checkpoint of the detector.
            Defaults to None.
        sam2_checkpoint (str, optional): SAM 2 checkpoint (mmsam2 or Meta's
            ``.pt``). Defaults to None.
        trust_checkpoint (bool): Also open checkpoints that need arbitrary
            unpickling (they can run code; only for files you trust).
            Defaults to False.
        test_cfg (dict, optional): Outputs of the test step, see
            :data:`DEFAULT_TEST_CFG`. Defaults to None.
        data_preprocessor (dict, optional): Defaults to None (pass-through;
            both models preprocess frames themselves).
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: dict,
        sam2: dict,
        det_pipeline: Sequence[dict],
        classes: Optional[Sequence[str]] = None,
        text_prompt: Optional[Union[str, Sequence[str]]] = None,
        class_filter: Optional[Sequence[str]] = None,
        det_score_thr: float = 0.3,
        detect_interval: int = 5,
        match_iou_thr: float = 0.5,
        new_track_score_thr: float = 0.5,
        matcher: str = 'hungarian',
        max_lost_frames: int = 10,
        max_tracks: int = 50,
        prompt_with: str = 'box',
        predictor_cfg: Optional[dict] = None,
        detector_checkpoint: Optional[str] = None,
        sam2_checkpoint: Optional[str] = None,
        trust_checkpoint: bool = False,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.detector = build_detector(detector)
        with DefaultScope.overwrite_default_scope('mmsam2'):
            self.sam2 = MODELS.build(sam2)
        dataset_meta = self._load_weights(detector_checkpoint, sam2_checkpoint, trust_checkpoint)
        self.class_names = self._class_names(classes, text_prompt, dataset_meta)
        self.frame_detector = FrameDetector(
            self.detector,
            det_pipeline,
            self.class_names,
            text_prompt=text_prompt is not None,
            class_filter=class_filter,
            score_thr=det_score_thr,
        )
        self.settings = TrackLifecycleSettings(
            detect_interval=detect_interval,
            match_iou_thr=match_iou_thr,
            new_track_score_thr=new_track_score_thr,
            matcher=matcher,
            max_lost_frames=max_lost_frames,
            max_tracks=max_tracks,
            prompt_with=prompt_with,
        )
        self.predictor_cfg = dict(predictor_cfg or {})
        self.test_cfg = self._resolve_test_cfg(test_cfg)

    # ------------------------------------------------------------ building
    def _load_weights(
        self, detector_checkpoint: Optional[str], sam2_checkpoint: Optional[str], trust: bool
    ) -> Dict[str, Any]:
        """Load the checkpoints given; returns the detector's ``dataset_meta``."""
        if sam2_checkpoint:
            load_model_weights(self.sam2, sam2_checkpoint, strict=False, trust=trust)
        if not detector_checkpoint:
            return {}
        checkpoint = load_model_weights(
            self.detector, detector_checkpoint, strict=False, trust=trust
        )
        return (checkpoint.get('meta') or {}).get('dataset_meta') or {}

    @staticmethod
    def _class_names(
        classes: Optional[Sequence[str]],
        text_prompt: Optional[Union[str, Sequence[str]]],
        dataset_meta: Dict[str, Any],
    ) -> List[str]:
        """Label names: the text prompt's, ``classes``, or the checkpoint's."""
        if text_prompt is not None:
            if classes is not None:
                raise ValueError('give classes (closed-set detector) or text_prompt, not both')
            return parse_text_prompt(text_prompt)
        names = classes if classes is not None else dataset_meta.get('classes')
        if not names:
            raise ValueError(
                'no class names: set classes (or text_prompt for an open-vocabulary detector), '
                'or give a detector_checkpoint whose meta has dataset_meta.classes'
            )
        return list(names)

    @staticmethod
    def _resolve_test_cfg(test_cfg: Optional[dict]) -> dict:
        """``test_cfg`` filled with :data:`DEFAULT_TEST_CFG`; unknown keys raise."""
        cfg = {**DEFAULT_TEST_CFG, **(test_cfg or {})}
        unknown = set(cfg) - set(DEFAULT_TEST_CFG)
        if unknown:
            raise ValueError(
                f'unknown test_cfg keys {sorted(unknown)}; known: {sorted(DEFAULT_TEST_CFG)}'
            )
        return cfg

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        """Also accept a SAM 2 checkpoint alone (mmsam2 or Meta's): it goes to
        ``sam2`` and the detector keeps its weights."""
        own = [key for key in state_dict if key.startswith(prefix)]
        names = [key[len(prefix) :] for key in own]
        ours = any(name.startswith(('sam2.', 'detector.')) for name in names)
        if own and not ours and _is_sam2_state_dict(names):
            for key, name in zip(own, names):
                state_dict[f'{prefix}sam2.{name}'] = state_dict.pop(key)
            detector_state = self.detector.state_dict()
            state_dict.update({f'{prefix}detector.{k}': v for k, v in detector_state.items()})
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ------------------------------------------------------------ tracking
    def track_video(self, video: 'VideoInput') -> Iterator[TrackedFrame]:
        """Detect and track objects through a video, yielding each frame's tracks.

        Args:
            video (VideoInput): A frame folder, a video file, frames in memory
                or a stream (anything ``SAM2VideoPredictor.init_state``
                opens).

        Yields:
            TrackedFrame: The tracks on frame 0, 1, 2, ... as they are
            computed (the tracker is put in eval mode).
        """
        from mmsam2.apis.video_predictor import SAM2VideoPredictor

        self.eval()
        predictor = SAM2VideoPredictor(self.sam2, **self.predictor_cfg)
        session = PropagationSession(predictor, video)
        loop = DetectAndTrack(session, self.frame_detector, self.settings)
        frame_idx = 0
        while session.has_frame(frame_idx):
            instances = loop.step(frame_idx)
            yield TrackedFrame(frame_idx, instances, lambda t=frame_idx: session.image(t))
            frame_idx += 1

    def forward(
        self, inputs: Any, data_samples: Optional[list] = None, mode: str = 'predict'
    ) -> List[TrackDataSample]:
        """mmengine entry point; only ``'predict'`` (tracking) is supported.

        Args:
            inputs (List[VOSVideo]): Videos from a VOS dataset packed by
                ``PackVOSInputs``.
            data_samples (list, optional): Unused. Defaults to None.
            mode (str): Must be 'predict'. Defaults to 'predict'.

        Returns:
            List[TrackDataSample]: Per video, one ``DetDataSample`` per frame
            with ``pred_track_instances`` (and the ground truth as
            ``instances`` on annotated frames, see
            :mod:`~mmsam2.models.trackers.track_samples`).
        """
        if mode != 'predict':
            raise ValueError(f"SAM2DetTracker only runs mode='predict', got mode={mode!r}")
        return [self._predict_video(video) for video in inputs]

    def _predict_video(self, video: VOSVideo) -> TrackDataSample:
        """Track one benchmark video, write its files, pack its samples."""
        from mmsam2.apis.track_writers import open_track_writers

        if not isinstance(video, VOSVideo):
            raise TypeError(
                f'SAM2DetTracker predicts on VOSVideo inputs (use the PackVOSInputs transform), '
                f'got {type(video).__name__}'
            )
        video_id = int(video.info.get('sample_idx', 0))
        out_dir, show_dir = self.test_cfg['output_dir'], self.test_cfg['show_dir']
        writers = open_track_writers(
            mot_path=out_dir and osp.join(out_dir, f'{video.name}.txt'),
            rle_path=out_dir and osp.join(out_dir, f'{video.name}.json'),
            video_path=show_dir and osp.join(show_dir, f'{video.name}.mp4'),
            class_names=self.class_names,
            fps=self.test_cfg['fps'],
            frame_names=video.frame_names,
        )
        samples = []
        with writers:
            for frame in self.track_video(video.frames):
                sample = frame_sample(video, frame.frame_idx, video_id, self.class_names)
                sample.pred_track_instances = frame.instances
                writers.write(frame)
                samples.append(sample)
        return TrackDataSample(video_data_samples=samples)
