"""Evaluate any method's VOS results folder with the DAVIS or SA-V protocol.

Example::

    python tools/analysis_tools/eval_vos.py data/DAVIS/Annotations/480p \\
        work_dirs/sam2.1_t/davis --protocol davis \\
        --split-file data/DAVIS/ImageSets/2017/val.txt --workers 8
"""

import argparse

from mmsam2.evaluation.functional import PROTOCOLS, read_split_file, run_vos_evaluation


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Evaluate a folder of predicted VOS masks.')
    parser.add_argument(
        'gt_root', help='ground-truth root: <video>/<frame>.png or <video>/<obj_id>/<frame>.png'
    )
    parser.add_argument('pred_root', help='prediction root, same layout')
    parser.add_argument(
        '--protocol',
        choices=PROTOCOLS,
        default='davis',
        help='davis: DAVIS 2017 semi-supervised; sav: SA-V evaluator',
    )
    parser.add_argument(
        '--split-file',
        help='text file of the videos to evaluate '
        '(e.g. ImageSets/2017/val.txt); default: every ground-truth video',
    )
    parser.add_argument(
        '--seen-split',
        help='seen/unseen split: .txt of unseen videos '
        '(LVOS) or .json {video: bool | {obj_id: bool}} (true = seen)',
    )
    parser.add_argument('--workers', type=int, default=4, help='worker processes')
    parser.add_argument('--out-dir', help='output folder (default: PRED_ROOT)')
    parser.add_argument('--set', default='val', help='subset name in the CSV file names')
    parser.add_argument(
        '--benchmark', help='benchmark name of the leaderboard JSON (default: <protocol>-<set>)'
    )
    parser.add_argument(
        '--official-decay',
        action='store_true',
        help="reproduce davis2017-evaluation's uint8 decay bins",
    )
    parser.add_argument('--model-name', help='model name for the leaderboard')
    parser.add_argument('--config', help='config file for the leaderboard')
    parser.add_argument('--fps', type=float, help='inference speed for the leaderboard')
    parser.add_argument('--params', type=float, help='parameters (millions) for the leaderboard')
    return parser.parse_args()


def main() -> None:
    """Run the tool."""
    args = parse_args()
    metrics = run_vos_evaluation(
        args.gt_root,
        args.pred_root,
        protocol=args.protocol,
        out_dir=args.out_dir,
        videos=read_split_file(args.split_file) if args.split_file else None,
        seen_split=args.seen_split,
        workers=args.workers,
        set_name=args.set,
        benchmark=args.benchmark,
        official_decay=args.official_decay,
        model=args.model_name,
        config=args.config,
        fps=args.fps,
        params=args.params,
    )
    for name, value in metrics.items():
        print(f'{name:>10}: {value:.3f}')


if __name__ == '__main__':
    main()
