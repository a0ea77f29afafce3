"""SAM2OptimWrapperConstructor: learning rates, layer decay, weight decay, freezing."""

import os.path as osp
from typing import Dict, Tuple

import pytest
import torch
import torch.nn as nn
from meta_reference import build_meta_model
from meta_training_reference import import_meta_training_package
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.optim.scheduler import CosineAnnealingLR
from training_helpers import CONFIG_DIR, build_tiny_model

from mmsam2.apis import init_model
from mmsam2.engine.optimizers import SAM2OptimWrapperConstructor, trunk_layer_id
from mmsam2.utils.checkpoint import convert_meta_sam2_state_dict

SCHEDULE = osp.join(CONFIG_DIR, '_base_', 'schedules', 'sam2_finetune.py')
BASE_LR, VISION_LR, WD = 5e-6, 3e-6, 0.1


def _recipe() -> dict:
    return Config.fromfile(SCHEDULE).optim_wrapper.to_dict()


def _settings(optim_wrapper) -> Dict[str, Tuple[float, float]]:
    """Parameter name -> (lr, weight decay)."""
    return {
        name: (group['lr'], group['weight_decay'])
        for group in optim_wrapper.optimizer.param_groups
        for name in group['names']
    }


def test_layer_decay_and_learning_rates() -> None:
    model = build_tiny_model()
    settings = _settings(build_optim_wrapper(model, _recipe()))
    num_blocks = len(model.backbone.blocks)  # L = 5
    for name, (lr, _) in settings.items():
        if name.startswith('backbone.blocks.'):
            i = int(name.split('.')[2])
            assert lr == pytest.approx(VISION_LR * 0.9 ** (num_blocks - i)), name
        elif name.startswith('backbone.patch_embed'):
            assert lr == pytest.approx(VISION_LR * 0.9 ** (num_blocks + 1))
        elif name.startswith('backbone.pos_embed') or name.startswith('neck.'):
            assert lr == pytest.approx(VISION_LR), name  # override / no decay on the neck
        else:
            assert lr == pytest.approx(BASE_LR), name
    assert trunk_layer_id('blocks.3.mlp.layers.0.weight', 5) == 4
    assert trunk_layer_id('pos_embed_window', 5) == 0
    assert trunk_layer_id('something_else', 5) == 6


def test_weight_decay_exclusions() -> None:
    model = build_tiny_model()
    settings = _settings(build_optim_wrapper(model, _recipe()))
    modules = dict(model.named_modules())
    for name, (_, wd) in settings.items():
        owner = modules[name.rsplit('.', 1)[0]] if '.' in name else model
        excluded = 'bias' in name or type(owner) is nn.LayerNorm
        assert wd == (0.0 if excluded else WD), name
    # Meta excludes torch.nn.LayerNorm only: LayerNorm2d weights keep weight decay
    assert settings['memory_encoder.mask_downsampler.encoder.1.weight'][1] == WD
    assert settings['backbone.blocks.0.norm1.weight'][1] == 0.0
    assert settings['backbone.pos_embed'][1] == WD


def test_freezing_by_config_and_by_model_flag() -> None:
    cfg = _recipe()
    cfg['paramwise_cfg']['freeze'] = ['backbone', 'memory_encoder.fuser']
    model = build_tiny_model()
    names = set(_settings(build_optim_wrapper(model, cfg)))
    assert not any(n.startswith(('backbone.', 'memory_encoder.fuser.')) for n in names)
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert any(n.startswith('memory_encoder.') for n in names)
    model = build_tiny_model(freeze_image_encoder=True)
    names = set(_settings(build_optim_wrapper(model, _recipe())))
    assert not any(n.startswith(('backbone.', 'neck.')) for n in names)


def test_groups_are_deterministic_and_cover_all_parameters() -> None:
    model = build_tiny_model()
    first = build_optim_wrapper(model, _recipe())
    second = build_optim_wrapper(model, _recipe())
    assert [g['names'] for g in first.optimizer.param_groups] == [
        g['names'] for g in second.optimizer.param_groups
    ]
    grouped = [p for g in first.optimizer.param_groups for p in g['params']]
    assert len(grouped) == len(set(map(id, grouped))) == len(list(model.parameters()))
    assert first.clip_grad_kwargs == dict(max_norm=0.1, norm_type=2)
    assert isinstance(first.optimizer, torch.optim.AdamW)


