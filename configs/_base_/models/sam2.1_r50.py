# SAM 2.1 (1024 px, Meta's settings) with mmdet's ResNet-50 instead of Hiera, initialised
# from torchvision's ImageNet weights (fetched by URL: no torchvision import). BatchNorm is
# frozen, as usual when fine-tuning a ResNet with a few images per GPU.
_base_ = ['./sam2.1_hiera.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='PyramidBackbone',
        backbone=dict(
            type='mmdet.ResNet',
            depth=50,
            out_indices=(0, 1, 2, 3),
            frozen_stages=1,
            norm_cfg=dict(type='BN', requires_grad=False),
            norm_eval=True,
            style='pytorch',
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.pytorch.org/models/resnet50-0676ba61.pth',
            ),
        ),
        out_channels=[256, 512, 1024, 2048],
        out_strides=[4, 8, 16, 32],
    )
)
