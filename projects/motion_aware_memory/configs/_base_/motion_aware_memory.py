# The motion-aware memory policy (SAMURAI's settings); configs add it to a SAM 2 model
# with model = dict(memory_policy={{_base_.memory_policy}}).
custom_imports = dict(
    imports=['projects.motion_aware_memory.motion_aware_memory'], allow_failed_imports=False
)
memory_policy = dict(
    type='MotionAwareMemoryPolicy',
    kf_score_weight=0.25,
    memory_iou_thresh=0.5,
    memory_obj_score_thresh=0.0,
    memory_kf_score_thresh=0.0,
    stable_frames_thresh=15,
    stable_iou_thresh=0.3,
    memory_lookback=64,
)