def test_cosine_keeps_the_ratios_and_ends_at_a_tenth() -> None:
    model = build_tiny_model()
    wrapper = build_optim_wrapper(model, _recipe())
    start = [g['lr'] for g in wrapper.optimizer.param_groups]
    scheduler = CosineAnnealingLR(
        wrapper, by_epoch=False, begin=0, end=11, T_max=10, eta_min_ratio=0.1
    )
    for _ in range(10):
        wrapper.step()
        scheduler.step()
    end = [g['lr'] for g in wrapper.optimizer.param_groups]
    assert end == pytest.approx([s / 10 for s in start])


def test_errors() -> None:
    with pytest.raises(ValueError, match='optimizer'):
        SAM2OptimWrapperConstructor(dict(type='OptimWrapper'))
    with pytest.raises(TypeError):
        SAM2OptimWrapperConstructor(dict(optimizer=dict(type='AdamW', lr=1.0)), dict(lr_mult=2))


class _AttrDict(dict):
    """The mix of item and attribute access Meta's optimizer helpers use."""

    __getattr__ = dict.__getitem__

    def __setattr__(self, key, value) -> None:
        self[key] = value


def _meta_settings(meta: nn.Module) -> Dict[str, Tuple[float, float]]:
    """(lr, weight decay) per parameter from Meta's training/optimizer.py helpers and the
    options of sam2.1_hiera_b+_MOSE_finetune.yaml, at the start of the schedule."""
    import_meta_training_package()
    from training import optimizer as meta_optim

    names = {n for n, _ in meta.named_parameters()}
    by_class = meta_optim.get_module_cls_to_param_names(meta)
    options = dict(
        lr=[
            _AttrDict(scheduler=lambda **_: BASE_LR),
            _AttrDict(scheduler=lambda **_: VISION_LR, param_names=['image_encoder.*']),
        ],
        weight_decay=[
            _AttrDict(scheduler=lambda **_: WD),
            _AttrDict(
                scheduler=lambda **_: 0.0,
                param_names=['*bias*'],
                module_cls_names=['torch.nn.LayerNorm'],
            ),
        ],
    )
    all_cfgs = []
    for option, cfgs in options.items():
        for cfg in cfgs:
            cfg.option = option
            cfg.parameter_names = meta_optim._unix_pattern_to_parameter_names(cfg, names, by_class)
        meta_optim.set_default_parameters(cfgs, names)
        all_cfgs.append(cfgs)
    all_cfgs = meta_optim.layer_decay_param_modifier(
        all_cfgs,
        meta,
        layer_decay_value=0.9,
        apply_to='image_encoder.trunk',
        overrides=[dict(pattern='*pos_embed*', value=1.0)],
    )
    schedulers, groups = meta_optim.map_scheduler_cfgs_to_param_groups(
        all_cfgs, dict(meta.named_parameters())
    )
    by_param = {}
    for scheduler, group in zip(schedulers, groups):
        values = (scheduler['lr'](where=0.0, step=0), scheduler['weight_decay'](where=0.0, step=0))
        by_param.update({id(p): values for p in group['params']})
    named = {n: by_param[id(p)] for n, p in meta.named_parameters()}
    return convert_meta_sam2_state_dict(named, num_fpn_levels=4)


@pytest.mark.parity
def test_param_groups_match_meta_recipe() -> None:
    meta = build_meta_model('sam2.1', 'tiny', 256)
    expected = _meta_settings(meta)
    ours = init_model(
        osp.join(CONFIG_DIR, 'sam2.1', 'sam2.1_hiera-t.py'), cfg_options={'model.image_size': 256}
    )
    got = _settings(build_optim_wrapper(ours, _recipe()))
    assert set(got) == set(expected)
    for name, (lr, wd) in expected.items():
        assert got[name][0] == pytest.approx(lr, rel=1e-9), name
        assert got[name][1] == wd, name
