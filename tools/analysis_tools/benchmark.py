"""Benchmark the SAM 2 video predictor: speed, memory, and agreement with Meta's.

Examples:
    python tools/analysis_tools/benchmark.py configs/sam2.1/sam2.1_hiera-t.py \\
        --image-size 512 --num-frames 20 --num-objects 3 --compare-official --amp bf16
    python tools/analysis_tools/benchmark.py configs/sam2.1/sam2.1_hiera-t.py \\
        --image-size 1024 --video bikes.mp4 --num-frames 12 --skip-frames 8 \\
        --num-objects 1 --threads 1 --clock cpu --rounds 3 --compare-official --amp bf16
    python tools/analysis_tools/benchmark.py configs/sam2.1/sam2.1_hiera-t.py \\
        --image-size 128 --rss-lengths 200,2000 --num-frames 5

``--compare-official`` needs Meta's ``sam2==1.1.0`` (a test dependency) and
builds it through ``mmsam2.testing.meta_reference``; both predictors get the same
weights (random, or Meta's checkpoint given with ``--checkpoint``) and read the
same JPEG frames. Meta's predictor keeps its memory in fp32 for the comparison
(on CPU it cannot run with its bfloat16 memory at all).

On a machine shared with other jobs, ``--threads 1 --clock cpu`` times frames
by the process's CPU time, which waiting for the CPU does not inflate, and
``--rounds N`` alternates the contenders N times and reports medians.
"""

import argparse
import json
import tempfile
from typing import Any, List

import torch
from mmengine.config import Config, DictAction

from mmsam2.apis import SAM2VideoPredictor
from mmsam2.apis.video_benchmark import (
    BENCHMARK_AMP_DTYPES,
    BenchmarkSettings,
    benchmark_video_predictor,
    format_benchmark,
)
from mmsam2.testing import meta_reference
from mmsam2.utils import load_checkpoint_file, unwrap_state_dict


def _int_list(text: str) -> List[int]:
    return [int(v) for v in text.split(',') if v.strip()]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark the SAM 2 video predictor')
    parser.add_argument('config', help='model config file')
    parser.add_argument('--checkpoint', help='checkpoint (Meta .pt with --compare-official)')
    parser.add_argument('--image-size', type=int, default=1024, help='model input side')
    parser.add_argument('--num-frames', type=int, default=30, help='frames propagated')
    parser.add_argument('--num-objects', type=int, default=3, help='objects tracked')
    parser.add_argument('--frame-size', type=_int_list, default=[360, 640], help='H,W of frames')
    parser.add_argument('--video', help='video file or frame folder instead of synthetic frames')
    parser.add_argument('--encoder-images', type=int, default=5, help='images timed')
    parser.add_argument('--warmup-frames', type=int, default=3, help='untimed frames first')
    parser.add_argument('--rounds', type=int, default=1, help='interleaved timed runs (median)')
    parser.add_argument(
        '--skip-frames', type=int, default=1, help='leading frames not timed (e.g. 8: full memory)'
    )
    parser.add_argument(
        '--clock', choices=['wall', 'cpu'], default='wall', help='wall-clock or process CPU time'
    )
    parser.add_argument('--compare-official', action='store_true', help="compare with Meta's")
    parser.add_argument('--amp', choices=sorted(BENCHMARK_AMP_DTYPES), help='also time autocast')
    parser.add_argument(
        '--rss-lengths',
        type=_int_list,
        default=[],
        help='stream lengths, e.g. 200,2000',
    )
    parser.add_argument('--device', default='cpu', help='device')
    parser.add_argument('--threads', type=int, help='torch CPU threads')
    parser.add_argument('--out', help='write the results as JSON here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='config overrides')
    return parser.parse_args()


def build_meta_predictor(cfg: Config, image_size: int, checkpoint: str) -> Any:
    """Meta's SAM2VideoPredictor for the same model (fp32 memory)."""
    meta_reference.import_meta_sam2()
    import sam2.sam2_video_predictor as meta_module

    meta_module.torch = meta_reference.Float32Torch()
    version = 'sam2.1' if cfg.model.get('no_obj_embed_spatial') else 'sam2'
    meta = meta_reference.build_meta_video_predictor(
        version, cfg.model.backbone.get('arch', 'tiny'), image_size
    )
    if checkpoint is not None:
        meta.load_state_dict(unwrap_state_dict(load_checkpoint_file(checkpoint)))
    return meta


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict({**(args.cfg_options or {}), 'model.image_size': args.image_size})
    torch.manual_seed(0)
    if args.compare_official:
        cfg.merge_from_dict({'model.binarize_mask_from_pts_for_mem_enc': True})
        meta = build_meta_predictor(cfg, args.image_size, args.checkpoint).to(args.device)
        predictor = SAM2VideoPredictor.from_config(cfg, device=args.device, fill_hole_area=0)
        predictor.model.load_state_dict(meta.state_dict())
    else:
        meta = None
        predictor = SAM2VideoPredictor.from_config(cfg, args.checkpoint, args.device)
    settings = BenchmarkSettings(
        num_frames=args.num_frames,
        num_objects=args.num_objects,
        frame_size=tuple(args.frame_size),
        video=args.video,
        encoder_images=args.encoder_images,
        amp=args.amp,
        rss_lengths=args.rss_lengths,
        warmup_frames=args.warmup_frames,
        rounds=args.rounds,
        skip_frames=args.skip_frames,
        clock=args.clock,
    )
    with tempfile.TemporaryDirectory() as workdir:
        results = benchmark_video_predictor(predictor, settings, workdir, reference=meta)
    results['config'] = args.config
    print(format_benchmark(results))
    if args.out:
        with open(args.out, 'w') as file:
            json.dump(results, file, indent=2)


if __name__ == '__main__':
    main()
