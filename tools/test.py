"""Evaluate a model with mmengine's test loop.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl]
        [--show-dir DIR] [--amp [--amp-dtype float16]] [--cfg-options key=value ...]
        [--launcher none]

CHECKPOINT may be an mmsam2 checkpoint or one of Meta's SAM 2 ``.pt`` files.
``--amp`` runs the model under autocast: bfloat16 on a CPU (about 3x faster
for SAM 2 at 1024 px on CPUs with AMX, see docs/video_predictor.md), bfloat16
or float16 on a GPU.
"""

import argparse
import os.path as osp

from mmsam2.engine.amp import add_amp_args, amp_dtype_arg
from mmsam2.engine.cli import add_runner_args, build_runner, load_config, parse_runner_args
from mmsam2.engine.test_setup import configure_test_run


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file (mmsam2 or Meta .pt)')
    parser.add_argument('--work-dir', help='folder for logs, predictions and metric files')
    parser.add_argument('--out', help='dump the metric results to this pickle file')
    parser.add_argument('--show-dir', help='write overlay videos of the predictions here')
    add_amp_args(parser, 'test', 'float16 needs a GPU')
    add_runner_args(parser, 'model.image_size=512')
    return parse_runner_args(parser)


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    cfg.work_dir = (
        args.work_dir
        or cfg.get('work_dir')
        or osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    )
    cfg.load_from = args.checkpoint
    configure_test_run(
        cfg,
        config_path=args.config,
        out=args.out,
        show_dir=args.show_dir,
        amp_dtype=amp_dtype_arg(args),
    )
    runner = build_runner(cfg)
    runner.test()


if __name__ == '__main__':
    main()
