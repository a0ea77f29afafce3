"""configure_test_run: --out is checked before the run, and two runs' outputs never mix."""

import logging
import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmsam2.engine.hooks import ClearTestOutputsHook
from mmsam2.engine.hooks.test_outputs_hook import OUTPUT_MARKER
from mmsam2.engine.test_setup import configure_test_run


def _cfg(work_dir: str, data_root: str = 'data/synthetic') -> Config:
    return Config(
        dict(
            work_dir=work_dir,
            load_from='checkpoints/sam2.1_hiera_tiny.pt',
            model=dict(type='SAM2VOSModel', test_cfg=dict()),
            test_dataloader=dict(dataset=dict(type='DAVISDataset', data_root=data_root)),
            test_evaluator=dict(type='VOSMetric'),
        )
    )


class _Runner:
    """What the hook needs of a runner: a logger."""

    def __init__(self) -> None:
        self.messages = []
        self.logger = logging.getLogger('test_setup')
        self.logger.info = self.messages.append


def _touch(path: str) -> str:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as file:
        file.write('earlier run')
    return path


def test_unwritable_out_fails_before_the_run(tmp_path) -> None:
    blocker = _touch(str(tmp_path / 'a_file'))
    for out, match in (
        (osp.join(blocker, 'results.pkl'), 'cannot be written'),  # parent is a file
        (str(tmp_path), 'must be a .pkl file'),
    ):
        with pytest.raises(ValueError, match=match):
            configure_test_run(_cfg(str(tmp_path / 'work')), 'configs/x.py', out=out)
    os.makedirs(tmp_path / 'dir.pkl')
    with pytest.raises(ValueError, match='is a folder'):
        configure_test_run(_cfg(str(tmp_path / 'work')), 'x.py', out=str(tmp_path / 'dir.pkl'))
    out = str(tmp_path / 'new' / 'results.pkl')
    cfg = configure_test_run(_cfg(str(tmp_path / 'work')), 'configs/x.py', out=out)
    assert cfg.test_evaluator[-1] == dict(type='DumpResults', out_file_path=out)
    assert not osp.exists(out)  # checked, not left behind


def test_outputs_of_an_earlier_run_are_removed(tmp_path) -> None:
    work = str(tmp_path / 'work')
    stale = [
        _touch(osp.join(work, 'predictions', 'video_999', '00000.png')),
        _touch(osp.join(work, 'vis', 'video_999.mp4')),
        _touch(osp.join(work, 'global_results-val.csv')),
        _touch(osp.join(work, 'per-sequence_results-val.csv')),
        _touch(osp.join(work, 'vos_results_other-benchmark.json')),
        _touch(osp.join(work, 'results.csv')),
    ]
    for folder in ('predictions', 'vis'):  # what the earlier run left as its mark
        _touch(osp.join(work, folder, OUTPUT_MARKER))
    kept = [
        _touch(osp.join(work, 'iter_100.pth')),
        _touch(osp.join(work, 'notes.txt')),
        _touch(osp.join(work, '20240101_000000', '20240101_000000.log')),
    ]
    cfg = configure_test_run(_cfg(work), 'configs/x.py', show_dir='vis')
    (hook,) = [h for h in cfg.custom_hooks if h['type'] == 'ClearTestOutputsHook']
    assert hook['folders'] == [osp.join(work, 'predictions'), osp.join(work, 'vis')]
    assert hook['result_dirs'] == [work]
    runner = _Runner()
    ClearTestOutputsHook(hook['folders'], hook['result_dirs']).before_test(runner)
    assert not any(osp.exists(path) for path in stale)
    assert all(osp.exists(path) for path in kept)
    (message,) = runner.messages
    assert 'removed 6 output(s) of an earlier run' in message and 'vos_results_other' in message
    assert all(osp.isfile(osp.join(f, OUTPUT_MARKER)) for f in hook['folders'])
    ClearTestOutputsHook(hook['folders'], hook['result_dirs']).before_test(runner)
    assert 'no earlier run there' in runner.messages[-1]
    again = configure_test_run(Config(cfg.to_dict()), 'configs/x.py', show_dir='vis')
    assert [h['type'] for h in again.custom_hooks].count('ClearTestOutputsHook') == 1


@pytest.mark.parametrize('show_dir', ['.', '..'])
def test_folders_holding_the_run_are_never_cleared(tmp_path, show_dir: str) -> None:
    work = str(tmp_path / 'work')
    with pytest.raises(ValueError, match='a folder of their own'):
        configure_test_run(_cfg(work), 'configs/x.py', show_dir=show_dir)
    data = str(tmp_path / 'data')
    cfg = _cfg(work, data_root=data)
    cfg.model.test_cfg.output_dir = str(tmp_path)  # holds the data root and the work dir
    with pytest.raises(ValueError, match='holds'):
        configure_test_run(cfg, 'configs/x.py')


def test_a_folder_of_the_users_is_never_cleared(tmp_path) -> None:
    """An existing, non-empty folder that no test run marked (e.g. ``--show-dir
    ~/Videos``) is refused before the run, and nothing in it is touched."""
    mine = _touch(str(tmp_path / 'Videos' / 'holiday.mp4'))
    with pytest.raises(ValueError, match='no mmsam2 test run wrote'):
        configure_test_run(_cfg(str(tmp_path / 'work')), 'x.py', show_dir=osp.dirname(mine))
    with pytest.raises(ValueError, match='no mmsam2 test run wrote'):
        ClearTestOutputsHook([osp.dirname(mine)], []).before_test(_Runner())
    assert osp.isfile(mine)
    empty = str(tmp_path / 'empty')
    os.makedirs(empty)
    configure_test_run(_cfg(str(tmp_path / 'work')), 'x.py', show_dir=empty)  # empty: fine
