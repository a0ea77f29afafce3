# SAM 2.1 (1024 px, Meta's settings) with mmdet's Swin-T instead of Hiera, initialised from
# the ImageNet-1k weights of the Swin authors (the settings of mmdet's Swin-T detectors).
_base_ = ['./sam2.1_hiera.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='PyramidBackbone',
        backbone=dict(
            type='mmdet.SwinTransformer',
            embed_dims=96,
            depths=(2, 2, 6, 2),
            num_heads=(3, 6, 12, 24),
            window_size=7,
            mlp_ratio=4,
            qkv_bias=True,
            drop_path_rate=0.2,
            patch_norm=True,
            out_indices=(0, 1, 2, 3),
            convert_weights=True,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://github.com/SwinTransformer/storage/releases/download/'
                'v1.0.0/swin_tiny_patch4_window7_224.pth',
            ),
        ),
        out_channels=[96, 192, 384, 768],
        out_strides=[4, 8, 16, 32],
    )
)
