"""The VOS test step of SAM 2: track benchmark videos and write predictions."""

import os.path as osp
from contextlib import ExitStack
from typing import Any, Dict, List, Optional

import numpy as np

from mmsam2.structures import VOSVideo

DEFAULT_TEST_CFG = dict(
    output_dir=None,
    output_format='davis',
    score_thresh=0.0,
    non_overlap_masks=None,
    write_all_frames=False,
    show_dir=None,
    fps=24.0,
)


def resolve_test_cfg(test_cfg: Optional[dict]) -> dict:
    """Fill a model ``test_cfg`` with defaults and validate it.

    Keys: ``output_dir`` (predictions are written there; tools/test.py sets
    ``<work_dir>/predictions``), ``output_format`` ('davis' palette PNGs or
    'sav' per-object PNGs), ``score_thresh`` (mask logit threshold, 0),
    ``non_overlap_masks`` (default: True for 'davis', False for 'sav'),
    ``write_all_frames`` (also frames without ground truth), ``show_dir``
    (overlay mp4 per video) and ``fps`` of those overlays.

    Args:
        test_cfg (dict, optional): User settings.

    Returns:
        dict: The complete settings.
    """
    cfg = {**DEFAULT_TEST_CFG, **(test_cfg or {})}
    unknown = set(cfg) - set(DEFAULT_TEST_CFG)
    if unknown:
        raise ValueError(
            f'unknown test_cfg keys {sorted(unknown)}; known: {sorted(DEFAULT_TEST_CFG)}'
        )
    if cfg['output_format'] not in ('davis', 'sav'):
        raise ValueError(f"output_format must be 'davis' or 'sav', got {cfg['output_format']!r}")
    if cfg['non_overlap_masks'] is None:
        cfg['non_overlap_masks'] = cfg['output_format'] == 'davis'
    return cfg


def ground_truth_source(video: VOSVideo) -> Any:
    """What the metrics read the ground truth from: a folder, or merged masks.

    Args:
        video (VOSVideo): The video.

    Returns:
        Any: The annotation folder of the video, or for merged objects
        (DAVIS 2016) ``{1: (T, H, W) bool}`` over the annotated frames.
    """
    info = video.info
    if info.get('merge_objects'):
        masks = [video.annotations[name][1] for name in info['annotated_frames']]
        return {1: np.stack(masks).astype(bool)}
    paths = info['ann_paths']
    first = next(iter(paths.values()))
    if info.get('mask_layout') == 'per_object':
        return osp.dirname(osp.dirname(next(iter(first.values()))))
    return osp.dirname(first)


def run_vos_test(model, videos: List[VOSVideo], cfg: dict) -> List[Dict[str, Any]]:
    """Track each video, write its predictions and describe them for the metrics.

    Args:
        model (SAM2): The model.
        videos (List[VOSVideo]): The batch.
        cfg (dict): Resolved ``test_cfg``.

    Returns:
        List[dict]: One sample per video in the metrics' contract
        (``video_name``, ``pred_masks`` folder, ``gt_masks``, ``frame_names``,
        ``seen``, ``inference_time``, ``num_frames``, ``num_params``).
    """
    from mmsam2.apis.video_predictor import SAM2VideoPredictor
    from mmsam2.apis.vos_inference import segment_vos_video
    from mmsam2.datasets.writers import DAVISWriter, SAVWriter

    if not cfg['output_dir']:
        raise ValueError('model.test_cfg.output_dir is not set (tools/test.py sets it)')
    writer_type = DAVISWriter if cfg['output_format'] == 'davis' else SAVWriter
    writer = writer_type(cfg['output_dir'], threshold=cfg['score_thresh'])
    predictor = SAM2VideoPredictor(model, non_overlap_masks=cfg['non_overlap_masks'])
    num_params = sum(p.numel() for p in model.parameters())
    samples = []
    for video in videos:
        if not isinstance(video, VOSVideo):
            raise TypeError(
                f'SAM2 predict mode takes VOSVideo inputs (use the PackVOSInputs transform), '
                f'got {type(video).__name__}'
            )
        with ExitStack() as stack:
            on_frame = None
            if cfg['show_dir']:
                from mmsam2.visualization.video_overlay import OverlayVideoWriter

                overlay = stack.enter_context(
                    OverlayVideoWriter(
                        osp.join(cfg['show_dir'], f'{video.name}.mp4'), video.frames, cfg['fps']
                    )
                )
                on_frame = overlay.add
            stats = segment_vos_video(
                predictor, video, writer, cfg['write_all_frames'], on_frame=on_frame
            )
        samples.append(
            dict(
                video_name=video.name,
                pred_masks=osp.join(cfg['output_dir'], video.name),
                gt_masks=ground_truth_source(video),
                frame_names=list(video.info['annotated_frames']),
                seen=video.info.get('seen'),
                num_params=num_params,
                **stats,
            )
        )
    return samples
