import numpy as np
import pytest

from mmsam2.datasets.transforms import ClipRandomAffine, ClipRandomHorizontalFlip, ClipResize
from mmsam2.datasets.transforms.geometric import affine_matrix
from mmsam2.registry import TRANSFORMS


def flipped(results: dict) -> list:
    """Which frames have their marker pixel (2, 3) moved to the right edge."""
    width = results['imgs'][0].shape[1]
    return [bool((img[2, width - 1 - 3] == (255, 0, 0)).all()) for img in results['imgs']]


def test_flip_applies_to_every_frame_and_mask(make_clip) -> None:
    clip = make_clip()
    before = [m.copy() for m in clip['gt_masks']]
    out = TRANSFORMS.build(dict(type='ClipRandomHorizontalFlip', prob=1.0))(clip)
    assert flipped(out) == [True] * 3 and out['flip'] == [True] * 3
    for t in range(3):
        np.testing.assert_array_equal(out['gt_masks'][t], before[t][:, :, ::-1])
        assert out['imgs'][t].flags['C_CONTIGUOUS']


def test_flip_consistent_or_per_frame(make_clip) -> None:
    np.random.seed(0)
    consistent = ClipRandomHorizontalFlip(prob=0.5)
    draws = [flipped(consistent(make_clip())) for _ in range(20)]
    assert all(len(set(d)) == 1 for d in draws) and {d[0] for d in draws} == {True, False}
    per_frame = ClipRandomHorizontalFlip(prob=0.5, consistent=False)
    draws = [per_frame(make_clip())['flip'] for _ in range(20)]
    assert any(len(set(d)) == 2 for d in draws)


def test_resize_square(make_clip) -> None:
    out = ClipResize(48)(make_clip())
    assert [img.shape for img in out['imgs']] == [(48, 48, 3)] * 3
    assert [m.shape for m in out['gt_masks']] == [(2, 48, 48)] * 3
    assert out['gt_masks'][0].dtype == bool
    # the block of object 7, rows 8:18 of 24 and columns 20:28 of 32, scales with each axis
    rows, cols = np.nonzero(out['gt_masks'][0][1])
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (16, 35, 30, 41)
    assert out['ori_shape'] == (24, 32)


def test_resize_keep_ratio_pads(make_clip) -> None:
    out = ClipResize(64, keep_ratio=True)(make_clip())
    img, masks = out['imgs'][0], out['gt_masks'][0]
    assert img.shape == (64, 64, 3) and masks.shape == (2, 64, 64)
    assert (img[48:] == 0).all() and not masks[:, 48:].any()  # 24 x 32 -> 48 x 64, then padded
    redness = img[:12, :12, 0].astype(int) - img[:12, :12, 1]
    y, x = np.unravel_index(redness.argmax(), redness.shape)
    assert (y // 2, x // 2) == (2, 3)  # the marker scaled by 2 on both axes


def test_affine_matrix() -> None:
    center = (10.0, 5.0)
    matrix = affine_matrix(angle=90, shear=0, scale=2, translate=(3, -1), center=center)
    apply = lambda x, y: matrix @ np.array([x, y, 1.0])  # noqa: E731
    np.testing.assert_allclose(apply(*center), (13, 4), atol=1e-5)
    np.testing.assert_allclose(apply(11, 5) - apply(*center), (0, 2), atol=1e-5)
    identity = affine_matrix(angle=0, shear=0, scale=1, translate=(0, 0), center=center)
    np.testing.assert_allclose(identity, [[1, 0, 0], [0, 1, 0]], atol=1e-6)


def test_affine_identity_keeps_clip(make_clip) -> None:
    clip = make_clip()
    out = ClipRandomAffine(degrees=0)(make_clip())
    for t in range(3):
        np.testing.assert_array_equal(out['imgs'][t], clip['imgs'][t])
        np.testing.assert_array_equal(out['gt_masks'][t], clip['gt_masks'][t])


def test_affine_is_consistent_across_frames(make_clip) -> None:
    np.random.seed(1)
    out = ClipRandomAffine(degrees=25, shear=20, image_interpolation='bilinear')(
        make_clip(same_frames=True)
    )
    assert not np.array_equal(out['imgs'][0], make_clip(same_frames=True)['imgs'][0])
    assert all(np.array_equal(img, out['imgs'][0]) for img in out['imgs'])
    np.random.seed(1)
    per_frame = ClipRandomAffine(degrees=25, consistent=False)(make_clip(same_frames=True))
    assert not np.array_equal(per_frame['imgs'][0], per_frame['imgs'][1])


def test_affine_keeps_first_frame_objects(make_clip) -> None:
    # shifts of up to the frame size push the objects out most of the time: such draws are
    # rejected and the clip is left unchanged, so first-frame objects never vanish
    transform = ClipRandomAffine(degrees=0, translate=(1.0, 1.0), num_tentatives=2)
    np.random.seed(0)
    unchanged = 0
    for _ in range(30):
        clip = make_clip()
        out = transform(make_clip())
        assert out['gt_masks'][0].reshape(2, -1).any(axis=1).all()
        unchanged += np.array_equal(out['imgs'][0], clip['imgs'][0])
    assert 0 < unchanged < 30


def test_affine_fills_outside(make_clip) -> None:
    out = ClipRandomAffine(degrees=(45, 45), fill=(1, 2, 3))(make_clip())
    assert all((img[0, 0] == (1, 2, 3)).all() for img in out['imgs'])
    assert all(masks.dtype == bool and not masks[:, 0, 0].any() for masks in out['gt_masks'])


def test_affine_rejects_bad_interpolation() -> None:
    with pytest.raises(ValueError, match='image_interpolation'):
        ClipRandomAffine(degrees=10, image_interpolation='nearest')
