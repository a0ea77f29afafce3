"""Evaluate a whole folder of predicted masks against a ground-truth folder.

Any method's results can be evaluated, in either layout (see
:mod:`.mask_sources`): DAVIS (``<root>/<video>/<frame>.png`` id maps) or SA-V
(``<root>/<video>/<obj_id>/<frame>.png`` binary masks). The frames are those of
the ground truth; a prediction must have a PNG for each of them (the first
and the last excepted). Videos run in parallel worker processes.
"""

import json
import os.path as osp
from functools import partial
from multiprocessing import Pool
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from tqdm import tqdm

from .davis_measures import BOUND_TH
from .mask_sources import (
    PngIdMapFrames,
    PngObjectFrames,
    is_per_object_layout,
    list_dirs,
    list_frames,
)
from .protocols import (
    PROTOCOL_SCALES,
    PROTOCOLS,
    VIDEO_SCORES,
    summarize_protocol,
    write_protocol_tables,
)
from .result_files import write_result_json
from .video_scores import ObjectScores, set_seen

SeenFlags = Union[bool, Mapping[str, bool]]


def evaluate_video_folder(
    gt_root: str, pred_root: str, video: str, protocol: str = 'davis', bound_th: float = BOUND_TH
) -> List[ObjectScores]:
    """Score one video read from disk.

    In the SA-V layout each object is scored on its own ground-truth frame
    list (its first and last frame skipped), as the SA-V evaluator does.

    Args:
        gt_root (str): Ground-truth root.
        pred_root (str): Prediction root, same layout.
        video (str): Video folder name.
        protocol (str): 'davis' or 'sav'. Defaults to 'davis'.
        bound_th (float): Boundary tolerance of F. Defaults to 0.008.

    Returns:
        List[ObjectScores]: Scores of the video's objects.
    """
    score_fn = VIDEO_SCORES[protocol]
    gt_dir, pred_dir = osp.join(gt_root, video), osp.join(pred_root, video)
    if not is_per_object_layout(gt_dir):
        frames = list_frames(gt_dir)
        gt = PngIdMapFrames(gt_dir, frames)
        return score_fn(video, gt, PngIdMapFrames(pred_dir, frames), bound_th)
    if protocol == 'davis':
        obj_ids = list_dirs(gt_dir)
        frames = list_frames(osp.join(gt_dir, obj_ids[0]))
        gt = PngObjectFrames(gt_dir, obj_ids, frames)
        return score_fn(video, gt, PngObjectFrames(pred_dir, obj_ids, frames), bound_th)
    scores = []
    for obj_id in list_dirs(gt_dir):
        frames = list_frames(osp.join(gt_dir, obj_id))
        gt = PngObjectFrames(gt_dir, [obj_id], frames)
        scores += score_fn(video, gt, PngObjectFrames(pred_dir, [obj_id], frames), bound_th)
    return scores


def read_split_file(path: str) -> List[str]:
    """Video names listed one per line (e.g. DAVIS ``ImageSets/2017/val.txt``).

    Args:
        path (str): The text file.

    Returns:
        List[str]: Non-empty stripped lines.
    """
    with open(path) as file:
        return [line.strip() for line in file if line.strip()]


def load_seen_split(path: str) -> Callable[[str], SeenFlags]:
    """Read a seen / unseen split.

    Args:
        path (str): A ``.json`` file mapping each video to a flag (true:
            seen) or to ``{obj_id: flag}``; or a text file listing the unseen
            videos one per line (LVOS' ``unseen_videos.txt``), every other
            video being seen.

    Returns:
        Callable[[str], SeenFlags]: ``video -> flag or {obj_id: flag}``.
    """
    if not path.endswith('.json'):
        unseen = set(read_split_file(path))
        return lambda video: video not in unseen
    with open(path) as file:
        split = json.load(file)

    def lookup(video: str) -> SeenFlags:
        if video not in split:
            raise KeyError(f'video {video} is missing from the seen/unseen split {path}')
        return split[video]

    return lookup


def _select_videos(gt_root: str, pred_root: str, videos: Optional[Sequence[str]]) -> List[str]:
    """Videos to evaluate: the given ones, else every ground-truth video; all predicted."""
    videos = list(videos) if videos is not None else list_dirs(gt_root)
    missing = [v for v in videos if not osp.isdir(osp.join(pred_root, v))]
    if missing:
        raise FileNotFoundError(f'no prediction folder for {len(missing)} videos: {missing[:5]}')
    return videos


