"""SAM2DetTracker: detection -> SAM 2 prompts -> propagation -> matching -> ids.

Tracking behaviour is checked with the ground-truth oracles of
``tests/tracking_helpers.py`` (an mmdet detector and a SAM 2 model that read
the synthetic video's annotations), which run through the real predictor,
matching and track life cycle; the plumbing of real (random-weight) models
is checked in ``test_detectors.py``.
"""

import glob
import os.path as osp
from typing import Dict, List

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_checkpoint
from tracking_helpers import CLASSES, oracle_tracker_config, tiny_sam2_config, visible_frames

from mmsam2.apis import SAM2VideoPredictor
from mmsam2.datasets import DAVISDataset, VideoFrames
from mmsam2.evaluation.metrics.track_mask_metric import TrackMaskMetric
from mmsam2.models.trackers import (
    DetectAndTrack,
    PropagationSession,
    SAM2DetTracker,
    TrackedFrame,
)
from mmsam2.registry import MODELS

DETECT_INTERVAL = 3


def _build(cfg: dict) -> SAM2DetTracker:
    init_default_scope('mmsam2')
    torch.manual_seed(0)
    return MODELS.build(cfg)


def _tracker(video: Dict, **kwargs) -> SAM2DetTracker:
    kwargs.setdefault('detect_interval', DETECT_INTERVAL)
    return _build(oracle_tracker_config(video['ann_dir'], video['categories'], **kwargs))


def _owners(frames: List[TrackedFrame], id_maps: np.ndarray) -> Dict[int, set]:
    """Track id -> the ground-truth objects its masks cover (majority per frame)."""
    owners: Dict[int, set] = {}
    for frame in frames:
        ids = id_maps[frame.frame_idx]
        inst = frame.instances
        for track_id, mask in zip(inst.instances_id.tolist(), inst.masks.numpy()):
            obj = int(np.bincount(ids[mask], minlength=4)[1:].argmax()) + 1
            owners.setdefault(track_id, set()).add(obj)
    return owners


def _ids_on(frames: List[TrackedFrame], frame_idx: int) -> List[int]:
    return frames[frame_idx].instances.instances_id.tolist()


@pytest.fixture(scope='module')
def long_memory_run(synthetic_video) -> List[TrackedFrame]:
    """Tracks that survive the object leaving the frame (max_lost_frames=10)."""
    tracker = _tracker(synthetic_video, max_lost_frames=10)
    return list(tracker.track_video(synthetic_video['frames']))


def test_outputs_are_mmdet_track_instances(long_memory_run, synthetic_video) -> None:
    height, width = synthetic_video['id_maps'].shape[1:]
    assert [f.frame_idx for f in long_memory_run] == list(range(20))
    for frame in long_memory_run:
        inst = frame.instances
        n = len(inst)
        assert inst.masks.shape == (n, height, width) and inst.masks.dtype == torch.bool
        assert inst.bboxes.shape == (n, 4) and inst.scores.shape == (n,)
        assert inst.labels.dtype == torch.long and inst.instances_id.dtype == torch.long
        assert inst.masks.flatten(1).any(1).all()  # lost tracks are not output
        assert len(set(inst.instances_id.tolist())) == n
        assert frame.image.shape == (height, width, 3)
    first = long_memory_run[0].instances
    ys, xs = np.nonzero(first.masks[0].numpy())
    assert first.bboxes[0].tolist() == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
    labels = {CLASSES[label] for label in first.labels.tolist()}
    assert labels == {synthetic_video['categories'][k] for k in (1, 2)}


def test_ids_stay_with_their_objects_across_redetections(long_memory_run, synthetic_video) -> None:
    owners = _owners(long_memory_run, synthetic_video['id_maps'])
    # every id covers one object, and each object has one id
    assert owners == {1: {1}, 2: {2}, 3: {3}}
    # object 1 is detected again every DETECT_INTERVAL frames and keeps id 1
    assert all(1 in _ids_on(long_memory_run, t) for t in range(20))


