"""Detector-prompted tracking of a video from a detector config and a SAM 2 config.

The logic of ``demo/track_demo.py``: :func:`tracker_config` combines any
mmdet 3.x detector config file (its model and test pipeline) with a SAM 2
config into a :class:`~mmsam2.models.trackers.SAM2DetTracker` config,
:func:`init_tracker` builds it, and :func:`run_track_demo` tracks a video
and writes the MOT text, the RLE json and the overlay video.
"""

import copy
import os
import os.path as osp
from dataclasses import dataclass
from typing import Optional, Sequence, Union

from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.registry import DefaultScope
from tqdm import tqdm

from mmsam2.fileio.frame_sources import VideoInput
from mmsam2.models.trackers import SAM2DetTracker, ndarray_pipeline
from mmsam2.registry import MODELS

from .track_writers import open_track_writers


def load_model_config(path: str) -> Config:
    """Read a config file, or a package config such as ``'mmdet::rtmdet/...py'``.

    Args:
        path (str): File path or ``package::relative/path.py``.

    Returns:
        Config: The config.
    """
    return get_config(path) if '::' in path else Config.fromfile(path)


def detector_classes(det_cfg: Config) -> Optional[Sequence[str]]:
    """The classes of the test dataset of a detector config, if it names them.

    Args:
        det_cfg (Config): A detector config.

    Returns:
        Sequence[str], optional: ``metainfo.classes`` of the test dataset,
        else the ``METAINFO`` classes of its dataset type, else None.
    """
    from mmdet.registry import DATASETS as MMDET_DATASETS

    dataset = det_cfg.get('test_dataloader', {}).get('dataset', {})
    classes = (dataset.get('metainfo') or {}).get('classes')
    if classes or 'type' not in dataset:
        return classes
    dataset_type = MMDET_DATASETS.get(dataset['type'])
    return getattr(dataset_type, 'METAINFO', {}).get('classes') if dataset_type else None


def detector_test_pipeline(det_cfg: Config) -> list:
    """A detector config's test pipeline, adapted to frames in memory.

    Args:
        det_cfg (Config): A detector config with
            ``test_dataloader.dataset.pipeline`` (as mmdet's inferencer reads
            it) or ``test_pipeline``.

    Returns:
        list: See :func:`~mmsam2.models.trackers.ndarray_pipeline`.
    """
    dataset = det_cfg.get('test_dataloader', {}).get('dataset', {})
    return ndarray_pipeline(dataset.get('pipeline') or det_cfg.test_pipeline)


def tracker_config(
    det_config: str,
    sam2_config: str,
    det_weights: Optional[str] = None,
    sam2_weights: Optional[str] = None,
    texts: Optional[str] = None,
    classes: Optional[Sequence[str]] = None,
    bert: Optional[str] = None,
    **tracker_args,
) -> dict:
    """Combine a detector config and a SAM 2 config into a tracker config.

    A detector with a ``language_model`` (GroundingDINO) is open-vocabulary:
    it finds ``texts`` (or ``classes``) by name. A closed-set detector finds
    the classes it was trained on (from its checkpoint, else its config's
    test dataset), and ``classes`` keeps only some of them.

    Args:
        det_config (str): mmdet config file (or ``'mmdet::...'``).
        sam2_config (str): SAM 2 config file.
        det_weights (str, optional): Detector checkpoint. Defaults to None.
        sam2_weights (str, optional): SAM 2 checkpoint (mmsam2 or Meta's).
            Defaults to None.
        texts (str, optional): Text prompt ``'person . bicycle'`` of an
            open-vocabulary detector. Defaults to None.
        classes (Sequence[str], optional): Class names to track. Defaults to
            None (all).
        bert (str, optional): Local folder of the text encoder (sets the
            detector's ``language_model.name``). Defaults to None.
        **tracker_args: More :class:`SAM2DetTracker` arguments
            (``detect_interval``, ``det_score_thr``, ...).

    Returns:
        dict: The ``SAM2DetTracker`` config.
    """
    det_cfg = load_model_config(det_config)
    detector = copy.deepcopy(det_cfg.model)
    open_vocabulary = 'language_model' in detector
    if bert is not None:
        if not open_vocabulary:
            raise ValueError('--bert is for detectors with a language model (GroundingDINO)')
        detector.language_model.name = bert
    if open_vocabulary:
        if not (texts or classes):
            raise ValueError('an open-vocabulary detector needs texts (or classes) to find')
        names = dict(text_prompt=texts or list(classes))
    elif texts:
        raise ValueError(f'{detector.type} is a closed-set detector: give classes, not texts')
    else:
        known = None if det_weights else detector_classes(det_cfg)
        names = dict(classes=known, class_filter=classes)
    return dict(
        type='SAM2DetTracker',
        detector=detector,
        sam2=load_model_config(sam2_config).model,
        det_pipeline=detector_test_pipeline(det_cfg),
        detector_checkpoint=det_weights,
        sam2_checkpoint=sam2_weights,
        **names,
        **tracker_args,
    )


def init_tracker(cfg: Union[dict, Config], device: str = 'cpu') -> SAM2DetTracker:
    """Build a tracker from its config, on a device, in eval mode.

    Args:
        cfg (dict | Config): ``SAM2DetTracker`` config.
        device (str): Device. Defaults to 'cpu'.

    Returns:
        SAM2DetTracker: The tracker.
    """
    with DefaultScope.overwrite_default_scope('mmsam2'):
        tracker = MODELS.build(cfg)
    return tracker.to(device).eval()


@dataclass
class TrackDemoResult:
    """What :func:`run_track_demo` wrote.

    Attributes:
        video_path (str): Overlay video.
        mot_path (str): MOT text.
        rle_path (str): RLE json.
        num_frames (int): Frames tracked.
        num_tracks (int): Distinct track ids.
    """

    video_path: str
    mot_path: str
    rle_path: str
    num_frames: int
    num_tracks: int


def run_track_demo(
    tracker: SAM2DetTracker,
    video: VideoInput,
    out_dir: str,
    fps: float = 25.0,
    progress: bool = True,
) -> TrackDemoResult:
    """Track a video; write ``overlay.mp4``, ``tracks.txt`` and ``tracks.json`` in ``out_dir``.

    Args:
        tracker (SAM2DetTracker): The tracker.
        video (VideoInput): Video file, frame folder, frames or a stream.
        out_dir (str): Output folder (created).
        fps (float): Frame rate of the overlay. Defaults to 25.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        TrackDemoResult: The files and counts.
    """
    os.makedirs(out_dir, exist_ok=True)
    result = TrackDemoResult(
        video_path=osp.join(out_dir, 'overlay.mp4'),
        mot_path=osp.join(out_dir, 'tracks.txt'),
        rle_path=osp.join(out_dir, 'tracks.json'),
        num_frames=0,
        num_tracks=0,
    )
    track_ids = set()
    with open_track_writers(
        result.mot_path, result.rle_path, result.video_path, tracker.class_names, fps
    ) as writers:
        for frame in tqdm(tracker.track_video(video), 'tracking', disable=not progress):
            writers.write(frame)
            track_ids.update(frame.instances.instances_id.tolist())
            result.num_frames += 1
    result.num_tracks = len(track_ids)
    return result
