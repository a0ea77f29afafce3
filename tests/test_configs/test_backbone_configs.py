"""Swappable backbones: every config of configs/sam2.1_backbones builds, trains and tracks."""

import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from training_helpers import CONFIG_DIR, clip_batch, generate_tiny_davis, make_quick_clip_training

from mmsam2.engine.test_setup import configure_test_run
from mmsam2.models.backbones import check_feature_maps, declared_outputs
from mmsam2.models.segmentors import SAM2
from mmsam2.registry import MODELS
from mmsam2.structures import MemoryBank

BACKBONES = osp.join(CONFIG_DIR, 'sam2.1_backbones')
TINY = ('r18-tiny', 'swin-t-tiny', 'vit-t-tiny')
FULL = ('r50', 'swin-t', 'vit-s')
# What each backbone declares: (out_channels, wrapped type).
TINY_OUTPUTS = {
    'r18-tiny': ([16, 32, 64, 128], 'ResNet'),
    'swin-t-tiny': ([24, 48, 96, 192], 'SwinTransformer'),
    'vit-t-tiny': ([24, 48, 96, 96], 'PlainViT'),
}
FULL_OUTPUTS = {
    'r50': [256, 512, 1024, 2048],
    'swin-t': [96, 192, 384, 768],
    'vit-s': [96, 192, 384, 384],
}


def _config(name: str) -> Config:
    init_default_scope('mmsam2')
    return Config.fromfile(osp.join(BACKBONES, name))


def _build(cfg: Config, seed: int = 0) -> SAM2:
    torch.manual_seed(seed)
    return MODELS.build(cfg.model)


def test_every_backbone_has_its_configs() -> None:
    names = {osp.basename(p) for p in glob.glob(osp.join(BACKBONES, '*.py'))}
    expected = set()
    for name in TINY:
        expected |= {
            f'sam2.1_{name}_1xb1-scratch_synthetic.py',
            f'sam2.1_{name}_vos_synthetic-val.py',
        }
    for name in FULL:
        expected |= {
            f'sam2.1_{name}_8xb1-finetune_davis-ytvos.py',
            f'sam2.1_{name}_vos_davis-2017-val.py',
        }
    assert names == expected


@pytest.mark.parametrize('name', TINY)
def test_tiny_config_declares_and_returns_its_pyramid(name: str) -> None:
    cfg = _config(f'sam2.1_{name}_1xb1-scratch_synthetic.py')
    model = _build(cfg)
    channels, wrapped = TINY_OUTPUTS[name]
    assert type(model.backbone.backbone).__name__ == wrapped
    assert declared_outputs(model.backbone) == (channels, [4, 8, 16, 32])
    assert model.neck.in_channels == channels and model.backbone_stride == 16
    num_params = sum(p.numel() for p in model.parameters())
    assert 0.8e6 < num_params < 3e6, num_params  # comparable with the 1.2M Hiera model
    feats = model.backbone(torch.randn(2, 3, 128, 128))
    check_feature_maps(feats, (128, 128), channels, [4, 8, 16, 32])


@pytest.mark.parametrize('name', TINY)
def test_tiny_config_trains_a_step(name: str) -> None:
    cfg = _config(f'sam2.1_{name}_1xb1-scratch_synthetic.py')
    cfg.model.image_size = 64
    model = _build(cfg).train()
    inputs, samples = clip_batch([2], num_frames=3, size=64)
    losses = model(inputs, samples, mode='loss')
    sum(losses.values()).backward()
    assert all(torch.isfinite(v) for v in losses.values())
    grads = [p.grad for p in model.backbone.parameters() if p.requires_grad]
    assert grads and all(g is not None for g in grads[:1] + grads[-1:])


@pytest.mark.parametrize('name', TINY)
def test_tiny_test_config_tracks_a_video(name: str) -> None:
    """Mask prompt on frame 0, then 3 tracked frames through the memory bank."""
    model = _build(_config(f'sam2.1_{name}_vos_synthetic-val.py')).eval()
    assert isinstance(model, SAM2)
    size, num_objects, num_frames = model.image_size, 2, 4
    frames = torch.rand(num_frames, 3, size, size)
    prompt = torch.zeros(num_objects, 1, size, size)
    prompt[0, :, 16:64, 16:64] = 1
    prompt[1, :, 64:112, 48:96] = 1
    memory = MemoryBank()
    with torch.no_grad():
        for t in range(num_frames):
            features = model.forward_image(frames[t : t + 1]).expand(num_objects)
            out = model.track_step(
                frame_idx=t,
                is_init_cond_frame=t == 0,
                features=features,
                point_inputs=None,
                mask_inputs=prompt if t == 0 else None,
                memory=memory,
                num_frames=num_frames,
            )
            memory.add(t, out, is_cond=t == 0)
            assert out.pred_masks_high_res.shape == (num_objects, 1, size, size)
            assert out.maskmem_features.shape == (num_objects, 32, size // 16, size // 16)
            assert torch.isfinite(out.obj_ptr).all()
    assert sorted(memory.non_cond_frames) == [1, 2, 3]


@pytest.mark.parametrize('name', FULL)
def test_full_scale_recipe(name: str) -> None:
    cfg = _config(f'sam2.1_{name}_8xb1-finetune_davis-ytvos.py')
    model_cfg = cfg.model
    assert model_cfg.type == 'SAM2Train' and model_cfg.image_size == 1024
    assert model_cfg.strict_checkpoint is False and cfg.load_from.endswith('.pt')
    assert model_cfg.backbone.backbone.init_cfg.type == 'Pretrained'
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay == 1.0
    # The same model at 128 px (no pretrained download: init_weights is not called).
    model_cfg.image_size = 128
    model = _build(cfg)
    assert declared_outputs(model.backbone) == (FULL_OUTPUTS[name], [4, 8, 16, 32])
    with torch.no_grad():
        feats = model.forward_image(torch.randn(1, 3, 128, 128))
    assert [tuple(f.shape[1:]) for f in feats.feats] == [(32, 32, 32), (64, 16, 16), (256, 8, 8)]


def test_runner_trains_and_tests_a_resnet_sam2(tmp_path) -> None:
    """A few iterations of the ResNet-18 config with the config's runner (mmsam2's
    SafeRunner, as mmdet-style tools build it), then its VOS test."""
    from mmsam2.engine.cli import build_runner

    data_root = str(tmp_path / 'data')
    generate_tiny_davis(data_root, num_videos=4)
    cfg = make_quick_clip_training(_config('sam2.1_r18-tiny_1xb1-scratch_synthetic.py'), data_root)
    cfg.train_cfg.max_iters = 2
    cfg.default_hooks.checkpoint.interval = 2
    cfg.work_dir = str(tmp_path / 'work')
    runner = build_runner(cfg)
    runner.train()
    checkpoint = osp.join(cfg.work_dir, 'iter_2.pth')
    assert osp.exists(checkpoint)

    test_path = osp.join(BACKBONES, 'sam2.1_r18-tiny_vos_synthetic-val.py')
    test_cfg = _config(test_path)
    test_cfg.model.image_size = 64
    test_cfg.test_dataloader.dataset.data_root = data_root
    test_cfg.work_dir = str(tmp_path / 'test')
    test_cfg.load_from = checkpoint
    configure_test_run(test_cfg, test_path)
    metrics = build_runner(test_cfg).test()
    assert 0.0 <= metrics['vos/J&F-Mean'] <= 1.0