def evaluate_results(
    gt_root: str,
    pred_root: str,
    protocol: str = 'davis',
    videos: Optional[Sequence[str]] = None,
    workers: int = 1,
    bound_th: float = BOUND_TH,
    progress: bool = True,
) -> Dict[str, List[ObjectScores]]:
    """Score every video of a results folder.

    Args:
        gt_root (str): Ground-truth root.
        pred_root (str): Prediction root.
        protocol (str): 'davis' or 'sav'. Defaults to 'davis'.
        videos (Sequence[str], optional): Videos to evaluate; all ground-truth
            videos when None. Defaults to None.
        workers (int): Worker processes; 1 evaluates in this process.
            Defaults to 1.
        bound_th (float): Boundary tolerance of F. Defaults to 0.008.
        progress (bool): Show a tqdm progress bar. Defaults to True.

    Returns:
        Dict[str, List[ObjectScores]]: ``video -> object scores``, in video order.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {PROTOCOLS}, got {protocol!r}')
    videos = _select_videos(gt_root, pred_root, videos)
    score = partial(evaluate_video_folder, gt_root, pred_root, protocol=protocol, bound_th=bound_th)
    bar = partial(tqdm, total=len(videos), disable=not progress, desc=f'{protocol} eval')
    if workers <= 1:
        return dict(zip(videos, bar(map(score, videos))))
    with Pool(workers) as pool:
        return dict(zip(videos, bar(pool.imap(score, videos))))


def run_vos_evaluation(
    gt_root: str,
    pred_root: str,
    protocol: str = 'davis',
    out_dir: Optional[str] = None,
    videos: Optional[Iterable[str]] = None,
    seen_split: Optional[str] = None,
    workers: int = 1,
    set_name: str = 'val',
    benchmark: Optional[str] = None,
    official_decay: bool = False,
    model: Optional[str] = None,
    config: Optional[str] = None,
    fps: Optional[float] = None,
    params: Optional[float] = None,
    progress: bool = True,
) -> Dict[str, float]:
    """Evaluate a results folder and write the tables and the leaderboard JSON.

    Args:
        gt_root (str): Ground-truth root.
        pred_root (str): Prediction root.
        protocol (str): 'davis' or 'sav'. Defaults to 'davis'.
        out_dir (str, optional): Where the files go; ``pred_root`` when None
            (like the official tools). Defaults to None.
        videos (Iterable[str], optional): Videos to evaluate; all when None.
            Defaults to None.
        seen_split (str, optional): Seen / unseen split file, see
            :func:`load_seen_split`. Defaults to None.
        workers (int): Worker processes. Defaults to 1.
        set_name (str): Subset name of the DAVIS CSV files. Defaults to 'val'.
        benchmark (str, optional): Benchmark name of the JSON file;
            ``<protocol>-<set_name>`` when None. Defaults to None.
        official_decay (bool): Reproduce the DAVIS tool's ``uint8`` decay bins.
            Defaults to False.
        model (str, optional): Model name for the leaderboard. Defaults to None.
        config (str, optional): Config for the leaderboard. Defaults to None.
        fps (float, optional): Inference speed for the leaderboard.
            Defaults to None.
        params (float, optional): Parameters (millions) for the leaderboard.
            Defaults to None.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        Dict[str, float]: The global metrics.
    """
    out_dir = out_dir or pred_root
    per_video = evaluate_results(
        gt_root,
        pred_root,
        protocol,
        None if videos is None else list(videos),
        workers,
        progress=progress,
    )
    if seen_split is not None:
        seen_of = load_seen_split(seen_split)
        for video, objects in per_video.items():
            set_seen(objects, seen_of(video))
    objects = [o for video_objects in per_video.values() for o in video_objects]
    metrics, rows = summarize_protocol(protocol, objects, official_decay)
    table = write_protocol_tables(protocol, out_dir, metrics, rows, set_name)
    write_result_json(
        out_dir,
        benchmark or f'{protocol}-{set_name}',
        protocol,
        metrics,
        PROTOCOL_SCALES[protocol],
        num_videos=len(per_video),
        num_objects=len(objects),
        per_sequence=table,
        model=model,
        config=config,
        fps=fps,
        params=params,
    )
    return metrics
