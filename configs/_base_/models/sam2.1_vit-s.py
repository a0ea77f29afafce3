# SAM 2.1 (1024 px, Meta's settings) with a plain ViT-S/16 (global attention, as in
# EfficientTAM) and a simple feature pyramid instead of Hiera. The ViT starts from DeiT-S's
# ImageNet weights (timm layout; the position embedding is resized from 14 x 14 to 64 x 64).
_base_ = ['./sam2.1_hiera.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='SimpleFeaturePyramid',
        backbone=dict(
            type='PlainViT',
            arch='small',
            patch_size=16,
            pretrain_img_size=1024,
            drop_path_rate=0.1,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://dl.fbaipublicfiles.com/deit/deit_small_patch16_224-cd65a155.pth',
            ),
        ),
        scale_factors=(4.0, 2.0, 1.0, 0.5),
    )
)
