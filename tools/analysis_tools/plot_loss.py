"""Plot the training losses of a work dir.

Usage:
    python tools/analysis_tools/plot_loss.py WORK_DIR [--out loss.png] [--keys loss ...]
"""

import argparse
import os.path as osp

from mmsam2.utils.loss_curve import find_scalars_file, plot_loss_curves, read_loss_curves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('work_dir', help='training work dir (holds */vis_data/scalars.json)')
    parser.add_argument('--out', help='output image (default: <work_dir>/loss_curve.png)')
    parser.add_argument('--keys', nargs='*', default=(), help='keys to plot (default: all losses)')
    args = parser.parse_args()
    curves = read_loss_curves(find_scalars_file(args.work_dir), args.keys)
    out = plot_loss_curves(curves, args.out or osp.join(args.work_dir, 'loss_curve.png'))
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
