# Meta's fine-tuning recipe (sam2_finetune.py) for a SAM 2.1 whose image encoder is new:
# an ImageNet backbone and a randomly initialised neck, with memory and SAM heads loaded
# from a SAM 2.1 checkpoint (the model's `strict_checkpoint=False` skips the Hiera and neck
# weights that do not fit). The encoder learns faster than Meta's 3e-6, the heads a bit
# faster than 5e-6 to adapt to the new features, after a linear warm-up; no layer decay
# (ResNet and Swin have no `blocks`). A starting point, not tuned at scale.
_base_ = ['./sam2_finetune.py']

base_lr = 2e-5
vision_lr = 1e-4
max_iters = 15040
warmup_iters = 500

optim_wrapper = dict(
    optimizer=dict(lr=base_lr),
    paramwise_cfg=dict(
        vision_lr=vision_lr, layer_decay=1.0, layer_decay_overrides=dict(_delete_=True)
    ),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters,
        T_max=max_iters - warmup_iters,
        eta_min_ratio=0.1,
    ),
]
