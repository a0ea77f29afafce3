"""MOT text, COCO RLE json and overlay video writers of tracked frames."""

import json
import os.path as osp

import av
import numpy as np
import pycocotools.mask as mask_util
import pytest
import torch
from mmdet.structures.mask import mask2bbox
from mmengine.structures import InstanceData

from mmsam2.apis.track_writers import (
    MOTTextWriter,
    RLEJsonWriter,
    TrackOverlayWriter,
    open_track_writers,
)
from mmsam2.models.trackers import TrackedFrame
from mmsam2.visualization import object_colors

CLASSES = ('circle', 'square')
HEIGHT, WIDTH = 40, 64


def _frame(frame_idx: int, boxes: dict) -> TrackedFrame:
    """Tracks with rectangular masks: id -> (x0, y0, x1, y1, label, score)."""
    masks = torch.zeros(len(boxes), HEIGHT, WIDTH, dtype=torch.bool)
    for i, (x0, y0, x1, y1, _, _) in enumerate(boxes.values()):
        masks[i, y0:y1, x0:x1] = True
    instances = InstanceData(
        instances_id=torch.tensor(list(boxes), dtype=torch.long),
        masks=masks,
        bboxes=mask2bbox(masks),
        scores=torch.tensor([b[5] for b in boxes.values()], dtype=torch.float32),
        labels=torch.tensor([b[4] for b in boxes.values()], dtype=torch.long),
    )
    image = np.full((HEIGHT, WIDTH, 3), 30 * frame_idx, np.uint8)
    return TrackedFrame(frame_idx, instances, lambda: image)


FRAMES = [
    _frame(0, {1: (2, 3, 12, 23, 0, 0.9), 2: (30, 10, 50, 30, 1, 0.75)}),
    _frame(1, {}),
    _frame(2, {2: (32, 10, 52, 30, 1, 0.8)}),
]


def test_mot_text_lines(tmp_path) -> None:
    path = str(tmp_path / 'sub' / 'tracks.txt')
    with MOTTextWriter(path) as writer:
        for frame in FRAMES:
            writer.write(frame)
    with open(path) as file:
        lines = file.read().splitlines()
    assert lines == [
        '1,1,2.00,3.00,10.00,20.00,0.9000,-1,-1,-1',
        '1,2,30.00,10.00,20.00,20.00,0.7500,-1,-1,-1',
        '3,2,32.00,10.00,20.00,20.00,0.8000,-1,-1,-1',
    ]


def test_rle_json_round_trips_masks(tmp_path) -> None:
    path = str(tmp_path / 'tracks.json')
    with RLEJsonWriter(path, CLASSES, frame_names=['a', 'b', 'c']) as writer:
        for frame in FRAMES:
            writer.write(frame)
    with open(path) as file:
        content = json.load(file)
    assert content['classes'] == list(CLASSES) and len(content['frames']) == 3
    first = content['frames'][0]
    assert first['frame_idx'] == 0 and first['frame_name'] == 'a'
    assert [o['id'] for o in first['objects']] == [1, 2] and content['frames'][1]['objects'] == []
    obj = first['objects'][1]
    assert (obj['label'], obj['label_name'], obj['score']) == (1, 'square', 0.75)
    assert obj['bbox'] == [30.0, 10.0, 20.0, 20.0]
    rle = dict(obj['segmentation'], counts=obj['segmentation']['counts'].encode())
    np.testing.assert_array_equal(mask_util.decode(rle), FRAMES[0].instances.masks[1].numpy())


def test_overlay_video_colours_tracks_by_id(tmp_path) -> None:
    path = str(tmp_path / 'overlay.mp4')
    with TrackOverlayWriter(path, CLASSES, fps=5) as writer:
        for frame in FRAMES:
            writer.write(frame)
        assert writer.num_frames == 3
    with av.open(path) as container:
        decoded = [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]
    assert len(decoded) == 3 and decoded[0].shape == (HEIGHT, WIDTH, 3)
    # inside track 2's mask (away from its tag and outline) the colour moves to its colour
    inside = decoded[0][27, 40].astype(int)
    expected = 0.5 * object_colors([2])[0]  # half mask colour, half the black frame
    assert np.abs(inside - expected).max() < 25
    # the white '<id> <class>' text on the tag at the box's top-left corner
    assert (decoded[0][10:25, 30:64] > 180).all(axis=-1).any()
    assert np.abs(decoded[1].astype(int) - 30).max() < 10  # no track: the frame itself


@pytest.mark.parametrize('paths', [dict(mot_path='t.txt'), dict(rle_path='t.json')])
def test_open_track_writers_opens_what_has_a_path(tmp_path, paths: dict) -> None:
    paths = {k: str(tmp_path / v) for k, v in paths.items()}
    with open_track_writers(class_names=CLASSES, **paths) as writers:
        assert len(writers.writers) == 1
        writers.write(FRAMES[0])
    assert all(osp.isfile(path) for path in paths.values())
