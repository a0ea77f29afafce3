import os
import os.path as osp
import zipfile

import numpy as np
import pytest

from mmsam2.datasets import (
    CodaLabZipWriter,
    DAVISDataset,
    DAVISWriter,
    MOSEDataset,
    SAVDataset,
    SAVWriter,
    VOSDatasetError,
    YouTubeVOSDataset,
    masks_to_id_map,
    read_binary_mask,
    read_palette_mask,
)


def test_highest_score_wins():
    scores = np.array([[[2.0, -1.0, 0.5]], [[1.0, 3.0, -0.5]]])  # (N=2, H=1, W=3)
    assert masks_to_id_map(scores, [4, 7]).tolist() == [[4, 7, 4]]
    assert masks_to_id_map(scores).tolist() == [[1, 2, 1]]
    assert masks_to_id_map(scores, [4, 7], threshold=0.6).tolist() == [[4, 7, 0]]
    overlapping = {3: np.array([[True, True]]), 5: np.array([[False, True]])}
    assert masks_to_id_map(overlapping).tolist() == [[3, 3]]  # ties go to the first listed


@pytest.mark.parametrize(
    'masks, ids',
    [
        (np.zeros((1, 2, 2)), [255]),
        (np.zeros((1, 2, 2)), [0]),
        (np.zeros((2, 2)), None),
        ({}, None),
    ],
)
def test_bad_masks(masks, ids):
    with pytest.raises(ValueError):
        masks_to_id_map(masks, ids)


def test_davis_round_trip(synthetic_root, tmp_path):
    dataset = DAVISDataset(synthetic_root('davis'), split='train')
    item = dataset[0]
    writer = DAVISWriter(str(tmp_path))
    for name in item['frame_names']:
        path = writer.write(item['video_name'], name, item['annotations'][name])
        assert path == osp.join(str(tmp_path), 'video_000', f'{name}.png')
        ids, _ = read_palette_mask(path)
        assert np.array_equal(ids, item['annotations'].id_map(name))
    assert len(os.listdir(tmp_path / 'video_000')) == 12


def zip_names(path):
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_youtube_vos_zip_keeps_annotated_frames(synthetic_root, tmp_path):
    dataset = YouTubeVOSDataset(synthetic_root('youtube_vos'), split='valid', dense=True)
    item = dataset[0]
    zip_path = str(tmp_path / 'submission.zip')
    rng = np.random.default_rng(0)
    written = {}
    with CodaLabZipWriter(zip_path) as writer:
        writer.add_video(item)
        for name in item['frame_names']:  # a dense model predicts every frame
            logits = rng.normal(size=(3, 48, 64))
            if writer.write(item['video_name'], name, logits, item['object_ids']):
                written[name] = masks_to_id_map(logits, item['object_ids'])
    assert sorted(written) == ['00000', '00005', '00010']  # every 5th frame of meta.json
    assert zip_names(zip_path) == [f'Annotations/video_002/{n}.png' for n in sorted(written)]
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tmp_path / 'unzipped')
    ids, _ = read_palette_mask(
        str(tmp_path / 'unzipped' / 'Annotations' / 'video_002' / '00005.png')
    )
    assert np.array_equal(ids, written['00005'])


def test_mose_zip_has_every_frame(synthetic_root, tmp_path):
    item = MOSEDataset(synthetic_root('mose'), split='valid')[0]
    zip_paths = [str(tmp_path / 'a.zip'), str(tmp_path / 'b.zip')]
    for zip_path in zip_paths:
        with CodaLabZipWriter(zip_path) as writer:
            writer.add_video(item)
            for name in item['frame_names']:
                writer.write(item['video_name'], name, item['annotations']['00000'])
    assert len(zip_names(zip_paths[0])) == 12
    assert open(zip_paths[0], 'rb').read() == open(zip_paths[1], 'rb').read()  # reproducible


def test_zip_missing_frames_and_unknown_video(synthetic_root, tmp_path):
    item = MOSEDataset(synthetic_root('mose'), split='valid').get_data_info(0)
    writer = CodaLabZipWriter(str(tmp_path / 'partial.zip'))
    writer.add_video(item)
    writer.write('video_002', '00000', {1: np.ones((48, 64), bool)})
    with pytest.raises(KeyError, match='add_video'):
        writer.write('video_999', '00000', {1: np.ones((48, 64), bool)})
    with pytest.raises(VOSDatasetError, match="lacks frames .*'video_002': \\['00001'"):
        writer.close()


def test_sav_round_trip_with_overlaps(synthetic_root, tmp_path):
    root = osp.join(synthetic_root('sav'), 'sav_val')
    item = SAVDataset(root).get_data_info(0)
    dataset_masks = SAVDataset(root)[0]['annotations']
    writer = SAVWriter(str(tmp_path))
    for name in item['annotated_frames']:
        masks = dataset_masks[name]
        paths = writer.write(item['video_name'], name, masks)
        assert paths[0] == osp.join(str(tmp_path), 'video_000', '000', f'{name}.png')
        for obj_id, path in zip(masks, paths):
            assert np.array_equal(read_binary_mask(path), masks[obj_id])
    # same layout as the ground truth: the SA-V evaluator compares the two folders
    ann_root = osp.join(root, 'Annotations_6fps', 'video_000')
    for obj_folder in os.listdir(ann_root):
        assert sorted(os.listdir(tmp_path / 'video_000' / obj_folder)) == sorted(
            os.listdir(osp.join(ann_root, obj_folder))
        )


def test_sav_array_input_numbers_from_zero(tmp_path):
    scores = np.stack([np.ones((2, 3)), -np.ones((2, 3))])
    paths = SAVWriter(str(tmp_path)).write('v', '00000', scores)
    assert [osp.basename(osp.dirname(p)) for p in paths] == ['000', '001']
    assert read_binary_mask(paths[0]).all() and not read_binary_mask(paths[1]).any()
