"""Speed and memory measurements of video predictors (used by tools/analysis_tools/benchmark.py).

Everything here works with any predictor that has Meta's video API
(``init_state`` / ``add_new_points_or_box`` / ``propagate_in_video``), so
mmsam2's and Meta's predictors are measured by the same code.
"""

import contextlib
import itertools
import os.path as osp
import resource
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from mmsam2.fileio.frame_sources import FolderFrames, open_frame_source

Click = Tuple[int, int, List[List[float]], List[int]]
"""(frame index, object id, (P, 2) points, (P, ) labels)."""


def _disc_centres(
    t: int, num_objects: int, height: int, width: int
) -> List[Tuple[float, float, float]]:
    """(x, y, radius) of each moving disc on frame ``t``."""
    radius = min(height, width) / 10
    discs = []
    for k in range(num_objects):
        phase = t / 25 + 2 * np.pi * k / max(num_objects, 1)
        x = width * (0.5 + 0.3 * np.cos(phase))
        y = height * (0.5 + 0.3 * np.sin(phase + k))
        discs.append((x, y, radius))
    return discs


def synthetic_video(
    num_frames: Optional[int], height: int, width: int, num_objects: int = 1
) -> Iterator[np.ndarray]:
    """Frames with coloured discs circling over a textured background.

    Args:
        num_frames (int, optional): Frames to yield; None yields forever (a
            stream).
        height (int): Frame height.
        width (int): Frame width.
        num_objects (int): Number of discs. Defaults to 1.

    Yields:
        np.ndarray: (H, W, 3) uint8 RGB frames.
    """
    rng = np.random.default_rng(0)
    background = rng.integers(0, 90, (height, width, 3), dtype=np.uint8)
    colours = rng.integers(130, 256, (num_objects, 3), dtype=np.uint8)
    ys, xs = np.ogrid[:height, :width]
    for t in range(num_frames) if num_frames is not None else itertools.count():
        frame = background.copy()
        for (x, y, r), colour in zip(_disc_centres(t, num_objects, height, width), colours):
            frame[(xs - x) ** 2 + (ys - y) ** 2 <= r * r] = colour
        yield frame


def synthetic_clicks(num_objects: int, height: int, width: int) -> List[Click]:
    """One positive click on the centre of each disc of :func:`synthetic_video` on frame 0.

    Args:
        num_objects (int): Number of objects (ids 1..K).
        height (int): Frame height.
        width (int): Frame width.

    Returns:
        List[Click]: The clicks.
    """
    discs = _disc_centres(0, num_objects, height, width)
    return [(0, k + 1, [[x, y]], [1]) for k, (x, y, _) in enumerate(discs)]


def rss_mb() -> float:
    """Resident memory of this process now (Linux), else its peak so far, in MiB."""
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class PropagationRun:
    """Timing (and optionally masks) of one prompted propagation.

    Attributes:
        frame_times (List[float]): Seconds spent on each propagated frame.
        masks (List[torch.Tensor]): Mask logits (N, 1, H, W) per frame on
            the CPU, when collected.
        skip_frames (int): Leading frames left out of
            :attr:`seconds_per_frame`. Defaults to 1 (the prompted frame).
    """

    frame_times: List[float] = field(default_factory=list)
    masks: List[torch.Tensor] = field(default_factory=list)
    skip_frames: int = 1

    @property
    def seconds_per_frame(self) -> float:
        """Mean time per tracked frame after the first ``skip_frames`` (all
        frames if there are no more)."""
        times = self.frame_times[self.skip_frames :] or self.frame_times
        return float(np.mean(times))


CLOCKS: Dict[str, Callable[[], float]] = {
    'wall': time.perf_counter,
    'cpu': time.process_time,
}
"""How frames are timed: wall-clock time, or CPU time of the process (all its
threads; with one thread, the time the frame takes on an idle machine, which
other jobs on a shared machine do not inflate)."""


