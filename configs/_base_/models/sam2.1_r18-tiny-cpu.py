# The tiny CPU SAM 2.1 of sam2.1_hiera-tiny-cpu.py (d_model 64, mem_dim 32, 128 px) with
# mmdet's ResNet-18 at a quarter of its width (channels 16 / 32 / 64 / 128) instead of
# Hiera. GroupNorm replaces BatchNorm: training from scratch sees one clip at a time.
# mmdet backbones do not declare their outputs; PyramidBackbone declares them and checks
# them on every forward (docs/backbones.md).
_base_ = ['./sam2.1_hiera-tiny-cpu.py']

base_channels = 16

model = dict(
    backbone=dict(
        _delete_=True,
        type='PyramidBackbone',
        backbone=dict(
            type='mmdet.ResNet',
            depth=18,
            base_channels=base_channels,
            out_indices=(0, 1, 2, 3),
            norm_cfg=dict(type='GN', num_groups=8, requires_grad=True),
            norm_eval=False,
            zero_init_residual=False,
        ),
        out_channels=[base_channels * 2**i for i in range(4)],
        out_strides=[4, 8, 16, 32],
    )
)
