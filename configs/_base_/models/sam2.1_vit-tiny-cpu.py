# The tiny CPU SAM 2.1 of sam2.1_hiera-tiny-cpu.py (d_model 64, mem_dim 32, 128 px) with a
# plain ViT (patch 16, global attention, EfficientTAM style) instead of Hiera. The ViT
# returns one stride-16 map; SimpleFeaturePyramid turns it into strides 4 / 8 / 16 / 32
# (transposed convs up, max-pooling down), as ViTDet does.
_base_ = ['./sam2.1_hiera-tiny-cpu.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='SimpleFeaturePyramid',
        backbone=dict(
            type='PlainViT',
            arch=dict(embed_dim=96, depth=4, num_heads=3),
            patch_size=16,
            pretrain_img_size=128,
        ),
        scale_factors=(4.0, 2.0, 1.0, 0.5),
    )
)
