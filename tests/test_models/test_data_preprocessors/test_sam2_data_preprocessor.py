import pytest
import torch
import torch.nn.functional as F

from mmsam2.models.data_preprocessors import SAM2DataPreprocessor, resize_and_normalize
from mmsam2.registry import MODELS


def test_resize_matches_reference_order() -> None:
    # torchvision-style order (to [0, 1], resize, normalise) gives the same numbers
    img = torch.randint(0, 256, (1, 3, 37, 53), dtype=torch.uint8)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    ref = F.interpolate(
        img.float() / 255, size=(64, 64), mode='bilinear', align_corners=False, antialias=True
    )
    ref = (ref - mean) / std
    out = resize_and_normalize(img, 64, mean.flatten() * 255, std.flatten() * 255)
    assert out.shape == (1, 3, 64, 64)
    assert (out - ref).abs().max() < 1e-4


def test_preprocessor_images_and_clips() -> None:
    pre = MODELS.build(dict(type='SAM2DataPreprocessor', image_size=32))
    assert isinstance(pre, SAM2DataPreprocessor)
    images = [torch.randint(0, 256, (3, 20, 30), dtype=torch.uint8) for _ in range(2)]
    out = pre(dict(inputs=images, data_samples=None))
    assert out['inputs'].shape == (2, 3, 32, 32)
    clips = torch.randint(0, 256, (2, 4, 3, 20, 30), dtype=torch.uint8)
    assert pre.preprocess(clips).shape == (2, 4, 3, 32, 32)


def test_preprocessor_errors() -> None:
    pre = SAM2DataPreprocessor(image_size=32)
    with pytest.raises(ValueError, match='share a shape'):
        pre(dict(inputs=[torch.zeros(3, 8, 8), torch.zeros(3, 9, 8)]))
    with pytest.raises(ValueError, match='RGB'):
        pre.preprocess(torch.zeros(1, 4, 8, 8))
