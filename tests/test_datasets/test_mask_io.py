import numpy as np
import pytest
from PIL import Image

from mmsam2.datasets import (
    DAVIS_PALETTE,
    VOID_ID,
    VOSDatasetError,
    encode_palette_png,
    read_binary_mask,
    read_palette_mask,
    split_id_map,
    write_binary_mask,
    write_palette_mask,
)


def test_davis_palette():
    assert DAVIS_PALETTE.shape == (256, 3) and DAVIS_PALETTE.dtype == np.uint8
    assert DAVIS_PALETTE[:5].tolist() == [
        [0, 0, 0],
        [128, 0, 0],
        [0, 128, 0],
        [128, 128, 0],
        [0, 0, 128],
    ]
    assert DAVIS_PALETTE[8].tolist() == [64, 0, 0]
    assert DAVIS_PALETTE[VOID_ID].tolist() == [224, 224, 192]
    assert len({tuple(c) for c in DAVIS_PALETTE}) == 256


def test_palette_round_trip(tmp_path):
    ids = np.random.default_rng(0).integers(0, 256, (7, 9)).astype(np.uint8)
    path = str(tmp_path / 'a' / 'b' / '00000.png')
    write_palette_mask(path, ids)
    read, palette = read_palette_mask(path)
    assert read.dtype == np.uint8 and np.array_equal(read, ids)
    assert np.array_equal(palette, DAVIS_PALETTE)
    with Image.open(path) as image:
        assert image.mode == 'P'
    assert open(path, 'rb').read() == encode_palette_png(ids)


def test_grayscale_and_rgb_masks(tmp_path):
    binary = np.zeros((4, 5), np.uint8)
    binary[1:3, 1:4] = 255
    Image.fromarray(binary).save(tmp_path / 'binary.png')
    ids, palette = read_palette_mask(str(tmp_path / 'binary.png'))
    assert palette is None and ids.max() == 1 and ids.sum() == 6

    gray = np.array([[0, 1, 2, 3]], np.uint8)
    Image.fromarray(gray).save(tmp_path / 'gray.png')
    assert np.array_equal(read_palette_mask(str(tmp_path / 'gray.png'))[0], gray)

    rgb_ids = np.array([[0, 1], [2, 3]], np.uint8)
    Image.fromarray(DAVIS_PALETTE[rgb_ids]).save(tmp_path / 'rgb.png')
    ids, palette = read_palette_mask(str(tmp_path / 'rgb.png'))
    assert np.array_equal(ids, rgb_ids) and palette is DAVIS_PALETTE


def test_rgb_colour_outside_palette(tmp_path):
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0, 0] = (1, 2, 3)
    Image.fromarray(rgb).save(tmp_path / 'rgb.png')
    with pytest.raises(VOSDatasetError, match='not in the DAVIS palette'):
        read_palette_mask(str(tmp_path / 'rgb.png'))


def test_id_not_in_palette(tmp_path):
    ids = np.zeros((4, 5), np.uint8)
    ids[0, 0] = 20
    image = Image.fromarray(ids)
    image.putpalette(DAVIS_PALETTE[:17].reshape(-1).tolist())  # 8-bit PNG, 17 colours
    path = str(tmp_path / 'short.png')
    image.save(path)
    with pytest.raises(
        VOSDatasetError, match=r'ids \[20\] are not in its 17-colour palette'
    ) as err:
        read_palette_mask(path)
    assert err.value.path == path


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(VOSDatasetError, match='not found'):
        read_palette_mask(str(tmp_path / 'nope.png'))
    (tmp_path / 'broken.png').write_bytes(b'not a png')
    with pytest.raises(VOSDatasetError, match='cannot read'):
        read_binary_mask(str(tmp_path / 'broken.png'))


def test_binary_round_trip(tmp_path):
    mask = np.random.default_rng(1).random((6, 8)) > 0.5
    path = str(tmp_path / '000' / '00004.png')
    write_binary_mask(path, mask)
    assert np.array_equal(read_binary_mask(path), mask)
    assert set(np.unique(read_palette_mask(path)[0])) <= {0, 1}
    Image.fromarray(mask.astype(np.uint8) * 255).save(tmp_path / 'l.png')
    assert np.array_equal(read_binary_mask(str(tmp_path / 'l.png')), mask)


def test_split_id_map():
    ids = np.array([[0, 1], [2, 2]], np.uint8)
    masks = split_id_map(ids, [1, 2, 5])
    assert masks[1].sum() == 1 and masks[2].sum() == 2 and not masks[5].any()
    assert masks[2].dtype == bool


@pytest.mark.parametrize('ids', [np.zeros((2, 2, 2)), np.full((2, 2), 256), np.full((2, 2), -1)])
def test_write_rejects_bad_id_maps(tmp_path, ids):
    with pytest.raises(ValueError):
        write_palette_mask(str(tmp_path / 'x.png'), ids)
