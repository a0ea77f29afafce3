"""Train a model with mmengine's runner.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--amp [--amp-dtype float16]]
        [--resume [CHECKPOINT]] [--cfg-options key=value ...]
        [--launcher none|pytorch|slurm|mpi]

``load_from`` in the config may be an mmsam2 checkpoint or one of Meta's SAM 2
``.pt`` files. ``--resume`` alone continues from the latest checkpoint of the
work dir.
"""

import argparse

from mmsam2.engine.amp import add_amp_args
from mmsam2.engine.cli import add_runner_args, build_runner, load_config, parse_runner_args
from mmsam2.engine.train_setup import configure_train_run, init_cpu_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    add_amp_args(parser, 'train', 'float16 needs a GPU and scales the loss')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume from this checkpoint, or (no value) from the latest one of the work dir',
    )
    add_runner_args(parser, 'train_cfg.max_iters=1000')
    return parse_runner_args(parser)


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    configure_train_run(
        cfg,
        config_path=args.config,
        work_dir=args.work_dir,
        amp=args.amp,
        amp_dtype=args.amp_dtype,
        resume=args.resume,
    )
    init_cpu_distributed(cfg, args.launcher)  # gloo, for --launcher pytorch without a GPU
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
