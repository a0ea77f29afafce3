"""Connected components, hole filling, sprinkle removal, small regions, mask boxes."""

import numpy as np
import pytest
import torch
from meta_reference import import_meta_sam2

from mmsam2.utils.mask_ops import (
    batched_mask_to_box,
    connected_components,
    fill_holes_in_mask_scores,
    remove_small_regions,
    remove_sprinkles_in_mask_scores,
    small_components,
)


def _scores() -> torch.Tensor:
    """(2, 1, 10, 10) logits: object 0 is a ring (+2) around a 4-pixel hole with a
    diagonal 2-pixel sprinkle; object 1 is all background (-2)."""
    scores = -2 * torch.ones(2, 1, 10, 10)
    scores[0, 0, 1:6, 1:6] = 2.0
    scores[0, 0, 2:4, 2:4] = -2.0
    scores[0, 0, 8, 8] = scores[0, 0, 9, 9] = 2.0
    return scores


def test_connected_components_8_connectivity() -> None:
    labels, areas = connected_components(_scores() > 0)
    assert labels.shape == areas.shape == (2, 1, 10, 10) and labels.dtype == torch.int32
    ring, sprinkle = labels[0, 0, 1, 1], labels[0, 0, 8, 8]
    assert ring > 0 and sprinkle > 0 and ring != sprinkle
    assert labels[0, 0, 9, 9] == sprinkle  # diagonal neighbours are connected
    assert areas[0, 0, 1, 1] == 21 and areas[0, 0, 9, 9] == 2
    assert (labels[0, 0, 2:4, 2:4] == 0).all() and (areas[1] == 0).all()


def test_small_components() -> None:
    small = small_components(_scores()[0, 0] > 0, max_area=2)
    assert small.shape == (10, 10) and small.sum() == 2 and small[8, 8] and small[9, 9]


def test_fill_holes_in_mask_scores() -> None:
    scores = _scores()
    filled = fill_holes_in_mask_scores(scores, max_area=4)
    assert (filled[0, 0, 2:4, 2:4] == 0.1).all()  # Meta's fill value
    changed = filled != scores
    assert changed.sum() == 4  # the outer background (75 px) and object 1 stay
    shifted = fill_holes_in_mask_scores(scores, max_area=4, threshold=1.0, margin=0.5)
    assert (shifted[0, 0, 2:4, 2:4] == 1.5).all()
    assert torch.equal(fill_holes_in_mask_scores(scores, max_area=3), scores)
    assert torch.equal(fill_holes_in_mask_scores(scores, max_area=0), scores)
    # any small background component counts, enclosed or not (Meta's semantics)
    edge = torch.full((1, 1, 4, 4), 1.0)
    edge[..., 0, 0] = -1.0
    assert fill_holes_in_mask_scores(edge, max_area=1)[0, 0, 0, 0] == 0.1


def test_remove_sprinkles_in_mask_scores() -> None:
    scores = _scores()
    cleaned = remove_sprinkles_in_mask_scores(scores, max_area=2)
    assert cleaned[0, 0, 8, 8] == cleaned[0, 0, 9, 9] == -0.1
    assert (cleaned != scores).sum() == 2
    assert cleaned.shape == scores.shape and cleaned.dtype == scores.dtype


def test_remove_small_regions() -> None:
    mask = (_scores()[0, 0] > 0).numpy()
    filled, changed = remove_small_regions(mask, 5, 'holes')
    assert changed and filled[2:4, 2:4].all() and filled.sum() == mask.sum() + 4
    islands, changed = remove_small_regions(mask, 5, 'islands')
    assert changed and not islands[8:, 8:].any() and islands.sum() == 21
    same, changed = remove_small_regions(mask, 2, 'islands')
    assert not changed and np.array_equal(same, mask)
    largest, _ = remove_small_regions(mask, 100, 'islands')  # all small: keep the largest
    assert largest.sum() == 21
    with pytest.raises(ValueError, match='holes'):
        remove_small_regions(mask, 5, 'blobs')


def test_remove_small_regions_matches_meta() -> None:
    import_meta_sam2()
    from sam2.utils.amg import remove_small_regions as meta_remove_small_regions

    rng = np.random.default_rng(0)
    mask = rng.random((40, 50)) > 0.55
    for mode in ('holes', 'islands'):
        for area in (2, 6, 30):
            ours, ours_changed = remove_small_regions(mask, area, mode)
            meta, meta_changed = meta_remove_small_regions(mask, area, mode)
            assert ours_changed == meta_changed
            np.testing.assert_array_equal(ours, meta)


def test_batched_mask_to_box() -> None:
    masks = torch.zeros(2, 3, 6, 8, dtype=torch.bool)
    masks[0, 0, 1:4, 2:7] = True
    masks[1, 2, 5, 0] = True
    boxes = batched_mask_to_box(masks)
    assert boxes.shape == (2, 3, 4) and boxes.dtype == torch.int64
    assert boxes[0, 0].tolist() == [2, 1, 6, 3]
    assert boxes[1, 2].tolist() == [0, 5, 0, 5]
    assert boxes[0, 1].tolist() == [0, 0, 0, 0]  # empty mask
    assert batched_mask_to_box(torch.zeros(0, 6, 8)).shape == (0, 4)


def test_batched_mask_to_box_matches_meta() -> None:
    import_meta_sam2()
    from sam2.utils.amg import batched_mask_to_box as meta_batched_mask_to_box

    masks = torch.rand(5, 20, 30, generator=torch.Generator().manual_seed(0)) > 0.97
    masks[2] = False
    assert torch.equal(batched_mask_to_box(masks), meta_batched_mask_to_box(masks))
