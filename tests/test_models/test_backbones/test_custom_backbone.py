"""The worked example of docs/backbones.md: a user's own backbone in the tiny CPU model."""

from typing import List

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.registry import init_default_scope
from training_helpers import CONFIG_DIR, clip_batch

from mmsam2.models.backbones import BackboneOutputError, PyramidBackbone
from mmsam2.registry import MODELS

TINY = f'{CONFIG_DIR}/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py'


@MODELS.register_module(force=True)
class TinyConvNet(BaseModule):
    """Four stride-2 stages after a stride-2 stem: strides 4, 8, 16, 32."""

    def __init__(self, widths=(16, 32, 64, 128), init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.stem = nn.Conv2d(3, widths[0], 3, stride=2, padding=1)
        chans = [widths[0], *widths]
        self.stages = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(chans[i], chans[i + 1], 3, stride=2, padding=1),
                nn.GroupNorm(4, chans[i + 1]),
                nn.GELU(),
            )
            for i in range(len(widths))
        )
        self.out_channels = list(widths)
        self.out_strides = [4, 8, 16, 32]

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        x, outs = self.stem(x), []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return outs


def _tiny_with(backbone: dict) -> dict:
    init_default_scope('mmsam2')
    cfg = Config.fromfile(TINY)
    cfg.merge_from_dict(dict(model=dict(backbone=dict(_delete_=True, **backbone))))
    cfg.model.image_size = 64
    return cfg.model


def test_own_backbone_trains_in_the_tiny_model() -> None:
    torch.manual_seed(0)
    model = MODELS.build(_tiny_with(dict(type='TinyConvNet', widths=(16, 32, 64, 128))))
    assert model.neck.in_channels == [16, 32, 64, 128] and model.backbone_stride == 16
    inputs, samples = clip_batch([2], num_frames=3, size=64)
    losses = model.train()(inputs, samples, mode='loss')
    sum(losses.values()).backward()
    assert model.backbone.stem.weight.grad is not None


def test_wrapping_checks_a_declared_backbone() -> None:
    backbone = PyramidBackbone(dict(type='TinyConvNet'))
    assert backbone.out_channels == [16, 32, 64, 128] and backbone.out_strides == [4, 8, 16, 32]
    backbone.backbone.out_strides = [2, 4, 8, 16]  # a wrong declaration ...
    lying = PyramidBackbone(backbone.backbone)
    with pytest.raises(BackboneOutputError, match=r'strides \[4.0, 8.0, 16.0, 32.0\]'):
        lying(torch.randn(1, 3, 64, 64))  # ... is caught on the first forward
