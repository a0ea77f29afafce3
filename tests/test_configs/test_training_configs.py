"""Training configs: Meta's fine-tuning recipe values, and a working tiny CPU model."""

import glob
import inspect
import os.path as osp

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.registry import init_default_scope
from training_helpers import CONFIG_DIR, clip_batch

from mmsam2.models.segmentors import SAM2Train
from mmsam2.registry import MODELS

FINETUNE = sorted(glob.glob(osp.join(CONFIG_DIR, 'sam2.1_finetune', '*.py')))
TINY = osp.join(CONFIG_DIR, 'sam2.1_tiny-cpu', 'sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py')


def _meta_recipe() -> dict:
    import sam2

    path = osp.join(
        osp.dirname(sam2.__file__),
        'configs',
        'sam2.1_training',
        'sam2.1_hiera_b+_MOSE_finetune.yaml',
    )
    if not osp.isfile(path):
        pytest.skip("Meta's sam2 package with its training config is not installed")
    with open(path) as f:
        return yaml.safe_load(f)


def test_every_size_and_dataset_has_a_config() -> None:
    names = {osp.basename(p) for p in FINETUNE}
    for size in ('t', 's', 'b+', 'l'):
        for data in ('mose', 'davis-ytvos', 'sa-v'):
            assert f'sam2.1_hiera-{size}_8xb1-finetune_{data}.py' in names


@pytest.mark.parametrize('path', FINETUNE, ids=osp.basename)
def test_finetune_config_follows_meta_recipe(path: str) -> None:
    meta = _meta_recipe()
    scratch, trainer = meta['scratch'], meta['trainer']
    meta_model = trainer['model']
    cfg = Config.fromfile(path)
    model = cfg.model
    assert model.type == 'SAM2Train' and model.image_size == scratch['resolution']
    assert model.backbone.drop_path_rate == meta_model['image_encoder']['trunk']['drop_path_rate']
    # every model option of the recipe: in the config, or SAM2Train's default
    defaults = {
        name: p.default
        for name, p in inspect.signature(SAM2Train.__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    for key, value in meta_model.items():
        if isinstance(value, dict) or str(value).startswith('${') or key == '_target_':
            continue
        assert model.get(key, defaults.get(key)) == value, key
    optim = cfg.optim_wrapper
    assert optim.optimizer.type == 'AdamW'
    assert optim.optimizer.lr == scratch['base_lr']
    assert optim.paramwise_cfg.vision_lr == scratch['vision_lr']
    assert optim.clip_grad.max_norm == trainer['optim']['gradient_clip']['max_norm']
    modifier = trainer['optim']['param_group_modifiers'][0]
    assert optim.paramwise_cfg.layer_decay == modifier['layer_decay_value']
    assert optim.paramwise_cfg.layer_decay_overrides == {
        o['pattern']: o['value'] for o in modifier['overrides']
    }
    wd = trainer['optim']['options']['weight_decay']
    assert optim.optimizer.weight_decay == wd[0]['scheduler']['value']
    assert list(optim.paramwise_cfg.no_weight_decay_names) == wd[1]['param_names']
    loss = meta['trainer']['loss']['all']
    defaults = MODELS.build(dict(type='SAM2MultiStepLoss'))
    assert defaults.weight_dict == {k: float(v) for k, v in loss['weight_dict'].items()}
    for key in ('supervise_all_iou', 'iou_use_l1_loss', 'pred_obj_scores'):
        assert getattr(defaults, key) == loss[key], key
    assert cfg.param_scheduler[0].eta_min_ratio == 0.1  # cosine to base / 10
    assert cfg.train_dataloader.batch_size == scratch['train_batch_size']
    assert cfg.load_from.startswith('checkpoints/sam2.1_hiera_')


def test_tiny_config_builds_and_trains_a_step() -> None:
    cfg = Config.fromfile(TINY)
    init_default_scope('mmsam2')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) < 2e6
    inputs, samples = clip_batch([2], num_frames=3, size=cfg.model.image_size)
    losses = model(inputs, samples, mode='loss')
    sum(losses.values()).backward()
    assert all(torch.isfinite(v) for v in losses.values())


def test_train_tool_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        'train_tool', osp.join(CONFIG_DIR, '..', 'tools', 'train.py')
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr('sys.argv', ['train.py', TINY, '--amp', '--resume', '--launcher', 'none'])
    monkeypatch.setenv('LOCAL_RANK', '0')  # restored afterwards (the tool sets it if absent)
    args = tool.parse_args()
    assert args.amp and args.resume == 'auto' and args.amp_dtype == 'bfloat16'
    assert args.launcher == 'none' and args.cfg_options is None
