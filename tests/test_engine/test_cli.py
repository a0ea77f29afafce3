"""The argument handling shared by tools/train.py and tools/test.py."""

import argparse
import os
import os.path as osp
import sys

import pytest

from mmsam2.engine.cli import add_runner_args, load_config, parse_runner_args

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'sam2.1_tiny-cpu', 'sam2.1_hiera-t-tiny_vos_synthetic-val.py')


def _parse(monkeypatch: pytest.MonkeyPatch, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_runner_args(parser, 'model.image_size=512')
    monkeypatch.setattr(sys, 'argv', ['tool', *argv])
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    return parse_runner_args(parser)


def test_overrides_and_launcher_reach_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    args = _parse(
        monkeypatch, CONFIG, '--cfg-options', 'model.image_size=64', '--launcher', 'pytorch'
    )
    cfg = load_config(args)
    assert cfg.model.image_size == 64
    assert cfg.launcher == 'pytorch'


def test_local_rank_is_exported(monkeypatch: pytest.MonkeyPatch) -> None:
    _parse(monkeypatch, CONFIG, '--local-rank', '3')
    assert os.environ['LOCAL_RANK'] == '3'


def test_unknown_launcher_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit):
        _parse(monkeypatch, CONFIG, '--launcher', 'horovod')
