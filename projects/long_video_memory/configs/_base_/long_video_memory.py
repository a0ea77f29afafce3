# The long-video memory policy (SAM2Long's settings); configs add it to a SAM 2 model
# with model = dict(memory_policy={{_base_.memory_policy}}).
custom_imports = dict(
    imports=['projects.long_video_memory.long_video_memory'], allow_failed_imports=False
)
memory_policy = dict(
    type='LongVideoMemoryPolicy',
    num_pathways=3,
    memory_iou_thresh=0.1,
    memory_obj_score_thresh=0.0,
    uncertainty=2.0,
    memory_lookback=64,
)
