"""Frames of a video file (SA-V train's mp4s), decoded lazily when indexed."""

from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from mmsam2.fileio.errors import VideoPredictorError, VOSDatasetError
from mmsam2.fileio.frame_sources import VideoFileFrames


class EncodedVideoFrames:
    """Some frames of a video file, decoded one at a time when indexed.

    The :class:`VideoFrames` of an mp4: frame ``i`` is frame
    ``frame_numbers[i]`` of the file, e.g. every 4th frame of a 24 fps SA-V
    video. Decoding uses PyAV through
    :class:`mmsam2.fileio.frame_sources.VideoFileFrames` (seeking to the
    keyframe before a frame, decoding forward from there). The file is opened
    on the first access and kept open for this object's life (one clip);
    copies and pickles (data loader workers) hold only the path. Read
    frames in increasing order when you can: going back decodes again from
    a keyframe.

    Args:
        video_path (str): Video file.
        frame_numbers (Sequence[int]): Frames of the file, in order.
        size (Tuple[int, int], optional): Expected (height, width); a frame of
            another size raises :class:`VOSDatasetError`. Defaults to None
            (not checked).
    """

    def __init__(
        self,
        video_path: str,
        frame_numbers: Sequence[int],
        size: Optional[Tuple[int, int]] = None,
    ) -> None:
        self.video_path = video_path
        self.frame_numbers: List[int] = [int(n) for n in frame_numbers]
        self.size = None if size is None else (int(size[0]), int(size[1]))
        self._source = None

    def __len__(self) -> int:
        return len(self.frame_numbers)

    def __getitem__(self, index: Union[int, slice]) -> Union[np.ndarray, 'EncodedVideoFrames']:
        """Decode one frame, or select frames.

        Args:
            index (int | slice): Frame index (negative counts from the end)
                or a slice.

        Returns:
            np.ndarray | EncodedVideoFrames: The (H, W, 3) uint8 RGB frame,
            or the selected frames.
        """
        if isinstance(index, slice):
            return EncodedVideoFrames(self.video_path, self.frame_numbers[index], self.size)
        return self._decode(self.frame_numbers[index])

    def __iter__(self) -> Iterator[np.ndarray]:
        for number in self.frame_numbers:
            yield self._decode(number)

    def __repr__(self) -> str:
        size = '' if self.size is None else f', size={self.size}'
        return f'{self.__class__.__name__}(num_frames={len(self)}{size})'

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state['_source'] = None  # an open file does not pickle
        return state

    @property
    def num_file_frames(self) -> int:
        """Number of frames in the file (its packets are scanned, nothing decoded)."""
        return self._open().num_frames

    def close(self) -> None:
        """Let the file go (PyAV closes it; it is opened again when needed)."""
        self._source = None

    def _open(self):
        """Open the file once.

        Returns:
            mmsam2.fileio.frame_sources.VideoFileFrames: The decoder.
        """
        if self._source is None:
            try:
                self._source = VideoFileFrames(self.video_path, cache_size=1)
            except (VideoPredictorError, FileNotFoundError, OSError) as err:
                raise VOSDatasetError(f'cannot read video ({err})', self.video_path) from err
        return self._source

    def _decode(self, number: int) -> np.ndarray:
        """Decode frame ``number`` of the file and check its size.

        Args:
            number (int): Frame number in the file.

        Returns:
            np.ndarray: (H, W, 3) uint8 RGB frame.
        """
        source = self._open()
        if not 0 <= number < source.num_frames:
            raise VOSDatasetError(
                f'frame {number} does not exist: the video has {source.num_frames} frames',
                self.video_path,
            )
        try:
            frame = source[number]
        except VideoPredictorError as err:
            raise VOSDatasetError(f'cannot decode frame {number} ({err})', self.video_path) from err
        if self.size is not None and frame.shape[:2] != self.size:
            raise VOSDatasetError(
                f'frame {number} is {frame.shape[0]}x{frame.shape[1]} (HxW), but the '
                f'annotations are {self.size[0]}x{self.size[1]}',
                self.video_path,
            )
        return frame
