"""Checkpoints cannot run code: every entry point refuses a hostile pickle.

A hostile file's pickle calls ``os.system('touch MARKER')`` when unpickled
without ``weights_only``. Each test feeds it to one entry point and asserts
that the marker file was never created and that the error names the file,
the refused global and the opt-in. mmsam2's own checkpoints (written by
``tools/train.py``) must load silently, and importing mmsam2 must leave
mmengine's loaders and torch's allow-list as they were.
"""

import json
import os
import os.path as osp
import pickle
import subprocess
import sys
import warnings
from typing import Tuple

import pytest
import torch
from checkpoint_helpers import to_meta_layout
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from training_helpers import ROOT, generate_tiny_davis, run_command, tiny_train_config

from mmsam2.apis import SAM2ImagePredictor, SAM2VideoPredictor, init_model
from mmsam2.utils import (
    CheckpointError,
    CheckpointNotFoundError,
    UntrustedCheckpointError,
    load_checkpoint_file,
)

TINY = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
OPTS = {'model.image_size': 64}
TRAIN = osp.join(ROOT, 'tools', 'train.py')
TEST = osp.join(ROOT, 'tools', 'test.py')
CONVERT = osp.join(ROOT, 'tools', 'model_converters', 'sam2_to_mmsam2.py')
VOS_TEST_CFG = osp.join(
    ROOT, 'configs', 'sam2.1_tiny-cpu', 'sam2.1_hiera-t-tiny_vos_synthetic-val.py'
)


class _Payload:
    """Unpickling this runs ``touch <marker>``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


def _hostile(folder, legacy: bool = False) -> Tuple[str, str]:
    """A checkpoint-looking file whose pickle runs a shell command; and its marker."""
    marker = str(folder / 'PAYLOAD_RAN')
    path = str(folder / ('hostile_legacy.pth' if legacy else 'hostile.pth'))
    content = {
        'state_dict': {'no_mem_embed': torch.zeros(1, 1, 64)},
        'meta': {'epoch': 1, 'iter': 1},
        'payload': _Payload(marker),
    }
    if legacy:  # a raw pickle (torch's legacy format), no tensors
        with open(path, 'wb') as file:
            pickle.dump(dict(content, state_dict={}), file, protocol=2)
    else:
        torch.save(content, path)
    return path, marker


def _assert_refused(message: str, path: str, marker: str) -> None:
    assert not osp.exists(marker), 'the payload ran'
    assert path in message, message
    assert 'system' in message and 'refused to load' in message, message
    assert 'trust_checkpoint=True' in message or '--trust-checkpoint' in message, message


@pytest.mark.parametrize('legacy', [False, True], ids=['zip', 'legacy-pickle'])
def test_load_checkpoint_file_refuses_a_hostile_pickle(tmp_path, legacy) -> None:
    path, marker = _hostile(tmp_path, legacy)
    with pytest.raises(UntrustedCheckpointError) as info:
        load_checkpoint_file(path)
    _assert_refused(str(info.value), path, marker)
    assert info.value.filename == path and 'system' in info.value.refused


def test_init_model_and_predictors_refuse_a_hostile_pickle(tmp_path) -> None:
    path, marker = _hostile(tmp_path)
    with pytest.raises(UntrustedCheckpointError) as info:
        init_model(TINY, path, cfg_options=OPTS)
    _assert_refused(str(info.value), path, marker)
    for predictor in (SAM2ImagePredictor, SAM2VideoPredictor):
        with pytest.raises(UntrustedCheckpointError):
            predictor.from_config(TINY, path, cfg_options=OPTS)
    assert not osp.exists(marker)


def test_getattr_is_allowed_only_for_history_buffer_statistics(tmp_path) -> None:
    """mmengine's log buffers pickle ``getattr(HistoryBuffer, 'mean')``; a general
    ``getattr`` would reach anything, so every other use is refused."""

    class Reach:
        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))  # on to __globals__, os, ...

    path = str(tmp_path / 'getattr.pth')
    torch.save({'x': Reach()}, path)
    with pytest.raises(UntrustedCheckpointError, match=r'getattr\(HistoryBuffer\.__init__\)'):
        load_checkpoint_file(path)


def test_mmengine_loader_after_import_mmsam2_stays_safe(tmp_path) -> None:
    """Importing mmsam2 (every package) leaves mmengine's schemes and torch's
    allow-list unchanged, so other libraries' loads behave as before."""
    path, marker = _hostile(tmp_path)
    script = f"""
import torch
from mmengine.runner.checkpoint import CheckpointLoader, load_checkpoint
before = dict(CheckpointLoader._schemes)
safe_before = list(torch.serialization.get_safe_globals())
import mmsam2, mmsam2.apis, mmsam2.datasets, mmsam2.engine, mmsam2.evaluation
import mmsam2.models, mmsam2.utils, mmsam2.visualization
assert dict(CheckpointLoader._schemes) == before, 'schemes changed'
assert list(torch.serialization.get_safe_globals()) == safe_before, 'allow-list changed'
try:
    load_checkpoint(torch.nn.Linear(1, 1), {path!r})
except Exception as err:
    print('REFUSED', type(err).__name__)
"""
    code, output = run_command([sys.executable, '-c', script], timeout=300)
    assert code == 0, output
    assert 'REFUSED' in output, output
    assert not osp.exists(marker)


