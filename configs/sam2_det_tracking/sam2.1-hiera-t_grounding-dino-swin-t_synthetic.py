# Detector-prompted tracking from a text prompt on the synthetic benchmark: GroundingDINO
# Swin-T finds "circle . square . triangle" every `detect_interval` frames, SAM 2.1
# Hiera-T tracks their masks with stable ids.
#
# The BERT text encoder is read from a local folder (no hub access): set lang_model_name
# below, or pass model.detector.language_model.name=... CHECKPOINT is a SAM 2 checkpoint
# (or one of the whole tracker); the detector's weights come from model.detector_checkpoint:
#   python tools/test.py configs/sam2_det_tracking/sam2.1-hiera-t_grounding-dino-swin-t_synthetic.py \
#       sam2.1_hiera_tiny.pt --cfg-options model.detector_checkpoint=grounding_dino_swin-t.pth \
#       model.detector.language_model.name=checkpoints/bert-base-uncased
_base_ = [
    '../sam2.1/sam2.1_hiera-t.py',
    '../_base_/models/grounding-dino_swin-t.py',
    '../_base_/datasets/synthetic_track_test.py',
]

lang_model_name = 'checkpoints/bert-base-uncased'  # placeholder: a local BERT folder

detector = _base_.detector
detector.language_model.name = lang_model_name
sam2 = _base_.model
del _base_.model

model = dict(
    type='SAM2DetTracker',
    detector=detector,
    sam2=sam2,
    det_pipeline=_base_.det_pipeline,
    text_prompt=' . '.join(_base_.classes),
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
