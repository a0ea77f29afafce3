# A very small SAM 2.1 (about 1M parameters) for training from scratch on a CPU,
# at 128 px. Every part keeps SAM 2.1's structure; only widths, depths and the
# memory size shrink. The neck width (d_model) is the width of memory attention,
# the memory encoder's input, the SAM heads and the object pointers; the memory
# width (mem_dim) must divide it.
_base_ = ['./sam2.1_hiera.py']

image_size = 128
d_model = 64
mem_dim = 32

model = dict(
    type='SAM2Train',
    image_size=image_size,
    num_maskmem=3,
    backbone=dict(
        _delete_=True,
        type='Hiera',
        arch=dict(
            embed_dim=24,
            num_heads=1,
            stages=(1, 1, 2, 1),
            global_att_blocks=(3,),
            window_pos_embed_bkg_spatial_size=(4, 4),
            window_spec=(8, 4, 4, 2),
        ),
    ),
    neck=dict(d_model=d_model, position_encoding=dict(num_pos_feats=d_model)),
    memory_attention=dict(
        d_model=d_model,
        num_layers=1,
        layer=dict(
            d_model=d_model,
            dim_feedforward=4 * d_model,
            self_attention=dict(embedding_dim=d_model),
            cross_attention=dict(embedding_dim=d_model, kv_in_dim=mem_dim),
        ),
    ),
    memory_encoder=dict(
        out_dim=mem_dim,
        in_dim=d_model,
        position_encoding=dict(num_pos_feats=mem_dim),
        fuser=dict(num_layers=1, layer=dict(dim=d_model)),
    ),
    mask_decoder=dict(
        transformer=dict(embedding_dim=d_model, mlp_dim=4 * d_model, num_heads=2),
        iou_head_hidden_dim=d_model,
    ),
)
