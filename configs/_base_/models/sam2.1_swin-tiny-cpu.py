# The tiny CPU SAM 2.1 of sam2.1_hiera-tiny-cpu.py (d_model 64, mem_dim 32, 128 px) with
# mmdet's Swin Transformer instead of Hiera, shrunk the same way: widths 24 / 48 / 96 / 192,
# 1 / 1 / 2 / 1 blocks, 4 x 4 windows. mmdet backbones do not declare their outputs;
# PyramidBackbone declares them and checks them on every forward (docs/backbones.md).
_base_ = ['./sam2.1_hiera-tiny-cpu.py']

embed_dims = 24

model = dict(
    backbone=dict(
        _delete_=True,
        type='PyramidBackbone',
        backbone=dict(
            type='mmdet.SwinTransformer',
            pretrain_img_size=128,
            embed_dims=embed_dims,
            depths=(1, 1, 2, 1),
            num_heads=(1, 2, 4, 8),
            window_size=4,
            drop_path_rate=0.0,
            out_indices=(0, 1, 2, 3),
        ),
        out_channels=[embed_dims * 2**i for i in range(4)],
        out_strides=[4, 8, 16, 32],
    )
)