def run_propagation(
    predictor: Any,
    video: Any,
    clicks: Sequence[Click],
    collect_masks: bool = False,
    autocast: Optional[ContextManager] = None,
    max_frames: Optional[int] = None,
    skip_frames: int = 1,
    clock: str = 'wall',
) -> PropagationRun:
    """Prompt objects and time their forward propagation through a video.

    Args:
        predictor (Any): mmsam2's or Meta's video predictor.
        video (Any): What its ``init_state`` takes (e.g. a JPEG folder).
        clicks (Sequence[Click]): Prompts.
        collect_masks (bool): Keep each frame's masks. Defaults to False.
        autocast (ContextManager, optional): Context to run in (e.g.
            ``torch.autocast('cpu', torch.bfloat16)``). Defaults to None.
        max_frames (int, optional): Frames propagated. Defaults to None (all).
        skip_frames (int): Leading frames not counted in the mean time per
            frame. Defaults to 1 (the prompted frame).
        clock (str): A key of :data:`CLOCKS`. Defaults to 'wall'.

    Returns:
        PropagationRun: Per-frame times (and masks).
    """
    run = PropagationRun(skip_frames=skip_frames)
    now = CLOCKS[clock]
    with torch.inference_mode(), autocast or contextlib.nullcontext():
        state = predictor.init_state(video)
        for frame_idx, obj_id, points, labels in clicks:
            predictor.add_new_points_or_box(state, frame_idx, obj_id, points, labels)
        start = now()
        limit = None if max_frames is None else max_frames - 1
        for _, _, masks in predictor.propagate_in_video(state, max_frame_num_to_track=limit):
            _synchronize(masks.device)
            if collect_masks:
                run.masks.append(masks.float().cpu().clone())
            end = now()
            run.frame_times.append(end - start)
            start = end
    return run


def encoder_throughput(model: Any, num_images: int, device: torch.device) -> float:
    """Images per second through the image encoder (batch 1, after one warm-up).

    Args:
        model (Any): A model with ``image_size`` and ``forward_image``
            (mmsam2's or Meta's).
        num_images (int): Images timed.
        device (torch.device): Device.

    Returns:
        float: Frames per second.
    """
    size = model.image_size
    images = torch.randn(1, 3, size, size, device=device)
    with torch.inference_mode():
        model.forward_image(images)
        _synchronize(device)
        start = time.perf_counter()
        for _ in range(num_images):
            model.forward_image(images)
        _synchronize(device)
    return num_images / (time.perf_counter() - start)


def _synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def streaming_peak_rss(
    predictor: Any, lengths: Sequence[int], height: int, width: int, progress: bool = False
) -> Dict[int, float]:
    """Peak resident memory while tracking a synthetic stream of growing length.

    One object is tracked through a generator of ``max(lengths)`` frames (its
    length unknown to the predictor); memory is sampled after every frame.

    Args:
        predictor (Any): A video predictor that takes iterators.
        lengths (Sequence[int]): Frame counts at which to report the peak.
        height (int): Frame height.
        width (int): Frame width.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        Dict[int, float]: Length -> peak RSS (MiB) over the first ``length``
        frames.
    """
    marks = sorted(set(lengths))
    peaks: Dict[int, float] = {}
    peak = rss_mb()
    with torch.inference_mode():
        state = predictor.init_state(synthetic_video(marks[-1], height, width))
        for frame_idx, obj_id, points, labels in synthetic_clicks(1, height, width):
            predictor.add_new_points_or_box(state, frame_idx, obj_id, points, labels)
        frames = predictor.propagate_in_video(state)
        for frame_idx, _, _ in tqdm(frames, 'streaming', marks[-1], disable=not progress):
            peak = max(peak, rss_mb())
            if frame_idx + 1 in marks:
                peaks[frame_idx + 1] = peak
    return peaks


