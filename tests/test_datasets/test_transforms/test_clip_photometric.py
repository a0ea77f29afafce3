import numpy as np
import pytest

from mmsam2.datasets.transforms import ClipColorJitter, ClipRandomGrayscale
from mmsam2.datasets.transforms.photometric import adjust_hue, factor_range, hue_range
from mmsam2.registry import TRANSFORMS


def test_factor_ranges() -> None:
    assert factor_range(0.1, 'brightness') == pytest.approx((0.9, 1.1))
    assert factor_range(1.5, 'contrast') == (0.0, 2.5)
    assert factor_range((0.5, 2), 'saturation') == (0.5, 2.0)
    assert factor_range(0, 'brightness') is None
    assert hue_range(None) is None and hue_range(0.0) is None
    assert hue_range(0.2) == (-0.2, 0.2)
    with pytest.raises(ValueError, match='non-negative'):
        factor_range(-0.1, 'brightness')
    with pytest.raises(ValueError, match='hue'):
        hue_range(0.6)


def test_brightness_factor(make_clip) -> None:
    clip = make_clip()
    out = ClipColorJitter(brightness=(2, 2))(make_clip())
    expected = np.clip(clip['imgs'][0].astype(int) * 2, 0, 255)
    np.testing.assert_array_equal(out['imgs'][0], expected)


def test_saturation_and_contrast_zero_give_gray(make_clip) -> None:
    out = ClipColorJitter(saturation=(0, 0))(make_clip())
    img = out['imgs'][0].astype(int)
    assert (np.abs(img[..., 0] - img[..., 1]) <= 1).all()
    out = ClipColorJitter(contrast=(0, 0))(make_clip())
    assert np.ptp(out['imgs'][0]) <= 1


def test_hue_shift_is_a_rotation() -> None:
    red = np.zeros((2, 2, 3), np.uint8)
    red[..., 0] = 255
    np.testing.assert_array_equal(adjust_hue(red, 1 / 3)[0, 0], (0, 255, 0))
    np.testing.assert_array_equal(adjust_hue(red, 0.0), red)


def test_jitter_consistent_or_per_frame(make_clip) -> None:
    cfg = dict(type='ClipColorJitter', brightness=0.3, contrast=0.3, saturation=0.3, hue=0.1)
    np.random.seed(0)
    out = TRANSFORMS.build(cfg)(make_clip(same_frames=True))
    assert all(np.array_equal(img, out['imgs'][0]) for img in out['imgs'])
    assert not np.array_equal(out['imgs'][0], make_clip(same_frames=True)['imgs'][0])
    out = TRANSFORMS.build(dict(cfg, consistent=False))(make_clip(same_frames=True))
    assert not np.array_equal(out['imgs'][0], out['imgs'][1])
    clip = make_clip()
    assert all(np.array_equal(a, b) for a, b in zip(out['gt_masks'], clip['gt_masks']))


def test_jitter_is_deterministic_under_a_seed(make_clip) -> None:
    transform = ClipColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, consistent=False)
    np.random.seed(3)
    first = transform(make_clip())['imgs']
    np.random.seed(3)
    second = transform(make_clip())['imgs']
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_grayscale(make_clip) -> None:
    out = ClipRandomGrayscale(prob=1.0)(make_clip())
    for img in out['imgs']:
        assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all()
    np.random.seed(0)
    transform = ClipRandomGrayscale(prob=0.5)

    def gray(img: np.ndarray) -> bool:
        return bool((img[..., 0] == img[..., 2]).all())

    draws = [[gray(img) for img in transform(make_clip())['imgs']] for _ in range(20)]
    assert all(len(set(d)) == 1 for d in draws) and {d[0] for d in draws} == {True, False}