def test_object_that_enters_later_gets_a_new_id(long_memory_run, synthetic_video) -> None:
    first_visible = visible_frames(synthetic_video['id_maps'], 3)[0]
    assert first_visible > 0
    detected = -(-first_visible // DETECT_INTERVAL) * DETECT_INTERVAL
    assert all(3 not in _ids_on(long_memory_run, t) for t in range(detected))
    assert all(3 in _ids_on(long_memory_run, t) for t in range(detected, 20))


def test_object_coming_back_keeps_its_id_while_its_track_lives(
    long_memory_run, synthetic_video
) -> None:
    visible = visible_frames(synthetic_video['id_maps'], 2)
    gaps = np.flatnonzero(np.diff(visible) > 1)
    assert len(gaps), 'object 2 should leave the frame and come back'
    back = visible[gaps[0] + 1]
    assert 2 not in _ids_on(long_memory_run, visible[gaps[0]] + 1)
    assert 2 in _ids_on(long_memory_run, back + 1)


def test_stream_gives_the_same_tracks(long_memory_run, synthetic_video) -> None:
    """A generator of frames (unknown length, frames pulled as tracking reaches them)."""
    frames = VideoFrames(
        sorted(glob.glob(osp.join(synthetic_video['frames'], '*.jpg'))), size=(64, 96)
    )
    stream = (frames[t] for t in range(len(frames)))
    tracker = _tracker(synthetic_video, max_lost_frames=10)
    streamed = list(tracker.track_video(stream))
    assert len(streamed) == len(long_memory_run)
    for a, b in zip(streamed, long_memory_run):
        assert a.instances.instances_id.tolist() == b.instances.instances_id.tolist()
        assert torch.equal(a.instances.masks, b.instances.masks)


def test_lost_track_ends_after_max_lost_frames(synthetic_video) -> None:
    max_lost = 3
    tracker = _tracker(synthetic_video, max_lost_frames=max_lost)
    session = PropagationSession(SAM2VideoPredictor(tracker.sam2), synthetic_video['frames'])
    loop = DetectAndTrack(session, tracker.frame_detector, tracker.settings)
    frames = [TrackedFrame(t, loop.step(t), lambda: None) for t in range(20)]
    visible = visible_frames(synthetic_video['id_maps'], 2)
    gap = np.flatnonzero(np.diff(visible) > 1)[0]
    gone, back = visible[gap] + 1, visible[gap + 1]
    assert back - gone >= max_lost, 'object 2 should stay away long enough'
    ended = {track.track_id: track for track in loop.manager.ended}
    assert (ended[2].last_seen, ended[2].end_frame) == (gone - 1, gone + max_lost - 1)
    # detected again after its track ended, object 2 gets a new id
    owners = _owners(frames, synthetic_video['id_maps'])
    assert all(len(objects) == 1 for objects in owners.values())
    ids_of_2 = sorted(track_id for track_id, objects in owners.items() if objects == {2})
    assert ids_of_2[0] == 2 and len(ids_of_2) > 1


def test_new_object_sees_no_memory_of_earlier_frames(synthetic_video) -> None:
    """An object added on frame t tracks exactly as in a session of its own from t."""
    init_default_scope('mmsam2')
    torch.manual_seed(0)
    sam2 = MODELS.build(tiny_sam2_config())
    sam2.mask_decoder.pred_obj_score_head.layers[2].bias.data.fill_(20.0)  # always present
    predictor = SAM2VideoPredictor(sam2, keep_all_outputs=True)
    box_a, box_b, start = np.array([5, 5, 40, 40]), np.array([50, 20, 90, 60]), 4

    def logits_of_b(objects: Dict[int, np.ndarray]) -> List[torch.Tensor]:
        session = PropagationSession(predictor, synthetic_video['frames'])
        keys = {}
        for t in range(10):
            session.propagate(t)
            if t in objects:
                keys[t], _ = session.add_object(t, box=objects[t])
        outputs = session.state.objects[keys[start]].outputs
        return [outputs.non_cond[t].pred_masks for t in range(start + 1, 10)]

    for joint, alone in zip(logits_of_b({0: box_a, start: box_b}), logits_of_b({start: box_b})):
        torch.testing.assert_close(joint, alone, rtol=0, atol=0)


def test_predict_mode_returns_track_samples_and_metrics(synthetic_video, tmp_path) -> None:
    tracker = _tracker(
        synthetic_video,
        max_lost_frames=10,
        test_cfg=dict(output_dir=str(tmp_path / 'pred'), show_dir=str(tmp_path / 'vis')),
    )
    dataset = DAVISDataset(
        synthetic_video['root'],
        split='val',
        categories_file='categories.json',
        pipeline=[dict(type='PackVOSInputs')],
    )
    outputs = tracker.test_step(pseudo_collate([dataset[0]]))
    samples = outputs[0].video_data_samples
    assert len(samples) == 20
    meta = samples[5].metainfo
    assert (meta['frame_id'], meta['video_id'], meta['ori_video_length']) == (5, 0, 20)
    assert meta['ori_shape'] == (64, 96) and meta['frame_name'] == '00005'
    visible = [k for k in (1, 2, 3) if (synthetic_video['id_maps'][5] == k).any()]
    gt = meta['instances']
    assert [inst['instance_id'] for inst in gt] == [100000 + k for k in visible]
    categories = synthetic_video['categories']
    assert [inst['bbox_label'] for inst in gt] == [CLASSES.index(categories[k]) for k in visible]
    assert 'pred_track_instances' in samples[5]
    for name in ('pred/video_000.txt', 'pred/video_000.json', 'vis/video_000.mp4'):
        assert (tmp_path / name).is_file()

    metric = TrackMaskMetric()
    metric.process({}, [out.to_dict() for out in outputs])
    result = metric.compute_metrics(metric.results)
    assert result['IDSW'] == 0 and result['num_pred_tracks'] == 3
    assert result['MOTSA'] > 0.7 and result['IDF1'] > 0.8


def test_sam2_checkpoint_alone_loads_into_the_tracker(synthetic_video, tmp_path) -> None:
    tracker = _tracker(synthetic_video)
    torch.manual_seed(1)
    other = MODELS.build(tiny_sam2_config())
    path = str(tmp_path / 'sam2.pth')
    torch.save({'state_dict': other.state_dict()}, path)
    detector_before = {k: v.clone() for k, v in tracker.detector.state_dict().items()}
    load_checkpoint(tracker, path, strict=True)
    for key, value in other.state_dict().items():
        torch.testing.assert_close(tracker.sam2.state_dict()[key], value)
    for key, value in tracker.detector.state_dict().items():
        torch.testing.assert_close(value, detector_before[key])
    # the same file as sam2_checkpoint, and a whole-tracker checkpoint
    again = _tracker(synthetic_video, sam2_checkpoint=path)
    torch.testing.assert_close(again.sam2.maskmem_tpos_enc, other.maskmem_tpos_enc)
    whole = str(tmp_path / 'tracker.pth')
    torch.save({'state_dict': again.state_dict()}, whole)
    load_checkpoint(tracker, whole, strict=True)


def test_class_names_from_the_detector_checkpoint(synthetic_video, tmp_path) -> None:
    tracker = _tracker(synthetic_video)
    path = str(tmp_path / 'det.pth')
    meta = dict(dataset_meta=dict(classes=CLASSES))
    torch.save({'state_dict': tracker.detector.state_dict(), 'meta': meta}, path)
    loaded = _tracker(synthetic_video, classes=None, detector_checkpoint=path)
    assert loaded.class_names == list(CLASSES)


@pytest.mark.parametrize(
    'kwargs, message',
    [
        (dict(classes=None), 'no class names'),
        (dict(text_prompt='circle . square'), 'not both'),
        (dict(class_filter=['hexagon']), 'not among the classes'),
        (dict(matcher='auction'), 'matcher'),
        (dict(prompt_with='points'), 'prompt_with'),
        (dict(detect_interval=0), 'detect_interval'),
        (dict(test_cfg=dict(out_dir='x')), 'unknown test_cfg'),
    ],
)
def test_config_errors(synthetic_video, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _tracker(synthetic_video, **kwargs)


def test_predict_only(synthetic_video) -> None:
    tracker = _tracker(synthetic_video)
    with pytest.raises(ValueError, match="only runs mode='predict'"):
        tracker(torch.zeros(1), mode='loss')
    with pytest.raises(TypeError, match='PackVOSInputs'):
        tracker([np.zeros((2, 8, 8, 3), np.uint8)], mode='predict')