def max_abs_diff(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> float:
    """Largest absolute difference between two runs' masks.

    Args:
        a (Sequence[torch.Tensor]): Masks per frame.
        b (Sequence[torch.Tensor]): Masks per frame, same shapes.

    Returns:
        float: max |a - b| over all frames.
    """
    if len(a) != len(b):
        raise ValueError(f'runs have {len(a)} and {len(b)} frames')
    return max((x - y).abs().max().item() for x, y in zip(a, b))


def sign_agreement(reference: Sequence[torch.Tensor], other: Sequence[torch.Tensor]) -> float:
    """Fraction of pixels whose mask-logit sign matches the reference.

    Only objects on frames where the reference mask is non-empty count.

    Args:
        reference (Sequence[torch.Tensor]): Masks (N, 1, H, W) per frame.
        other (Sequence[torch.Tensor]): Masks of the same shapes.

    Returns:
        float: Agreement in [0, 1] (nan if every reference mask is empty).
    """
    agree = total = 0
    for ref, oth in zip(reference, other):
        present = (ref > 0).flatten(1).any(dim=1)
        same = ((ref > 0) == (oth > 0))[present]
        agree += int(same.sum())
        total += same.numel()
    return agree / total if total else float('nan')


def write_jpeg_frames(frames: Iterator[np.ndarray], folder: str, num_frames: int) -> int:
    """Write frames as ``00000.jpg``, ... (what both predictors read alike).

    Args:
        frames (Iterator[np.ndarray]): (H, W, 3) uint8 RGB frames.
        folder (str): Existing output folder.
        num_frames (int): Most frames written.

    Returns:
        int: Frames written.
    """
    count = 0
    for count, frame in enumerate(itertools.islice(frames, num_frames), start=1):
        Image.fromarray(frame).save(osp.join(folder, f'{count - 1:05d}.jpg'), quality=95)
    return count


@dataclass
class BenchmarkSettings:
    """What :func:`benchmark_video_predictor` measures.

    Attributes:
        num_frames (int): Frames propagated. Defaults to 30.
        num_objects (int): Objects tracked. Defaults to 3.
        frame_size (Tuple[int, int]): (height, width) of synthetic frames.
            Defaults to (360, 640).
        video (str, optional): Video file or folder to use instead of
            synthetic frames. Defaults to None.
        encoder_images (int): Images timed through the encoder. Defaults to 5.
        amp (str, optional): 'bf16' also times autocast bfloat16 and compares
            it with fp32. Defaults to None.
        rss_lengths (Sequence[int]): Stream lengths at which peak memory is
            reported. Defaults to () (not measured).
        warmup_frames (int): Frames propagated untimed by each predictor (and
            mode) before the timed runs (kernel selection, caches).
            Defaults to 3.
        rounds (int): Timed runs of each predictor (and mode), interleaved
            (mmsam2, Meta, mmsam2 bf16, mmsam2, ...); times are the medians
            over the rounds and ratios the medians of each round's ratio,
            which other jobs on the machine disturb least. Defaults to 1.
        skip_frames (int): Leading frames of a run left out of its time per
            frame (e.g. ``num_maskmem`` + 1 to time only frames with a full
            memory bank). Defaults to 1 (the prompted frame).
        clock (str): 'wall' or 'cpu' (the process's CPU time, see
            :data:`CLOCKS`). Defaults to 'wall'.
    """

    num_frames: int = 30
    num_objects: int = 3
    frame_size: Tuple[int, int] = (360, 640)
    video: Optional[str] = None
    encoder_images: int = 5
    amp: Optional[str] = None
    rss_lengths: Sequence[int] = ()
    warmup_frames: int = 3
    rounds: int = 1
    skip_frames: int = 1
    clock: str = 'wall'


BENCHMARK_AMP_DTYPES = {'bf16': torch.bfloat16}


def benchmark_video_predictor(
    predictor: Any, settings: BenchmarkSettings, workdir: str, reference: Any = None
) -> Dict[str, Any]:
    """Measure a video predictor, optionally against a reference one.

    Peak memory of a stream is measured first (in a process that has done
    little else), then encoder throughput, then the propagation of
    ``num_objects`` clicked objects through ``num_frames`` JPEG frames that
    both predictors read: each contender (mmsam2 in fp32, the reference,
    mmsam2 under autocast) first propagates ``warmup_frames`` untimed, then
    the contenders take turns for ``rounds`` timed runs.

    Args:
        predictor (Any): mmsam2's :class:`SAM2VideoPredictor`.
        settings (BenchmarkSettings): What to measure.
        workdir (str): Existing empty folder for the JPEG frames.
        reference (Any, optional): Another predictor with the same API and
            weights (Meta's) to compare speed and masks with. Defaults to
            None.

    Returns:
        Dict[str, Any]: ``encoder``, ``timing``, ``propagation``, and
        optionally ``reference`` (``ratio``: mmsam2's time over the
        reference's), ``amp`` (``speedup``: fp32 time over autocast time,
        ``speedup_vs_reference``: the reference's fp32 time over it) and
        ``rss`` sections (times in seconds, memory in MiB).
    """
    device = predictor.device
    results: Dict[str, Any] = dict(
        image_size=predictor.image_size, device=str(device), num_objects=settings.num_objects
    )
    if settings.rss_lengths:
        peaks = streaming_peak_rss(
            predictor, settings.rss_lengths, *settings.frame_size, progress=True
        )
        results['rss'] = dict(peak_mb=peaks, growth=peaks[max(peaks)] / peaks[min(peaks)] - 1)
    results['encoder'] = dict(
        frames_per_s=encoder_throughput(predictor.model, settings.encoder_images, device)
    )
    if settings.video is None:
        frames = synthetic_video(settings.num_frames, *settings.frame_size, settings.num_objects)
    else:
        source = open_frame_source(settings.video)
        frames = (source[t] for t in itertools.takewhile(source.exists, itertools.count()))
    results['num_frames'] = write_jpeg_frames(frames, workdir, settings.num_frames)
    clicks = synthetic_clicks(settings.num_objects, *FolderFrames(workdir).size)

    amp = None if settings.amp is None else BENCHMARK_AMP_DTYPES[settings.amp]
    contenders = {'mmsam2': (predictor, None)}
    if reference is not None:
        contenders['reference'] = (reference, None)
    if amp is not None:
        contenders['amp'] = (predictor, amp)
    collect = len(contenders) > 1

    def propagate(name: str, timed: bool, collect_masks: bool = False) -> PropagationRun:
        model, dtype = contenders[name]
        context = None if dtype is None else torch.autocast(device.type, dtype)
        return run_propagation(
            model,
            workdir,
            clicks,
            collect_masks=collect_masks,
            autocast=context,
            max_frames=None if timed else settings.warmup_frames,
            skip_frames=settings.skip_frames,
            clock=settings.clock,
        )

    for name in contenders:
        propagate(name, timed=False)
    runs: Dict[str, List[PropagationRun]] = {name: [] for name in contenders}
    for round_idx in range(settings.rounds):
        for name in contenders:
            runs[name].append(propagate(name, timed=True, collect_masks=collect and not round_idx))

    def per_frame(name: str) -> float:
        return float(np.median([run.seconds_per_frame for run in runs[name]]))

    def ratio(num: str, den: str) -> float:
        return float(
            np.median(
                [a.seconds_per_frame / b.seconds_per_frame for a, b in zip(runs[num], runs[den])]
            )
        )

    results['timing'] = dict(
        clock=settings.clock, rounds=settings.rounds, skip_frames=settings.skip_frames
    )
    results['propagation'] = dict(s_per_frame=per_frame('mmsam2'))
    masks = runs['mmsam2'][0].masks
    if reference is not None:
        results['reference'] = dict(
            encoder_frames_per_s=encoder_throughput(reference, settings.encoder_images, device),
            s_per_frame=per_frame('reference'),
            ratio=ratio('mmsam2', 'reference'),
            max_abs_diff=max_abs_diff(masks, runs['reference'][0].masks),
        )
    if amp is not None:
        results['amp'] = dict(
            dtype=settings.amp,
            s_per_frame=per_frame('amp'),
            speedup=ratio('mmsam2', 'amp'),
            sign_agreement=sign_agreement(masks, runs['amp'][0].masks),
        )
        if reference is not None:
            results['amp']['speedup_vs_reference'] = ratio('reference', 'amp')
    return results


def format_benchmark(results: Dict[str, Any]) -> str:
    """A two-column text table of :func:`benchmark_video_predictor`'s results.

    Args:
        results (Dict[str, Any]): The results.

    Returns:
        str: The table.
    """
    k = results['num_objects']
    objects = f'{k} object{"s" if k != 1 else ""}'
    propagation_ms = 1e3 * results['propagation']['s_per_frame']
    rows = [
        ('image encoder (frames/s)', f'{results["encoder"]["frames_per_s"]:.2f}'),
        (f'propagation, {objects} (ms/frame)', f'{propagation_ms:.1f}'),
    ]
    if 'reference' in results:
        ref = results['reference']
        rows += [
            ("Meta's image encoder (frames/s)", f'{ref["encoder_frames_per_s"]:.2f}'),
            (f"Meta's propagation, {objects} (ms/frame)", f'{1e3 * ref["s_per_frame"]:.1f}'),
            ('time ratio mmsam2 / Meta (propagation)', f'{ref["ratio"]:.3f}'),
            ('max |mask logit diff| vs Meta', f'{ref["max_abs_diff"]:.3e}'),
        ]
    if 'amp' in results:
        amp = results['amp']
        rows += [
            (f'{amp["dtype"]} autocast propagation (ms/frame)', f'{1e3 * amp["s_per_frame"]:.1f}'),
            (f'speed-up {amp["dtype"]} vs fp32', f'{amp["speedup"]:.3f}'),
        ]
        if 'speedup_vs_reference' in amp:
            rows.append(
                (f"speed-up {amp['dtype']} vs Meta's fp32", f'{amp["speedup_vs_reference"]:.3f}')
            )
        rows.append((f'mask sign agreement {amp["dtype"]} vs fp32', f'{amp["sign_agreement"]:.4f}'))
    if 'rss' in results:
        for length, peak in sorted(results['rss']['peak_mb'].items()):
            rows.append((f'peak RSS, stream of {length} frames (MiB)', f'{peak:.1f}'))
        rows.append(('RSS growth, longest vs shortest', f'{100 * results["rss"]["growth"]:+.1f}%'))
    timing = results.get('timing', {})
    title = (
        f'SAM 2 video predictor benchmark: image size {results["image_size"]}, '
        f'{results["device"]}, {results["num_frames"]} frames'
    )
    if timing:
        title += (
            f' ({timing["clock"]} time, frames after the first {timing["skip_frames"]}, '
            f'median of {timing["rounds"]} round{"s" if timing["rounds"] != 1 else ""})'
        )
    width = max(len(name) for name, _ in rows)
    lines = [title, '-' * len(title)]
    lines += [f'{name:<{width}}  {value:>12}' for name, value in rows]
    return '\n'.join(lines)
