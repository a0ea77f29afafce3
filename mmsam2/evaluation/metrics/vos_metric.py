"""VOSMetric: J, F and J&F of semi-supervised video object segmentation (DAVIS protocol)."""

import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmsam2.evaluation.functional import (
    BOUND_TH,
    PROTOCOL_SCALES,
    VIDEO_SCORES,
    ObjectScores,
    as_frames,
    set_seen,
    summarize_protocol,
    write_protocol_tables,
    write_result_json,
)
from mmsam2.registry import METRICS


@METRICS.register_module()
class VOSMetric(BaseMetric):
    """Video object segmentation metric, DAVIS 2017 semi-supervised protocol.

    Gives the numbers of the davis2017-evaluation tool on the same masks: per
    object, J (IoU; 1 when both masks are empty) and the boundary F-measure
    (tolerance ``bound_th`` of the image diagonal) on every frame but the first
    and the last; per object their mean, recall (fraction of frames above 0.5)
    and decay (first minus last of 4 temporal bins); then means over all
    objects of all videos and J&F = (J + F) / 2, all in [0, 1]. Objects are the
    ids ``1 .. max`` of the first ground-truth frame (void 255 ignored) or the
    keys of its per-object dict. The one deliberate difference: the official
    tool's decay bins wrap around on sequences of 256 or more evaluated frames
    (``uint8`` indices); here they do not, unless ``official_decay=True``.

    When the samples carry seen / unseen flags (YouTube-VOS, LVOS), ``J_seen``,
    ``F_seen``, ``J_unseen``, ``F_unseen`` and ``overall`` (their mean) are
    added.

    Data sample contract: :meth:`process` takes one dict per video with

    * ``video_name`` (str).
    * ``pred_masks``: a dict ``obj_id -> (T, H, W)`` bool masks over the
      annotated frames, a (T, H, W) integer id map (0 = background), or the
      path of a folder of PNGs (``<frame>.png`` id maps, or
      ``<obj_id>/<frame>.png`` binary masks). Arrays or tensors.
    * ``gt_masks``: the same forms.
    * ``frame_names`` (list of str, optional): the T annotated frames; needed
      to read a prediction folder holding more frames than the annotation
      (defaults to the frames of a ground-truth folder).
    * ``seen`` (optional): True / False for all objects of the video, or
      ``obj_id -> bool``.
    * ``inference_time`` (float, optional): seconds spent on the video, and
      ``num_frames`` (int, optional, defaults to T): frames processed in that
      time; together they give the FPS of the result file.
    * ``num_params`` (int, optional): parameters of the model.

    Object ids are compared as strings (id 3 of an id map is object ``'3'``).
    Only per-object per-frame J and F arrays are kept per video.

    With ``out_dir`` set, the metric writes ``global_results-<set>.csv`` and
    ``per-sequence_results-<set>.csv`` (the official tool's files) and
    ``vos_results_<benchmark>.json`` for ``tools/analysis_tools/leaderboard.py``
    (see :mod:`mmsam2.evaluation.functional.result_files`).

    Args:
        bound_th (float): Boundary tolerance of F, a fraction of the image
            diagonal (pixels if >= 1). Defaults to 0.008.
        official_decay (bool): Reproduce the official ``uint8`` decay bins.
            Defaults to False.
        out_dir (str, optional): Folder of the result files; none are written
            when None. Defaults to None.
        benchmark (str, optional): Benchmark name of the JSON file;
            ``davis-<set_name>`` when None. Defaults to None.
        set_name (str): Subset name of the CSV files. Defaults to 'val'.
        model_name (str, optional): Model name for the leaderboard.
            Defaults to None.
        config (str, optional): Config file for the leaderboard.
            Defaults to None.
        collect_device (str): Device to collect results across ranks.
            Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to None
            ('vos').
        collect_dir (str, optional): Folder to collect results across ranks.
            Defaults to None.
    """

    default_prefix: Optional[str] = 'vos'
    #: Name of the protocol in :mod:`~mmsam2.evaluation.functional.protocols`.
    protocol = 'davis'
    #: Factor from this metric's values to percent.
    scale = PROTOCOL_SCALES[protocol]

    def __init__(
        self,
        bound_th: float = BOUND_TH,
        official_decay: bool = False,
        out_dir: Optional[str] = None,
        benchmark: Optional[str] = None,
        set_name: str = 'val',
        model_name: Optional[str] = None,
        config: Optional[str] = None,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        collect_dir: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        self.bound_th = bound_th
        self.official_decay = official_decay
        self.out_dir = out_dir
        self.set_name = set_name
        self.benchmark = benchmark or f'{self.protocol}-{set_name}'
        self.model_name = model_name
        self.config = config

    def score_video(
        self, video: str, gt_frames: Sequence[Any], pred_frames: Sequence[Any]
    ) -> List[ObjectScores]:
        """Per-object per-frame scores of one video under this metric's protocol.

        Args:
            video (str): Video name.
            gt_frames (Sequence[Any]): Ground-truth frames, (T,).
            pred_frames (Sequence[Any]): Predicted frames, (T,).

        Returns:
            List[ObjectScores]: The video's objects.
        """
        return VIDEO_SCORES[self.protocol](video, gt_frames, pred_frames, self.bound_th)

    def summarize(
        self, objects: Sequence[ObjectScores]
    ) -> Tuple[Dict[str, float], List[Dict[str, object]]]:
        """Global metrics and per-sequence (DAVIS) or per-object (SA-V) rows.

        Args:
            objects (Sequence[ObjectScores]): All objects of all videos.

        Returns:
            Tuple[Dict[str, float], List[Dict[str, object]]]: See
            :func:`~mmsam2.evaluation.functional.davis_summary` and
            :func:`~mmsam2.evaluation.functional.sav_summary`.
        """
        return summarize_protocol(self.protocol, objects, self.official_decay)

    def write_tables(self, metrics: Dict[str, float], rows: List[Dict[str, object]]) -> str:
        """Write the protocol's CSV files into ``out_dir``.

        Args:
            metrics (Dict[str, float]): Global metrics.
            rows (List[Dict[str, object]]): Per-sequence or per-object rows.

        Returns:
            str: Path of the per-sequence table (DAVIS) or ``results.csv`` (SA-V).
        """
        return write_protocol_tables(self.protocol, self.out_dir, metrics, rows, self.set_name)

    def process(self, data_batch: Any, data_samples: Sequence[Dict[str, Any]]) -> None:
        """Score each video of the batch and keep its per-frame scores.

        Args:
            data_batch (Any): Unused.
            data_samples (Sequence[Dict[str, Any]]): One dict per video, see the
                class docstring.
        """
        for sample in data_samples:
            frame_names = sample.get('frame_names')
            gt = as_frames(sample['gt_masks'], frame_names)
            pred = as_frames(sample['pred_masks'], frame_names or getattr(gt, 'frame_names', None))
            objects = self.score_video(sample['video_name'], gt, pred)
            set_seen(objects, sample.get('seen'))
            self.results.append(
                {
                    'objects': objects,
                    'num_frames': sample.get('num_frames', len(gt)),
                    'inference_time': sample.get('inference_time'),
                    'num_params': sample.get('num_params'),
                }
            )

    def compute_metrics(self, results: List[Dict[str, Any]]) -> Dict[str, float]:
        """Global metrics over all videos; writes the result files with ``out_dir``.

        Args:
            results (List[Dict[str, Any]]): One entry per video from :meth:`process`.

        Returns:
            Dict[str, float]: The metrics.
        """
        objects = [o for r in results for o in r['objects']]
        metrics, rows = self.summarize(objects)
        if self.out_dir is not None:
            table = self.write_tables(metrics, rows)
            path = write_result_json(
                self.out_dir,
                self.benchmark,
                self.protocol,
                metrics,
                self.scale,
                num_videos=len(results),
                num_objects=len(objects),
                per_sequence=table,
                model=self.model_name,
                config=self.config,
                fps=_fps(results),
                params=_params(results),
            )
            print_log(f'VOS results written to {osp.dirname(path)}', logger='current')
        return metrics


def _fps(results: List[Dict[str, Any]]) -> Optional[float]:
    """Frames per second over the videos that report an inference time."""
    timed = [r for r in results if r['inference_time']]
    if not timed:
        return None
    return sum(r['num_frames'] for r in timed) / sum(r['inference_time'] for r in timed)


def _params(results: List[Dict[str, Any]]) -> Optional[float]:
    """Parameters in millions, from the first video that reports them."""
    counts = [r['num_params'] for r in results if r['num_params'] is not None]
    return counts[0] / 1e6 if counts else None
