"""Automatic mask generator building blocks, against Meta's ``sam2.utils.amg``."""

import numpy as np
import pytest
import torch
from meta_reference import import_meta_sam2

from mmsam2.utils.amg import (
    MaskData,
    batch_iterator,
    box_xyxy_to_xywh,
    build_all_layer_point_grids,
    build_point_grid,
    calculate_stability_score,
    generate_crop_boxes,
    is_box_near_crop_edge,
    uncrop_boxes_xyxy,
    uncrop_masks,
    uncrop_points,
)


@pytest.fixture(scope='module')
def meta_amg():
    import_meta_sam2()
    from sam2.utils import amg

    return amg


def test_point_grids_match_meta(meta_amg) -> None:
    grid = build_point_grid(2)
    np.testing.assert_array_equal(grid, [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]])
    for n in (1, 3, 8, 32):
        np.testing.assert_array_equal(build_point_grid(n), meta_amg.build_point_grid(n))
    grids = build_all_layer_point_grids(16, 2, 2)
    assert [len(g) for g in grids] == [256, 64, 16]


@pytest.mark.parametrize('size', [(200, 300), (480, 640), (1000, 777)])
def test_crop_boxes_match_meta(meta_amg, size) -> None:
    for layers in (0, 1, 2):
        expected = meta_amg.generate_crop_boxes(size, layers, 512 / 1500)
        assert generate_crop_boxes(size, layers, 512 / 1500) == expected
    boxes, layer_idxs = generate_crop_boxes(size, 1, 512 / 1500)
    assert boxes[0] == [0, 0, size[1], size[0]] and layer_idxs == [0, 1, 1, 1, 1]


def test_stability_score_and_edges_match_meta(meta_amg) -> None:
    logits = torch.randn(6, 30, 40, generator=torch.Generator().manual_seed(0)) * 3
    torch.testing.assert_close(
        calculate_stability_score(logits, 0.0, 1.0),
        meta_amg.calculate_stability_score(logits, 0.0, 1.0),
    )
    boxes = torch.tensor([[0, 0, 50, 50], [10, 10, 99, 60], [30, 30, 40, 40]])
    crop, image = [100, 0, 200, 100], [0, 0, 200, 100]
    expected = meta_amg.is_box_near_crop_edge(boxes, crop, image)
    assert torch.equal(is_box_near_crop_edge(boxes, crop, image), expected)
    assert expected.tolist() == [True, True, False]


def test_uncrop() -> None:
    crop = [10, 20, 40, 50]
    assert uncrop_boxes_xyxy(torch.tensor([[1, 2, 3, 4]]), crop).tolist() == [[11, 22, 13, 24]]
    assert uncrop_points(torch.tensor([[1.0, 2.0]]), crop).tolist() == [[11.0, 22.0]]
    masks = torch.ones(2, 30, 30, dtype=torch.bool)
    full = uncrop_masks(masks, crop, 60, 50)
    assert full.shape == (2, 60, 50) and full.sum() == 2 * 900 and full[:, 20:50, 10:40].all()
    assert uncrop_masks(masks, [0, 0, 30, 30], 30, 30) is masks


def test_box_xyxy_to_xywh() -> None:
    box = np.array([10.0, 20.0, 40.0, 60.0], np.float32)
    assert box_xyxy_to_xywh(box).tolist() == [10.0, 20.0, 30.0, 40.0]
    assert box.tolist() == [10.0, 20.0, 40.0, 60.0]
    assert box_xyxy_to_xywh(torch.tensor([1, 1, 3, 4])).tolist() == [1, 1, 2, 3]


def test_batch_iterator() -> None:
    batches = list(batch_iterator(2, [1, 2, 3], np.array([4, 5, 6])))
    assert [b[0] for b in batches] == [[1, 2], [3]]
    with pytest.raises(ValueError, match='common length'):
        list(batch_iterator(2, [1, 2], [1]))


def test_mask_data_filter_cat_to_numpy() -> None:
    data = MaskData(
        scores=torch.tensor([0.1, 0.9, 0.5]), names=['a', 'b', 'c'], ids=np.array([1, 2, 3])
    )
    data.filter(data['scores'] > 0.3)
    assert data['names'] == ['b', 'c'] and data['ids'].tolist() == [2, 3]
    data.filter(torch.tensor([1, 0]))
    assert data['names'] == ['c', 'b']
    data.cat(MaskData(scores=torch.tensor([0.2]), names=['d'], ids=np.array([4]), extra=[7]))
    assert data['names'] == ['c', 'b', 'd'] and data['extra'] == [7] and 'ids' in data
    data.to_numpy()
    assert isinstance(data['scores'], np.ndarray) and data['scores'].dtype == np.float32
    del data['extra']
    assert 'extra' not in data
    with pytest.raises(TypeError, match='list, array or tensor'):
        data['bad'] = 3
