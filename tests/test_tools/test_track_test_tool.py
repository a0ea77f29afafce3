"""tools/test.py with the detector-prompted tracker on a synthetic benchmark (random weights).

CHECKPOINT is a SAM 2 checkpoint alone (the tracker loads it into its SAM 2)
and the detector's weights come from ``model.detector_checkpoint``; the run
must write MOT text, RLE json and overlays and report the MOTS measures.
"""

import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmsam2.apis import init_model
from mmsam2.datasets.synthetic import generate_synthetic_vos
from mmsam2.models.trackers import build_detector

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'sam2_det_tracking', 'sam2.1-hiera-t_rtmdet-tiny_synthetic.py')
NUM_FRAMES = 6

SMALL = f"""_base_ = ['{CONFIG}']
model = dict(
    sam2=dict(image_size=64),
    detector=dict(test_cfg=dict(max_per_img=3)),
    det_pipeline=[
        dict(type='LoadImageFromNDArray'),
        dict(type='Resize', scale=(64, 64), keep_ratio=True),
        dict(type='Pad', size=(64, 64), pad_val=dict(img=(114, 114, 114))),
        dict(type='PackDetInputs', meta_keys=('img_id', 'ori_shape', 'img_shape', 'scale_factor')),
    ],
    detect_interval=2,
)
"""


@pytest.fixture(scope='module')
def track_run(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp('track_test')
    data = str(tmp / 'synthetic')
    generate_synthetic_vos(
        data, 'davis', num_videos=2, num_frames=NUM_FRAMES, size=(48, 64), seed=3, num_val_videos=1
    )
    config = tmp / 'small.py'
    config.write_text(SMALL)
    torch.manual_seed(0)
    detector = build_detector(Config.fromfile(str(config)).model.detector)
    for cls, reg in zip(detector.bbox_head.rtm_cls, detector.bbox_head.rtm_reg):
        torch.nn.init.constant_(cls.bias, 2.0)
        torch.nn.init.constant_(reg.bias, 1.0)
    torch.save({'state_dict': detector.state_dict()}, tmp / 'det.pth')
    sam2_config = osp.join(ROOT, 'configs', 'sam2.1', 'sam2.1_hiera-t.py')
    sam2 = init_model(sam2_config, cfg_options={'model.image_size': 64})
    state = sam2.state_dict()
    state['mask_decoder.pred_obj_score_head.layers.2.bias'].fill_(20.0)
    torch.save({'state_dict': state}, tmp / 'sam2.pth')
    work = tmp / 'work'
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'test.py'),
        str(config),
        str(tmp / 'sam2.pth'),
        '--work-dir',
        str(work),
        '--show-dir',
        'vis',
        '--out',
        str(tmp / 'results.pkl'),
        '--cfg-options',
        f'model.detector_checkpoint={tmp / "det.pth"}',
        f'test_dataloader.dataset.data_root={data}',
    ]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return dict(work=work, tmp=tmp, log=done.stdout + done.stderr)


def test_mots_measures_reported(track_run) -> None:
    for key in ('MOTSA', 'sMOTSA', 'MOTSP', 'IDF1', 'IDSW'):
        assert f'mots/{key}' in track_run['log']
    assert 'missing keys' not in track_run['log']  # SAM 2 alone loads, detector kept


def test_track_files_written(track_run) -> None:
    pred = track_run['work'] / 'predictions'
    lines = (pred / 'video_001.txt').read_text().splitlines()
    assert lines and all(len(line.split(',')) == 10 for line in lines)
    with open(pred / 'video_001.json') as file:
        content = json.load(file)
    assert content['classes'] == ['circle', 'square', 'triangle']
    assert [f['frame_name'] for f in content['frames']] == [f'{t:05d}' for t in range(NUM_FRAMES)]
    assert (track_run['work'] / 'vis' / 'video_001.mp4').is_file()


def test_results_are_mmdet_track_samples(track_run) -> None:
    with open(track_run['tmp'] / 'results.pkl', 'rb') as file:
        results = pickle.load(file)
    (video,) = results
    samples = video['video_data_samples']
    assert len(samples) == NUM_FRAMES and 'pred_track_instances' in samples[0]
    assert samples[0].metainfo['instances'][0]['mask']['size'] == [48, 64]
