"""Collect the VOS result files of many runs into one markdown / CSV leaderboard.

Example::

    python tools/analysis_tools/leaderboard.py work_dirs/* --out leaderboard.md \\
        --csv leaderboard.csv
"""

import argparse

from mmsam2.evaluation.leaderboard import build_leaderboard


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Build a VOS leaderboard from work dirs.')
    parser.add_argument(
        'work_dirs',
        nargs='+',
        help='work dirs (searched recursively for vos_results_*.json) or result files',
    )
    parser.add_argument('--out', default='leaderboard.md', help='markdown output file')
    parser.add_argument('--csv', help='CSV output file')
    return parser.parse_args()


def main() -> None:
    """Run the tool."""
    args = parse_args()
    print(build_leaderboard(args.work_dirs, args.out, args.csv))


if __name__ == '__main__':
    main()
