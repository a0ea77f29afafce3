"""Write a small synthetic VOS benchmark in the layout of a real one.

Usage:
    python tools/dataset_converters/make_synthetic_vos.py data/synthetic_davis \
        --format davis --num-videos 8 --num-frames 24 --seed 0

Hard cases (look-alike distractors crossing the objects, longer videos):
    python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos_hard \
        --format davis --num-videos 12 --num-val-videos 12 --num-frames 48 \
        --num-distractors 2 --seed 7

The same arguments always give the same files. See docs/datasets.md for the
layouts and the dataset configs that read them.
"""

import argparse

from tqdm import tqdm

from mmsam2.datasets.synthetic import FORMATS, generate_synthetic_vos


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument('--format', default='davis', choices=FORMATS, help='benchmark layout')
    parser.add_argument(
        '--num-videos',
        type=int,
        default=4,
        help='number of videos in all splits together (train + val): --num-val-videos of them '
        'go to the second split (val / valid, test for SA-V), the rest to the first',
    )
    parser.add_argument(
        '--num-val-videos',
        type=int,
        help='how many of --num-videos go to the second split (default: half, rounded down)',
    )
    parser.add_argument('--num-frames', type=int, default=24, help='frames per video')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(96, 128),
        metavar=('H', 'W'),
        help='frame height and width',
    )
    parser.add_argument('--max-objects', type=int, default=3, help='most objects in a video')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--num-distractors',
        type=int,
        default=0,
        help='unannotated look-alikes per video that cross the objects (hard case)',
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with tqdm(total=args.num_videos, desc=f'synthetic {args.format}', unit='video') as bar:
        splits = generate_synthetic_vos(
            args.out_dir,
            fmt=args.format,
            num_videos=args.num_videos,
            num_frames=args.num_frames,
            size=tuple(args.size),
            max_objects=args.max_objects,
            seed=args.seed,
            num_val_videos=args.num_val_videos,
            num_distractors=args.num_distractors,
            on_video=lambda name: bar.update(1),
        )
    for split, videos in splits.items():
        print(f'{split}: {len(videos)} videos')
    print(f'wrote {args.out_dir}')


if __name__ == '__main__':
    main()