@pytest.fixture(scope='module')
def trained(tmp_path_factory) -> Tuple[str, str]:
    """A 1-iteration ``tools/train.py`` run: its config and checkpoint."""
    folder = tmp_path_factory.mktemp('trained')
    data_root = str(folder / 'data')
    generate_tiny_davis(data_root, num_videos=3)
    cfg = tiny_train_config(data_root, max_iters=1)
    config_file = str(folder / 'tiny.py')
    cfg.dump(config_file)
    work_dir = str(folder / 'work')
    code, output = run_command([sys.executable, TRAIN, config_file, '--work-dir', work_dir])
    assert code == 0, output[-3000:]
    return config_file, osp.join(work_dir, 'iter_1.pth')


def test_own_training_checkpoints_load_silently(trained) -> None:
    _, checkpoint = trained
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        loaded = load_checkpoint_file(checkpoint)
    assert {'state_dict', 'meta', 'message_hub', 'optimizer'} <= set(loaded)
    assert loaded['message_hub']['log_scalars']['train/loss'].current() > 0


def test_train_resume_refuses_a_hostile_pickle(trained, tmp_path) -> None:
    config_file, _ = trained
    path, marker = _hostile(tmp_path)
    command = [sys.executable, TRAIN, config_file, '--work-dir', str(tmp_path / 'w')]
    code, output = run_command(command + ['--resume', path])
    assert code != 0
    _assert_refused(output, path, marker)


def test_train_resume_without_training_state_is_explained(trained, tmp_path) -> None:
    config_file, checkpoint = trained
    weights_only = str(tmp_path / 'weights.pth')
    torch.save({'state_dict': load_checkpoint_file(checkpoint)['state_dict']}, weights_only)
    command = [sys.executable, TRAIN, config_file, '--work-dir', str(tmp_path / 'w')]
    code, output = run_command(command + ['--resume', weights_only])
    assert code != 0
    assert 'cannot resume from' in output and 'load_from' in output, output[-2000:]
    assert "KeyError: 'epoch'" not in output


def test_test_tool_refuses_a_hostile_pickle_and_trust_is_explicit(trained, tmp_path) -> None:
    path, marker = _hostile(tmp_path)
    data_root = osp.join(osp.dirname(trained[0]), 'data')
    command = [sys.executable, TEST, VOS_TEST_CFG, path, '--work-dir', str(tmp_path / 'w')]
    command += ['--cfg-options', f'test_dataloader.dataset.data_root={data_root}']
    code, output = run_command(command, cwd=ROOT)
    assert code != 0
    _assert_refused(output, path, marker)
    assert (
        '--trust-checkpoint'
        in subprocess.run(
            [sys.executable, TEST, '--help'], capture_output=True, text=True, cwd=ROOT
        ).stdout
    )


def test_converter_refuses_a_hostile_pickle(tmp_path) -> None:
    path, marker = _hostile(tmp_path)
    code, output = run_command([sys.executable, CONVERT, path, str(tmp_path / 'out.pth')])
    assert code != 0
    _assert_refused(output, path, marker)
    assert 'Traceback' not in output, output


def test_detection_tracker_refuses_a_hostile_pickle(trained, tmp_path) -> None:
    from mmengine.registry import init_default_scope
    from tracking_helpers import oracle_tracker_config

    from mmsam2.registry import MODELS

    path, marker = _hostile(tmp_path)
    data_root = osp.join(osp.dirname(trained[0]), 'data')
    with open(osp.join(data_root, 'categories.json')) as file:
        categories = {int(k): v for k, v in json.load(file)['video_000'].items()}
    ann_dir = osp.join(data_root, 'Annotations', '480p', 'video_000')
    init_default_scope('mmsam2')
    for key in ('sam2_checkpoint', 'detector_checkpoint'):
        cfg = oracle_tracker_config(ann_dir, categories, **{key: path})
        with pytest.raises(UntrustedCheckpointError) as info:
            MODELS.build(cfg)
        _assert_refused(str(info.value), path, marker)


