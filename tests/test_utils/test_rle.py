"""Uncompressed / COCO RLE of binary masks."""

import numpy as np
import torch
from meta_reference import import_meta_sam2
from pycocotools import mask as mask_utils

from mmsam2.utils.rle import area_from_rle, coco_encode_rle, mask_to_rle, rle_to_mask


def _masks() -> torch.Tensor:
    masks = torch.rand(4, 7, 9, generator=torch.Generator().manual_seed(0)) > 0.5
    masks[1] = False
    masks[2] = True
    masks[3, 0, 0] = True  # first pixel set: counts start with a 0-length run
    return masks


def test_round_trip_and_area() -> None:
    masks = _masks()
    rles = mask_to_rle(masks)
    assert rles[1] == {'size': [7, 9], 'counts': [63]}
    assert rles[2] == {'size': [7, 9], 'counts': [0, 63]}
    assert rles[3]['counts'][0] == 0
    for mask, rle in zip(masks, rles):
        decoded = rle_to_mask(rle)
        assert decoded.dtype == bool and decoded.shape == (7, 9)
        np.testing.assert_array_equal(decoded, mask.numpy())
        assert area_from_rle(rle) == mask.sum().item()


def test_coco_encoding_decodes_with_pycocotools() -> None:
    for mask, rle in zip(_masks(), mask_to_rle(_masks())):
        coco = coco_encode_rle(rle)
        assert isinstance(coco['counts'], str) and coco['size'] == [7, 9]
        np.testing.assert_array_equal(mask_utils.decode(coco).astype(bool), mask.numpy())


def test_matches_meta() -> None:
    import_meta_sam2()
    from sam2.utils.amg import mask_to_rle_pytorch

    assert mask_to_rle(_masks()) == mask_to_rle_pytorch(_masks())
