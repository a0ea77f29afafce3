"""Track every detected object of a video with SAM 2: masks with stable ids.

Usage:
    python demo/track_demo.py VIDEO --det-config DET_CONFIG [--det-weights DET_CKPT]
        (--texts 'person . bicycle' | --classes person bicycle)
        --sam2-config SAM2_CONFIG [--sam2-weights SAM2_CKPT] [--bert BERT_DIR]
        --out-dir DIR [--detect-interval K] [--score-thr 0.3] [--device cpu]
        [--cfg-options sam2.image_size=512 ...]

An mmdet 3.x detector (any config: RTMDet, Faster / Mask R-CNN, DINO, ... or
GroundingDINO with ``--texts``) runs on frame 0 and every K frames; SAM 2
tracks each detected object. Writes ``DIR/overlay.mp4`` (masks, ids and class
names), ``DIR/tracks.txt`` (MOT Challenge lines
``frame,id,x,y,w,h,score,-1,-1,-1``) and ``DIR/tracks.json`` (COCO RLE masks
per frame). ``--bert`` is a local folder of GroundingDINO's text encoder, so
nothing is downloaded. ``--cfg-options`` overrides keys of the tracker config
(``sam2.image_size=512``, ``max_lost_frames=20``, ``detector.test_cfg...``).
"""

import argparse

from mmengine.config import Config, DictAction

from mmsam2.apis.track_demo_runner import init_tracker, run_track_demo, tracker_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Detector-prompted SAM 2 tracking demo')
    parser.add_argument('video', help='video file (mp4, avi, mov, ...) or folder of frames')
    parser.add_argument('--det-config', required=True, help='mmdet detector config file')
    parser.add_argument('--det-weights', help='detector checkpoint; random weights if absent')
    prompt = parser.add_mutually_exclusive_group()
    prompt.add_argument('--texts', help="text prompt of GroundingDINO, e.g. 'person . bicycle'")
    prompt.add_argument('--classes', nargs='+', help='class names to track')
    parser.add_argument('--sam2-config', required=True, help='SAM 2 config file')
    parser.add_argument('--sam2-weights', help='SAM 2 checkpoint (mmsam2 or Meta .pt)')
    parser.add_argument('--bert', help='local folder of the text encoder (GroundingDINO)')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument('--detect-interval', type=int, default=5, help='detect every K frames')
    parser.add_argument('--score-thr', type=float, default=0.3, help='detection score threshold')
    parser.add_argument('--fps', type=float, default=25.0, help='frame rate of the overlay')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override tracker config keys, e.g. sam2.image_size=512 max_lost_frames=20',
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = tracker_config(
        args.det_config,
        args.sam2_config,
        det_weights=args.det_weights,
        sam2_weights=args.sam2_weights,
        texts=args.texts,
        classes=args.classes,
        bert=args.bert,
        detect_interval=args.detect_interval,
        det_score_thr=args.score_thr,
    )
    cfg = Config(cfg)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    result = run_track_demo(init_tracker(cfg, args.device), args.video, args.out_dir, args.fps)
    print(
        f'{result.num_tracks} tracks over {result.num_frames} frames: {result.video_path}, '
        f'{result.mot_path}, {result.rle_path}'
    )


if __name__ == '__main__':
    main()