def test_pretrained_init_cfg_refuses_a_hostile_pickle(tmp_path) -> None:
    """``init_cfg=dict(type='Pretrained')`` in mmsam2's scope loads safely."""
    from mmengine.model import BaseModule
    from mmengine.registry import init_default_scope

    path, marker = _hostile(tmp_path)
    init_default_scope('mmsam2')
    module = BaseModule(init_cfg=dict(type='Pretrained', checkpoint=path))
    module.layer = torch.nn.Linear(2, 2)
    with pytest.raises(UntrustedCheckpointError):
        module.init_weights()
    assert not osp.exists(marker)
    good = str(tmp_path / 'good.pth')
    weights = {'module.layer.weight': torch.ones(2, 2), 'module.layer.bias': torch.zeros(2)}
    torch.save({'state_dict': weights}, good)
    module = BaseModule(init_cfg=dict(type='Pretrained', checkpoint=good))
    module.layer = torch.nn.Linear(2, 2)
    module.init_weights()
    assert torch.equal(module.layer.weight, torch.ones(2, 2))


def test_trust_checkpoint_opts_in_for_a_harmless_non_tensor_file(tmp_path) -> None:
    """A trusted file with a global outside the allow-list loads only on request."""
    torch.manual_seed(0)
    model = init_model(TINY, cfg_options=OPTS)
    path = str(tmp_path / 'extra.pth')
    torch.save({'state_dict': model.state_dict(), 'cfg': Config(dict(a=1))}, path)
    with pytest.raises(UntrustedCheckpointError, match='Config'):
        init_model(TINY, path, cfg_options=OPTS)
    loaded = init_model(TINY, path, cfg_options=OPTS, trust_checkpoint=True)
    assert torch.equal(loaded.no_mem_embed, model.no_mem_embed)


@pytest.mark.parametrize(
    'content, message',
    [
        (b'', 'is empty'),
        (b'model weights: see README\n', 'not a PyTorch checkpoint'),
        ('truncated', 'not a readable checkpoint'),
    ],
)
def test_damaged_files_raise_checkpoint_error(tmp_path, content, message) -> None:
    path = str(tmp_path / 'model.pth')
    if content == 'truncated':
        torch.save({'state_dict': {'w': torch.zeros(1000)}}, path)
        with open(path, 'rb') as file:
            data = file.read()
        content = data[: len(data) // 2]
    with open(path, 'wb') as file:
        file.write(content)
    with pytest.raises(CheckpointError, match=message):
        init_model(TINY, path, cfg_options=OPTS)


def test_missing_file_and_unknown_scheme(tmp_path) -> None:
    with pytest.raises(CheckpointNotFoundError, match='does not exist'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))
    with pytest.raises(FileNotFoundError):  # still a FileNotFoundError for callers
        load_checkpoint_file(str(tmp_path / 'nope.pth'))
    with pytest.raises(CheckpointError, match='only local files and http'):
        load_checkpoint_file('s3://bucket/model.pth')


def test_meta_checkpoint_loads_directly_through_the_test_tool(trained, tmp_path) -> None:
    """``tools/test.py`` (SafeRunner's ``load_from``) takes Meta's ``{'model': ...}``
    file as it is, weights-only and without a warning."""
    torch.manual_seed(0)
    model = init_model(VOS_TEST_CFG, cfg_options=OPTS)
    path = str(tmp_path / 'sam2.1_tiny_meta.pt')
    torch.save({'model': to_meta_layout(model.state_dict())}, path)
    data_root = osp.join(osp.dirname(trained[0]), 'data')
    command = [sys.executable, TEST, VOS_TEST_CFG, path, '--work-dir', str(tmp_path / 'w')]
    command += ['--cfg-options', 'model.image_size=64']
    command += [f'test_dataloader.dataset.data_root={data_root}']
    code, output = run_command(command, cwd=ROOT)
    assert code == 0, output[-3000:]
    assert 'Load checkpoint from' in output and 'J&F' in output.replace('J_and_F', 'J&F')
    assert 'weights_only' not in output and 'Warning' not in output.split('Load checkpoint')[-1]
