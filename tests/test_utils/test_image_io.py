"""One rule for 16-bit images in every frame / image reader: scaled to 8 bits (value >> 8).

Pillow's ``convert('RGB')`` clips 16-bit grey images (mode ``I;16``) to 255,
which made a normal 16-bit frame almost white. The readers: image files
(``read_rgb_image``), folders of frames and PIL frames of the video
predictor, dataset frames (``VideoFrames``) and the image predictor's PIL
input.
"""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from mmsam2.apis import VideoPredictorError
from mmsam2.apis.image_predictor import image_to_array
from mmsam2.datasets import VideoFrames, VOSDatasetError
from mmsam2.fileio.frame_sources import ArrayFrames, FolderFrames, as_rgb_frame
from mmsam2.utils.image_io import UnsupportedImageModeError, pil_to_rgb, read_rgb_image


def write_png16(path: str, values: np.ndarray) -> str:
    """Write a 16-bit PNG (grey (H, W) or RGB (H, W, 3)); Pillow cannot write 16-bit RGB."""
    values = np.asarray(values, np.uint16)
    height, width = values.shape[:2]
    colour_type = 0 if values.ndim == 2 else 2
    rows = b''.join(b'\x00' + values[y].astype('>u2').tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', crc)

    header = struct.pack('>IIBBBBB', width, height, 16, colour_type, 0, 0, 0)
    with open(path, 'wb') as file:
        file.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header))
        file.write(chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
    return path


@pytest.fixture
def grey16() -> np.ndarray:
    """A normal 16-bit frame: a ramp over the whole range (only 1 / 256 of it >= 65280)."""
    return np.linspace(0, 65535, 24 * 32).reshape(24, 32).astype(np.uint16)


def _expected(grey16: np.ndarray) -> np.ndarray:
    return np.repeat((grey16 >> 8).astype(np.uint8)[..., None], 3, axis=2)


def test_pil_16_bit_grey_is_scaled(grey16) -> None:
    image = Image.fromarray(grey16)
    assert image.mode == 'I;16'
    rgb = pil_to_rgb(image)
    assert rgb.dtype == np.uint8 and rgb.shape == (24, 32, 3) and rgb.flags.writeable
    np.testing.assert_array_equal(rgb, _expected(grey16))
    assert (rgb == 255).mean() < 0.01  # Pillow's convert('RGB') gives > 99 % white
    part = np.ascontiguousarray(grey16[:, :8])
    np.testing.assert_array_equal(pil_to_rgb(Image.fromarray(part)), _expected(grey16)[:, :8])
    eight_bit = Image.fromarray((grey16 >> 8).astype(np.uint8))
    np.testing.assert_array_equal(pil_to_rgb(eight_bit), rgb)  # as the 8-bit image shows


@pytest.mark.parametrize(
    'image',
    [
        Image.fromarray(np.full((4, 4), 70000, np.int32)),  # mode I, no known range
        Image.fromarray(np.full((4, 4), 0.5, np.float32)),  # mode F
    ],
)
def test_images_without_known_range_are_rejected(image, tmp_path) -> None:
    with pytest.raises(UnsupportedImageModeError, match='value range is unknown'):
        pil_to_rgb(image)
    with pytest.raises(VideoPredictorError, match='frame 3: .*value range is unknown'):
        as_rgb_frame(image, 3)
    with pytest.raises(ValueError, match='value range is unknown'):
        image_to_array(image)
    path = str(tmp_path / 'frame.tif')
    image.save(path)
    with pytest.raises(ValueError, match='cannot read image'):
        read_rgb_image(path)
    with pytest.raises(VOSDatasetError, match='value range is unknown'):
        VideoFrames([path])[0]


def test_every_reader_scales_16_bit_frames(grey16, tmp_path) -> None:
    expected = _expected(grey16)
    folder = tmp_path / 'frames'
    folder.mkdir()
    for t in range(2):
        write_png16(str(folder / f'{t:05d}.png'), grey16)
    path = str(folder / '00000.png')
    with Image.open(path) as image:
        assert image.mode in ('I;16', 'I')  # 'I' in older Pillow versions
        np.testing.assert_array_equal(pil_to_rgb(image), expected)
    readers = {
        'read_rgb_image': read_rgb_image(path),
        'VideoFrames (datasets)': VideoFrames([path])[0],
        'FolderFrames (video predictor)': FolderFrames(str(folder))[1],
        'ArrayFrames of PIL images': ArrayFrames([Image.fromarray(grey16)])[0],
        'image predictor input': image_to_array(Image.fromarray(grey16)),
    }
    for name, frame in readers.items():
        assert frame.dtype == np.uint8 and frame.shape == (24, 32, 3), name
        np.testing.assert_array_equal(frame, expected, err_msg=name)


def test_16_bit_rgb_png_follows_the_same_rule(grey16, tmp_path) -> None:
    # Pillow reads 16-bit RGB PNGs itself (high byte): the grey rule gives the same frame
    rgb16 = np.stack([grey16, grey16, grey16], axis=-1)
    rgb_path = write_png16(str(tmp_path / 'rgb16.png'), rgb16)
    grey_path = write_png16(str(tmp_path / 'grey16.png'), grey16)
    np.testing.assert_array_equal(read_rgb_image(rgb_path), read_rgb_image(grey_path))
    np.testing.assert_array_equal(VideoFrames([rgb_path])[0], _expected(grey16))
