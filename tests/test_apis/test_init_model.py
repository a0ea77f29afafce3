"""init_model, Meta checkpoint loading, conversion tool and mismatch errors."""

import os.path as osp
import subprocess
import sys
import warnings

import pytest
import torch
from checkpoint_helpers import to_meta_layout

from mmsam2.apis import init_model
from mmsam2.utils import CheckpointMismatchError, convert_meta_sam2_state_dict

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TINY = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
SMALL_20 = osp.join(ROOT, 'configs', 'sam2', 'sam2_hiera-s.py')
OPTS = {'model.image_size': 128}


@pytest.fixture(scope='module')
def tiny_model():
    torch.manual_seed(0)
    return init_model(TINY, cfg_options=OPTS)


def test_init_model_builds_eval_model(tiny_model) -> None:
    assert not tiny_model.training
    assert tiny_model.image_size == 128
    assert tiny_model.cfg.model.image_size == 128
    assert tiny_model.prompt_encoder.mask_input_size == (32, 32)


def test_meta_checkpoint_loads_directly(tiny_model, tmp_path) -> None:
    meta_sd = to_meta_layout(tiny_model.state_dict())
    assert convert_meta_sam2_state_dict(meta_sd).keys() == tiny_model.state_dict().keys()
    path = tmp_path / 'sam2.1_hiera_tiny.pt'
    torch.save({'model': meta_sd}, path)
    torch.manual_seed(1)
    loaded = init_model(TINY, str(path), cfg_options=OPTS)
    for key, value in tiny_model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key]), key


def test_converter_tool_round_trip(tiny_model, tmp_path) -> None:
    src = tmp_path / 'meta.pt'
    dst = tmp_path / 'out' / 'converted.pth'
    torch.save({'model': to_meta_layout(tiny_model.state_dict())}, src)
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'model_converters', 'sam2_to_mmsam2.py'),
        str(src),
        str(dst),
        '--config',
        TINY,
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    loaded = init_model(TINY, str(dst), cfg_options=OPTS)
    key = 'backbone.patch_embed.proj.weight'
    assert torch.equal(loaded.state_dict()[key], tiny_model.state_dict()[key])


def test_converter_tool_rejects_other_files(tmp_path) -> None:
    src = tmp_path / 'other.pt'
    torch.save({'model': {'foo': torch.zeros(1)}}, src)
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'model_converters', 'sam2_to_mmsam2.py'),
        str(src),
        str(tmp_path / 'x.pth'),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert res.returncode != 0 and 'not a Meta SAM 2 checkpoint' in res.stderr


def test_wrong_checkpoint_gives_one_clear_error(tiny_model, tmp_path) -> None:
    path = tmp_path / 'tiny21.pt'
    torch.save({'model': to_meta_layout(tiny_model.state_dict())}, path)
    with pytest.raises(CheckpointMismatchError) as err:
        init_model(SMALL_20, str(path), cfg_options=OPTS)
    msg = str(err.value)
    assert 'SAM 2.1' in msg and 'SAM 2.0' in msg
    assert 'not in model' in msg and 'no_obj_embed_spatial' in msg
    assert 'missing in checkpoint' in msg and 'backbone.blocks.' in msg


def test_shape_mismatch_is_reported(tiny_model) -> None:
    sd = dict(tiny_model.state_dict())
    sd['no_mem_embed'] = torch.zeros(1, 1, 8)
    with pytest.raises(CheckpointMismatchError, match=r'no_mem_embed: \(1, 1, 8\) vs'):
        tiny_model.load_state_dict(sd)


def test_mmengine_checkpoint_round_trip(tiny_model, tmp_path) -> None:
    """A runner checkpoint (its message hub pickles more than tensors) loads
    weights-only, silently: the allow-list covers what mmengine writes."""
    from mmengine.logging import MessageHub
    from mmengine.runner import save_checkpoint

    hub = MessageHub.get_instance('mmsam2_test')
    hub.update_scalar('train/loss', 1.5)
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint(
        {
            'state_dict': tiny_model.state_dict(),
            'meta': {'epoch': 1},
            'message_hub': hub.state_dict(),
        },
        path,
    )
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        loaded = init_model(TINY, path, cfg_options=OPTS)
    key = 'mask_decoder.iou_token.weight'
    assert torch.equal(loaded.state_dict()[key], tiny_model.state_dict()[key])
