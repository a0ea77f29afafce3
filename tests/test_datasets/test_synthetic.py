import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from mmsam2.datasets import (
    FORMATS,
    SYNTHETIC_CLASSES,
    DAVISDataset,
    data_root_of,
    generate_synthetic_vos,
    synthetic,
)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def read_tree(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            files[osp.relpath(path, root)] = open(path, 'rb').read()
    return files


@pytest.mark.parametrize('fmt', FORMATS)
def test_same_seed_same_bytes(tmp_path, fmt, synthetic_spec):
    splits = generate_synthetic_vos(str(tmp_path / 'a'), fmt, **synthetic_spec)
    generate_synthetic_vos(str(tmp_path / 'b'), fmt, **synthetic_spec)
    first = read_tree(str(tmp_path / 'a'))
    assert first == read_tree(str(tmp_path / 'b'))
    assert any(name.endswith('.jpg') for name in first)
    assert sum(len(videos) for videos in splits.values()) == 3


def test_other_seed_other_data(tmp_path, synthetic_spec):
    generate_synthetic_vos(str(tmp_path / 'a'), 'davis', **synthetic_spec)
    generate_synthetic_vos(str(tmp_path / 'b'), 'davis', **dict(synthetic_spec, seed=1))
    assert read_tree(str(tmp_path / 'a')) != read_tree(str(tmp_path / 'b'))


def test_splits_and_events(tmp_path, synthetic_spec):
    root = str(tmp_path)
    splits = generate_synthetic_vos(root, 'davis', **dict(synthetic_spec, num_videos=4))
    assert splits == {'train': ['video_000', 'video_001'], 'val': ['video_002', 'video_003']}
    categories = json.load(open(osp.join(root, 'categories.json')))
    for split, videos in splits.items():
        dataset = DAVISDataset(root, split=split)
        item = dataset[0]  # the first video of each split shows every event
        names = item['frame_names']
        presence = {
            obj: [item['annotations'][n][obj].any() for n in names] for obj in item['object_ids']
        }
        assert item['object_ids'] == [1, 2, 3]
        assert presence[1][0] and presence[2][0]
        assert item['first_frame_of_object'][3] == 5 and not any(presence[3][:5])
        gone = presence[2].index(False)  # object 2 leaves the frame ...
        assert any(presence[2][gone:])  # ... and comes back
        areas = [item['annotations'][n][1].sum() for n in names]
        assert len(set(areas)) > 1  # shapes move / scale
        frame = item['frames'][0].astype(float)
        assert frame.std() > 10  # textured, not flat
        for video in videos:
            assert set(categories[video].values()) <= set(SYNTHETIC_CLASSES)


def test_short_videos_keep_their_objects(tmp_path):
    root = str(tmp_path)
    generate_synthetic_vos(root, 'davis', num_videos=1, num_frames=4, size=(32, 32))
    item = DAVISDataset(root, split='train').get_data_info(0)
    assert item['first_frame_of_object'] == {1: 0, 2: 0, 3: 0}


def test_data_root_of(tmp_path):
    assert data_root_of('out', 'sav', 'val') == osp.join('out', 'sav_val')
    assert data_root_of('out', 'lvos', 'valid') == 'out'


@pytest.mark.parametrize('kwargs', [dict(fmt='kitti'), dict(num_videos=0), dict(num_val_videos=5)])
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError):
        generate_synthetic_vos(str(tmp_path), **kwargs)


def test_cli(tmp_path):
    out_dir = str(tmp_path / 'cli')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    result = subprocess.run(
        [
            sys.executable,
            osp.join(REPO_ROOT, 'tools', 'dataset_converters', 'make_synthetic_vos.py'),
            out_dir,
            '--format',
            'youtube_vos',
            '--num-videos',
            '2',
            '--num-frames',
            '10',
            '--size',
            '32',
            '48',
            '--seed',
            '3',
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert 'train: 1 videos' in result.stdout and '2/2' in result.stderr  # tqdm bar
    reference = str(tmp_path / 'api')
    generate_synthetic_vos(
        reference, 'youtube_vos', num_videos=2, num_frames=10, size=(32, 48), seed=3
    )
    assert read_tree(out_dir) == read_tree(reference)
    assert np.all(
        [name.startswith(('train', 'valid', 'categories')) for name in read_tree(out_dir)]
    )


def test_cli_help_says_num_videos_counts_every_split():
    # --num-videos 48 --num-val-videos 8 (tools/quickstart.sh) gives 40 train + 8 val videos
    result = subprocess.run(
        [
            sys.executable,
            osp.join(REPO_ROOT, 'tools', 'dataset_converters', 'make_synthetic_vos.py'),
            '--help',
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get('PYTHONPATH', '')),
        check=True,
    )
    help_text = ' '.join(result.stdout.split())
    assert 'number of videos in all splits together (train + val)' in help_text
    assert 'how many of --num-videos go to the second split' in help_text


def test_distractors_are_unannotated_look_alikes_crossing_their_object(tmp_path):
    rng = np.random.default_rng(0)
    model = synthetic._sample_object(rng, 1, 'stays', (96, 128), 40)
    distractor = synthetic._sample_distractor(rng, model, (96, 128), 40)
    assert distractor.obj_id == 0 and distractor.kind == model.kind
    assert np.abs(distractor.colours - model.colours).max() <= 20
    gaps = [
        np.linalg.norm(synthetic._position(distractor, t) - synthetic._position(model, t))
        for t in range(40)
    ]
    crossing = int(np.argmin(gaps))
    assert gaps[crossing] < 1e-6  # on the object's position at some frame
    grid = np.stack(np.meshgrid(np.arange(128), np.arange(96))).astype(float)
    background = synthetic._background(rng, grid)
    alone, alone_ids = synthetic._render([model], background, grid, 40)
    both, both_ids = synthetic._render([model, distractor], background, grid, 40)
    # in front of its object: drawn, hides part of it, and is not annotated
    assert (both_ids[crossing] == 1).sum() < (alone_ids[crossing] == 1).sum()
    changed = (both[crossing] != alone[crossing]).any(axis=-1)
    assert changed.any() and not both_ids[crossing][changed].any()
    hard = synthetic.render_video('v', np.random.default_rng(1), 2, 30, (48, 64), num_distractors=2)
    assert set(hard.categories) == {1, 2}
    splits = generate_synthetic_vos(
        str(tmp_path), 'davis', num_videos=2, num_frames=12, size=(48, 64), num_distractors=1
    )
    assert splits == {'train': ['video_000'], 'val': ['video_001']}
    with pytest.raises(ValueError, match='num_distractors'):
        generate_synthetic_vos(str(tmp_path / 'x'), num_distractors=-1)
