# Detector-prompted tracking on the synthetic benchmark: RTMDet-tiny finds circles,
# squares and triangles every `detect_interval` frames, SAM 2.1 Hiera-T tracks their
# masks with stable ids.
#
# CHECKPOINT is a SAM 2 checkpoint (mmsam2's or Meta's sam2.1_hiera_tiny.pt) or one of
# the whole tracker; the detector's weights come from model.detector_checkpoint:
#   python tools/test.py configs/sam2_det_tracking/sam2.1-hiera-t_rtmdet-tiny_synthetic.py \
#       sam2.1_hiera_tiny.pt --cfg-options model.detector_checkpoint=rtmdet-tiny_synthetic.pth
_base_ = [
    '../sam2.1/sam2.1_hiera-t.py',
    '../_base_/models/rtmdet_tiny.py',
    '../_base_/datasets/synthetic_track_test.py',
]

detector = _base_.detector
detector.bbox_head.num_classes = len(_base_.classes)
sam2 = _base_.model
del _base_.model

model = dict(
    type='SAM2DetTracker',
    detector=detector,
    sam2=sam2,
    det_pipeline=_base_.det_pipeline,
    classes=_base_.classes,
    det_score_thr=0.3,
    detect_interval=5,
    match_iou_thr=0.5,
    new_track_score_thr=0.5,
    matcher='hungarian',
    max_lost_frames=10,
    max_tracks=20,
    detector_checkpoint=None,
    sam2_checkpoint=None,
)
