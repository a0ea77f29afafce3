"""Command-line pieces shared by ``tools/train.py`` and ``tools/test.py``."""

import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmsam2.engine.runner import SafeRunner
from mmsam2.registry import RUNNERS

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def add_runner_args(parser: argparse.ArgumentParser, cfg_example: str) -> None:
    """Add ``--cfg-options``, ``--launcher`` and ``--local-rank`` to a parser.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        cfg_example (str): An example override for the help text.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help=f'override config settings, e.g. {cfg_example}',
    )
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow checkpoints that need arbitrary unpickling (weights_only=False); such a '
        'file can run code: only for files you trust',
    )
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the command line and export ``LOCAL_RANK`` for the launchers.

    Args:
        parser (argparse.ArgumentParser): A parser set up with
            :func:`add_runner_args`.

    Returns:
        argparse.Namespace: The arguments.
    """
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config``, set the launcher and trust, merge ``--cfg-options``.

    Args:
        args (argparse.Namespace): Parsed arguments with ``config``,
            ``launcher`` and ``cfg_options``.

    Returns:
        Config: The config to run.
    """
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if getattr(args, 'trust_checkpoint', False):
        cfg.trust_checkpoint = True
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def build_runner(cfg: Config) -> Runner:
    """The config's runner: ``runner_type`` if set, else :class:`SafeRunner`.

    Args:
        cfg (Config): The config to run.

    Returns:
        Runner: The runner (checkpoint loads through mmsam2's safe loader
        unless the config chose another runner type).
    """
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return SafeRunner.from_cfg(cfg)
