"""demo/track_demo.py end to end (subprocess), and how it combines detector and SAM 2 configs."""

import json
import os
import os.path as osp
import subprocess
import sys

import av
import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmsam2.apis import init_model
from mmsam2.apis.track_demo_runner import load_model_config, tracker_config
from mmsam2.datasets.synthetic import render_video
from mmsam2.models.trackers import build_detector

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
DEMO = osp.join(ROOT, 'demo', 'track_demo.py')
SAM2_CONFIG = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
RTMDET = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
GROUNDING_DINO = 'mmdet::grounding_dino/grounding_dino_swin-t_pretrain_obj365_goldg_cap4m.py'
NUM_FRAMES = 6

SMALL_RTMDET = f"""_base_ = '{RTMDET}'
model = dict(test_cfg=dict(max_per_img=5))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64), keep_ratio=True),
    dict(type='Pad', size=(64, 64), pad_val=dict(img=(114, 114, 114))),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                          'scale_factor')),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
"""


@pytest.fixture(scope='module')
def demo_inputs(tmp_path_factory) -> dict:
    """Frames, a small RTMDet config and random weights that find people and cars."""
    tmp = tmp_path_factory.mktemp('track_demo')
    video = render_video('v', np.random.default_rng(0), 2, NUM_FRAMES, (48, 64))
    (tmp / 'frames').mkdir()
    for t, frame in enumerate(video.frames):
        Image.fromarray(frame).save(tmp / 'frames' / f'{t:05d}.jpg')
    det_config = tmp / 'rtmdet_small.py'
    det_config.write_text(SMALL_RTMDET)
    torch.manual_seed(0)
    det_cfg = Config.fromfile(str(det_config))
    detector = build_detector(det_cfg.model)
    for cls, reg in zip(detector.bbox_head.rtm_cls, detector.bbox_head.rtm_reg):
        torch.nn.init.constant_(cls.bias, -10.0)
        cls.bias.data[:2] = 2.0  # 'person' and 'car' score ~0.88 everywhere
        torch.nn.init.constant_(reg.bias, 1.0)  # boxes of 2 strides
    meta = dict(dataset_meta=dict(classes=('person', 'car', *map(str, range(78)))))
    torch.save({'state_dict': detector.state_dict(), 'meta': meta}, tmp / 'det.pth')
    sam2 = init_model(SAM2_CONFIG, cfg_options={'model.image_size': 64})
    state = sam2.state_dict()
    state['mask_decoder.pred_obj_score_head.layers.2.bias'].fill_(20.0)  # objects present
    torch.save({'state_dict': state}, tmp / 'sam2.pth')
    return dict(tmp=tmp, det_config=str(det_config))


def test_demo_writes_overlay_mot_and_rle(demo_inputs) -> None:
    tmp = demo_inputs['tmp']
    out = tmp / 'out'
    args = [
        str(tmp / 'frames'),
        '--det-config',
        demo_inputs['det_config'],
        '--det-weights',
        str(tmp / 'det.pth'),
        '--classes',
        'car',
        '--sam2-config',
        SAM2_CONFIG,
        '--sam2-weights',
        str(tmp / 'sam2.pth'),
        '--out-dir',
        str(out),
        '--detect-interval',
        '2',
        '--cfg-options',
        'sam2.image_size=64',
    ]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    done = subprocess.run(
        [sys.executable, DEMO, *args], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert f'over {NUM_FRAMES} frames' in done.stdout
    lines = (out / 'tracks.txt').read_text().splitlines()
    assert lines and all(len(line.split(',')) == 10 for line in lines)
    assert {int(line.split(',')[0]) for line in lines} <= set(range(1, NUM_FRAMES + 1))
    with open(out / 'tracks.json') as file:
        content = json.load(file)
    assert len(content['frames']) == NUM_FRAMES
    names = {o['label_name'] for f in content['frames'] for o in f['objects']}
    assert names == {'car'}  # --classes keeps only cars
    with av.open(str(out / 'overlay.mp4')) as container:
        frames = [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]
    assert len(frames) == NUM_FRAMES and frames[0].shape == (48, 64, 3)


def test_closed_set_detector_config() -> None:
    cfg = tracker_config(RTMDET, SAM2_CONFIG, classes=['person'], detect_interval=3)
    assert cfg['type'] == 'SAM2DetTracker' and cfg['detect_interval'] == 3
    assert cfg['classes'][:2] == ('person', 'bicycle')  # the COCO dataset of the config
    assert cfg['class_filter'] == ['person'] and cfg['sam2']['type'] == 'SAM2'
    assert [step['type'] for step in cfg['det_pipeline']] == [
        'LoadImageFromNDArray',
        'Resize',
        'Pad',
        'PackDetInputs',
    ]
    with_weights = tracker_config(RTMDET, SAM2_CONFIG, det_weights='det.pth')
    assert with_weights['classes'] is None  # then read from the checkpoint
    with pytest.raises(ValueError, match='closed-set'):
        tracker_config(RTMDET, SAM2_CONFIG, texts='person . car')
    with pytest.raises(ValueError, match='language model'):
        tracker_config(RTMDET, SAM2_CONFIG, bert='bert')


def test_open_vocabulary_detector_config() -> None:
    cfg = tracker_config(GROUNDING_DINO, SAM2_CONFIG, texts='person . car', bert='/models/bert')
    assert cfg['text_prompt'] == 'person . car' and 'classes' not in cfg
    assert cfg['detector']['language_model']['name'] == '/models/bert'
    pack = cfg['det_pipeline'][-1]
    assert 'text' in pack['meta_keys'] and 'custom_entities' in pack['meta_keys']
    assert load_model_config(GROUNDING_DINO).model.language_model.name == 'bert-base-uncased'
    by_classes = tracker_config(GROUNDING_DINO, SAM2_CONFIG, classes=['person', 'car'])
    assert by_classes['text_prompt'] == ['person', 'car']
    with pytest.raises(ValueError, match='needs texts'):
        tracker_config(GROUNDING_DINO, SAM2_CONFIG)
