# Meta's SAM 2.1 fine-tuning recipe (sam2.1_hiera_b+_MOSE_finetune.yaml), iteration-based
# so that a run killed mid-epoch resumes where its last checkpoint was (`--resume`).
# Includes the runtime defaults, adapted to iteration-based training.
_base_ = ['../default_runtime.py']

base_lr = 5e-6  # everything but the image encoder
vision_lr = 3e-6  # image encoder (backbone + neck), before layer decay
# 40 epochs of MOSE train (1507 videos, each twice per epoch) on 8 GPUs x 1 clip:
# 40 x (1507 x 2 // 8) iterations. Scale it (and the cosine's end) with the data and GPUs.
max_iters = 15040

optim_wrapper = dict(
    type='OptimWrapper',
    constructor='SAM2OptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.1),
    # Meta's GradientClipper: global L2 norm <= 0.1.
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(
        vision_lr=vision_lr,
        image_encoder=['backbone', 'neck'],
        # Hiera block i of L gets 0.9 ** (L - i) of vision_lr; the position
        # embeddings keep the full vision_lr (Meta's override).
        layer_decay=0.9,
        layer_decay_module='backbone',
        layer_decay_overrides={'*pos_embed*': 1.0},
        # weight decay 0 for biases and torch.nn.LayerNorm parameters.
        no_weight_decay_names=['*bias*'],
        no_weight_decay_norms=['LayerNorm'],
    ),
)
# Cosine from the initial learning rates to a tenth of them, per iteration. Meta's recipe
# has no warm-up; prepend dict(type='LinearLR', start_factor=..., by_epoch=False, begin=0,
# end=...) to use one (see sam2_scratch.py).
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        T_max=max_iters,
        eta_min_ratio=0.1,
    )
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1000, by_epoch=False, max_keep_ckpts=3),
)
# Random generators (dropout, simulated clicks, prompt decisions) go into the
# checkpoints, so that a resumed run repeats the draws of an uninterrupted one.
custom_hooks = [dict(type='RandomStateHook')]
log_processor = dict(by_epoch=False)
randomness = dict(seed=123)  # Meta's seed_value
# Some parameters get no gradient on some iterations (e.g. without correction clicks).
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
auto_scale_lr = dict(enable=False, base_batch_size=8)
