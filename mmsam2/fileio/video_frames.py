"""Lazily decoded video frames."""

import os.path as osp
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image, UnidentifiedImageError

from mmsam2.utils.image_io import UnsupportedImageModeError, pil_to_rgb

from .errors import VOSDatasetError


def open_image(path: str, what: str = 'frame') -> Image.Image:
    """Open an image file, turning a missing or unreadable one into a clear error.

    Args:
        path (str): Image file.
        what (str): What the file holds, for the message, e.g. 'mask file'.
            Defaults to 'frame'.

    Returns:
        Image.Image: The opened (not yet decoded) image.
    """
    if not osp.isfile(path):
        raise VOSDatasetError(f'{what} not found', path)
    try:
        return Image.open(path)
    except (UnidentifiedImageError, OSError) as err:
        raise VOSDatasetError(f'cannot read {what} ({err})', path) from err


def sort_frame_names(names: Sequence[str]) -> List[str]:
    """Sort frame names by number when they are all numbers, else by name.

    Args:
        names (Sequence[str]): File stems.

    Returns:
        List[str]: Sorted names.
    """
    if all(name.isdigit() for name in names):
        return sorted(names, key=int)
    return sorted(names)


def image_size(path: str) -> Tuple[int, int]:
    """Read the size of an image from its header, without decoding it.

    Args:
        path (str): Image file.

    Returns:
        Tuple[int, int]: (height, width).
    """
    with open_image(path) as image:
        width, height = image.size
    return height, width


class VideoFrames:
    """The frames of a video, decoded one at a time when indexed.

    Holds only the paths, so it is cheap to build, copy and pickle (data
    loader workers). Indexing decodes one frame; slicing gives another
    :class:`VideoFrames`. It is deliberately not a ``collections.abc.Sequence``
    so that mmengine's ``pseudo_collate`` passes it through without decoding
    every frame.

    Args:
        frame_paths (Sequence[str]): Image files, in temporal order.
        size (Tuple[int, int], optional): Expected (height, width); a frame of
            another size raises :class:`VOSDatasetError` when decoded.
            Defaults to None (not checked).

    Examples:
        >>> frames = VideoFrames(data_info['frame_paths'], size=(480, 854))
        >>> frames[0].shape, frames[0].dtype
        ((480, 854, 3), dtype('uint8'))
    """

    def __init__(self, frame_paths: Sequence[str], size: Optional[Tuple[int, int]] = None) -> None:
        self.frame_paths: List[str] = list(frame_paths)
        self.size = None if size is None else (int(size[0]), int(size[1]))

    def __len__(self) -> int:
        return len(self.frame_paths)

    def __getitem__(self, index: Union[int, slice]) -> Union[np.ndarray, 'VideoFrames']:
        """Decode one frame, or select frames.

        Args:
            index (int | slice): Frame index (negative counts from the end)
                or a slice.

        Returns:
            np.ndarray | VideoFrames: The (H, W, 3) uint8 RGB frame, or a
            :class:`VideoFrames` of the selected frames.
        """
        if isinstance(index, slice):
            return VideoFrames(self.frame_paths[index], self.size)
        return self._decode(self.frame_paths[index])

    def __iter__(self) -> Iterator[np.ndarray]:
        for path in self.frame_paths:
            yield self._decode(path)

    def __repr__(self) -> str:
        size = '' if self.size is None else f', size={self.size}'
        return f'{self.__class__.__name__}(num_frames={len(self)}{size})'

    def _decode(self, path: str) -> np.ndarray:
        """Decode one frame to RGB and check its size.

        16-bit grey frames are scaled to 8 bits (see
        :func:`mmsam2.utils.image_io.pil_to_rgb`); 32-bit and float images
        raise :class:`VOSDatasetError`.

        Args:
            path (str): Image file.

        Returns:
            np.ndarray: (H, W, 3) uint8 RGB frame.
        """
        with open_image(path) as image:
            try:
                frame = pil_to_rgb(image)
            except UnsupportedImageModeError as err:
                raise VOSDatasetError(f'cannot read frame ({err})', path) from err
            except OSError as err:  # truncated or corrupt image data
                raise VOSDatasetError(f'cannot decode frame ({err})', path) from err
        if self.size is not None and frame.shape[:2] != self.size:
            raise VOSDatasetError(
                f'frame is {frame.shape[0]}x{frame.shape[1]} (HxW), but the video is '
                f'{self.size[0]}x{self.size[1]}',
                path,
            )
        return frame
