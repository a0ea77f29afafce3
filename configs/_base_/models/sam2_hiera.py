# SAM 2.0 with a Hiera backbone (tiny by default; the per-size configs change
# `model.backbone.arch`). Values follow Meta's released configs; the mask
# decoder uses the dynamic multimask fallback Meta's builders switch on.
image_size = 1024

model = dict(
    type='SAM2',
    image_size=image_size,
    backbone=dict(type='Hiera', arch='tiny'),
    neck=dict(
        type='SAM2FPNNeck',
        d_model=256,
        position_encoding=dict(type='SinePositionEmbedding', num_pos_feats=256),
        fpn_interp_model='nearest',
        fpn_top_down_levels=[2, 3],
        scalp=1,
    ),
    memory_attention=dict(
        type='MemoryAttention',
        d_model=256,
        pos_enc_at_input=True,
        num_layers=4,
        layer=dict(
            type='MemoryAttentionLayer',
            d_model=256,
            dim_feedforward=2048,
            dropout=0.1,
            activation='relu',
            pos_enc_at_attn=False,
            pos_enc_at_cross_attn_keys=True,
            pos_enc_at_cross_attn_queries=False,
            self_attention=dict(
                embedding_dim=256, num_heads=1, downsample_rate=1, dropout=0.1, rope_theta=10000.0
            ),
            cross_attention=dict(
                embedding_dim=256,
                num_heads=1,
                downsample_rate=1,
                dropout=0.1,
                rope_theta=10000.0,
                rope_k_repeat=True,
                kv_in_dim=64,
            ),
        ),
    ),
    memory_encoder=dict(
        type='MemoryEncoder',
        out_dim=64,
        position_encoding=dict(type='SinePositionEmbedding', num_pos_feats=64),
        mask_downsampler=dict(type='MaskDownSampler', kernel_size=3, stride=2, padding=1),
        fuser=dict(
            type='Fuser',
            num_layers=2,
            layer=dict(
                type='CXBlock',
                dim=256,
                kernel_size=7,
                padding=3,
                layer_scale_init_value=1e-6,
                use_dwconv=True,
            ),
        ),
    ),
    prompt_encoder=dict(type='PromptEncoder'),
    mask_decoder=dict(
        type='MaskDecoder',
        transformer=dict(
            type='TwoWayTransformer', depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8
        ),
        num_multimask_outputs=3,
        iou_head_depth=3,
        iou_head_hidden_dim=256,
    ),
    num_maskmem=7,
    sigmoid_scale_for_mem_enc=20.0,
    sigmoid_bias_for_mem_enc=-10.0,
    use_mask_input_as_output_without_sam=True,
    directly_add_no_mem_embed=True,
    use_high_res_features_in_sam=True,
    multimask_output_in_sam=True,
    iou_prediction_use_sigmoid=True,
    use_obj_ptrs_in_encoder=True,
    add_tpos_enc_to_obj_ptrs=False,
    only_obj_ptrs_in_the_past_for_eval=True,
    pred_obj_scores=True,
    pred_obj_scores_mlp=True,
    fixed_no_obj_ptr=True,
    multimask_output_for_tracking=True,
    use_multimask_token_for_obj_ptr=True,
    multimask_min_pt_num=0,
    multimask_max_pt_num=1,
    use_mlp_for_obj_ptr_proj=True,
    sam_mask_decoder_extra_args=dict(
        dynamic_multimask_via_stability=True,
        dynamic_multimask_stability_delta=0.05,
        dynamic_multimask_stability_thresh=0.98,
    ),
)
