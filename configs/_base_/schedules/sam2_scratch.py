# Training from scratch: the fine-tuning setup with a larger learning rate for the whole
# model (no separate encoder rate, no layer decay), a linear warm-up and a cosine decay.
_base_ = ['./sam2_finetune.py']

base_lr = 1e-3
max_iters = 2000
warmup_iters = 100

optim_wrapper = dict(
    optimizer=dict(lr=base_lr, weight_decay=0.05),
    clip_grad=dict(max_norm=1.0),
    paramwise_cfg=dict(vision_lr=None, layer_decay=1.0, layer_decay_overrides=dict(_delete_=True)),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters,
        T_max=max_iters - warmup_iters,
        eta_min_ratio=0.01,
    ),
]
train_cfg = dict(max_iters=max_iters)
default_hooks = dict(checkpoint=dict(interval=500))
