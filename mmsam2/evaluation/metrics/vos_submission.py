"""Package VOS predictions for an evaluation server (YouTube-VOS, MOSE, LVOS)."""

import os
import os.path as osp
import zipfile
from typing import Any, Dict, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmsam2.datasets.writers import ZIP_DATE
from mmsam2.registry import METRICS


@METRICS.register_module()
class VOSSubmission(BaseMetric):
    """Zip the predicted palette PNGs in the CodaLab layout of a benchmark server.

    Benchmarks whose validation ground truth is hidden (YouTube-VOS, MOSE,
    LVOS) are scored by uploading ``Annotations/<video>/<frame>.png`` for the
    frames they evaluate. This "metric" collects, for every video, the
    prediction folder written by the model's test step and the frames the
    benchmark needs (the item's ``annotated_frames``), checks that each is
    there and writes the zip. It reports how many videos and frames went in.

    Args:
        zip_path (str, optional): Output zip. Defaults to None
            (``<out_dir>/<benchmark>_submission.zip``).
        out_dir (str, optional): Folder of the zip when ``zip_path`` is not
            given (tools/test.py sets the work dir). Defaults to None.
        benchmark (str): Name used in the file name. Defaults to 'vos'.
        collect_device (str): Device to collect results across ranks.
            Defaults to 'cpu'.
        prefix (str, optional): Metric prefix. Defaults to None ('submission').
    """

    default_prefix: Optional[str] = 'submission'

    def __init__(
        self,
        zip_path: Optional[str] = None,
        out_dir: Optional[str] = None,
        benchmark: str = 'vos',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        **kwargs,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.zip_path = zip_path
        self.out_dir = out_dir
        self.benchmark = benchmark

    def process(self, data_batch: Any, data_samples: Sequence[Dict[str, Any]]) -> None:
        """Remember each video's prediction folder and required frames.

        Args:
            data_batch (Any): Unused.
            data_samples (Sequence[dict]): ``video_name``, ``pred_masks`` (a
                folder of ``<frame>.png``) and ``frame_names``.
        """
        for sample in data_samples:
            folder = sample['pred_masks']
            if not isinstance(folder, str) or not osp.isdir(folder):
                raise ValueError(
                    f'VOSSubmission needs prediction folders, got {type(folder).__name__} '
                    f'for video {sample["video_name"]}'
                )
            self.results.append((sample['video_name'], folder, list(sample['frame_names'])))

    def _zip_path(self) -> str:
        if self.zip_path:
            return self.zip_path
        if not self.out_dir:
            raise ValueError('VOSSubmission needs zip_path or out_dir')
        return osp.join(self.out_dir, f'{self.benchmark}_submission.zip')

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Write the zip.

        Args:
            results (list): ``(video, folder, frame_names)`` per video.

        Returns:
            Dict[str, float]: ``num_videos`` and ``num_frames`` in the zip.
        """
        path = self._zip_path()
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        num_frames = 0
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as archive:
            for video, folder, frames in sorted(results):
                for frame in frames:
                    png = osp.join(folder, f'{frame}.png')
                    if not osp.isfile(png):
                        raise FileNotFoundError(f'prediction {png} required by the benchmark')
                    info = zipfile.ZipInfo(f'Annotations/{video}/{frame}.png', date_time=ZIP_DATE)
                    with open(png, 'rb') as f:
                        archive.writestr(info, f.read())
                    num_frames += 1
        print_log(f'submission written to {path}', logger='current')
        return dict(num_videos=float(len(results)), num_frames=float(num_frames))
