"""Where the video predictor's frames come from, decoded one at a time.

A :class:`FrameSource` hands out (H, W, 3) uint8 RGB frames by index and
never holds a whole video in memory:

* :class:`FolderFrames`: a folder of JPEG / PNG frames (one file per frame,
  numbered names sorted by number).
* :class:`VideoFileFrames`: a video file (mp4, avi, mov, mkv, ...) decoded
  with PyAV, sequentially while tracking and by seeking for random access.
* :class:`ArrayFrames`: frames already in memory (a list of arrays or PIL
  images, or a (T, H, W, 3) array).
* :class:`LiveFrames`: an iterator of unknown length (a camera, a generator);
  frames are pulled as tracking reaches them and only the last few are kept.

:func:`open_frame_source` picks the right one for an input.
"""

import bisect
import io
import os
import os.path as osp
import threading
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import av
import numpy as np
import torch
from PIL import Image

from mmsam2.utils.image_io import UnsupportedImageModeError, pil_to_rgb

from .errors import VideoPredictorError, VOSDatasetError
from .video_frames import VideoFrames, sort_frame_names

FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png')
"""File extensions (any case) of the frames read from a folder."""

VideoInput = Union[str, os.PathLike, bytes, np.ndarray, torch.Tensor, Sequence, Iterable]


def as_rgb_frame(frame: Any, index: int) -> np.ndarray:
    """Check one frame (or convert a PIL image) to an RGB array.

    PIL images are converted by :func:`mmsam2.utils.image_io.pil_to_rgb`
    (16-bit grey images scaled to 8 bits, 32-bit / float ones rejected).

    Args:
        frame (np.ndarray | PIL.Image.Image | torch.Tensor): The frame.
        index (int): Its index, for the error message.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB frame.
    """
    if isinstance(frame, Image.Image):
        try:
            frame = pil_to_rgb(frame)
        except UnsupportedImageModeError as err:
            raise VideoPredictorError(f'frame {index}: {err}') from err
    elif isinstance(frame, torch.Tensor):
        frame = frame.detach().cpu().numpy()
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise VideoPredictorError(
            f'frame {index} must be an (H, W, 3) uint8 RGB array or a PIL image, '
            f'got an array of shape {frame.shape} and dtype {frame.dtype}'
        )
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise VideoPredictorError(f'frame {index} is empty ({frame.shape[0]}x{frame.shape[1]})')
    return frame


class FrameSource(metaclass=ABCMeta):
    """Frames of one video, decoded on demand; every frame has the size of frame 0.

    Reading is thread-safe (a lock serialises it), so frames may be decoded
    ahead in a background thread.

    Attributes:
        fps (float, optional): Frame rate, when the source knows it.
        frame_names (List[str], optional): A name per frame (e.g. file stems),
            when the source has them.
    """

    fps: Optional[float] = None
    frame_names: Optional[List[str]] = None

    def __init__(self) -> None:
        self._size: Optional[Tuple[int, int]] = None
        self._lock = threading.RLock()

    @property
    @abstractmethod
    def num_frames(self) -> Optional[int]:
        """Number of frames, None for a stream of unknown length."""

    @abstractmethod
    def _read(self, index: int) -> Any:
        """Decode frame ``index`` (already known to exist)."""

    @property
    def size(self) -> Tuple[int, int]:
        """(height, width) of the video: the size of frame 0."""
        if self._size is None:
            self[0]
        return self._size

    def __getitem__(self, index: int) -> np.ndarray:
        """Decode one frame.

        Args:
            index (int): Frame index (>= 0).

        Returns:
            np.ndarray: (H, W, 3) uint8 RGB frame.
        """
        with self._lock:
            if not self.exists(index):
                raise VideoPredictorError(self._missing_message(index))
            frame = as_rgb_frame(self._read(index), index)
        if self._size is None:
            self._size = frame.shape[:2]
        elif frame.shape[:2] != self._size:
            raise VideoPredictorError(
                f'frame {index} is {frame.shape[0]}x{frame.shape[1]} (HxW) but the video is '
                f'{self._size[0]}x{self._size[1]}: all frames of a video must have one size'
            )
        return frame

    def exists(self, index: int) -> bool:
        """Whether frame ``index`` is part of the video (a stream is read up to it)."""
        return 0 <= index < self.num_frames

    def first_available_frame(self) -> int:
        """Oldest frame that can still be read (0 unless frames are dropped)."""
        return 0

    def check_prompt_frame(self, index: int) -> None:
        """Raise :class:`VideoPredictorError` if frame ``index`` cannot take a prompt.

        Args:
            index (int): Frame index.
        """
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise VideoPredictorError(f'frame_idx must be an int, got {index!r}')
        with self._lock:
            can_prompt = self._can_prompt(int(index))
        if not can_prompt:
            raise VideoPredictorError(self._missing_message(int(index)))

    def _can_prompt(self, index: int) -> bool:
        return self.exists(index)

    def _missing_message(self, index: int) -> str:
        return (
            f'frame index {index} is out of range: the video has {self.num_frames} frames '
            f'(0..{self.num_frames - 1})'
        )


class FolderFrames(FrameSource):
    """A folder of JPEG / PNG frames.

    Files are sorted by number when every name is a number (``0.jpg``,
    ``1.jpg``, ..., ``10.jpg``), else by name.

    Args:
        folder (str): The folder.
    """

    def __init__(self, folder: str) -> None:
        super().__init__()
        names = [n for n in os.listdir(folder) if osp.splitext(n)[1].lower() in FRAME_EXTENSIONS]
        if not names:
            raise VideoPredictorError(
                f'no frames found in folder {folder} (expected files ending in '
                f'{", ".join(FRAME_EXTENSIONS)})'
            )
        by_stem = {osp.splitext(n)[0]: n for n in names}
        if len(by_stem) != len(names):
            raise VideoPredictorError(f'two frame files in {folder} share a name but not a type')
        self.frame_names = sort_frame_names(list(by_stem))
        self.folder = folder
        self._frames = VideoFrames([osp.join(folder, by_stem[s]) for s in self.frame_names])

    @property
    def num_frames(self) -> int:
        return len(self._frames)

    def _read(self, index: int) -> np.ndarray:
        try:
            return self._frames[index]
        except VOSDatasetError as err:
            raise VideoPredictorError(str(err)) from err


class ArrayFrames(FrameSource):
    """Frames held in memory, or any sequence giving frames by index.

    Args:
        frames (np.ndarray | Sequence): A (T, H, W, 3) uint8 array, or a
            sequence of (H, W, 3) uint8 arrays or PIL images (e.g. a lazily
            decoding :class:`mmsam2.datasets.VideoFrames`).
    """

    def __init__(self, frames: Union[np.ndarray, Sequence]) -> None:
        super().__init__()
        if isinstance(frames, np.ndarray) and frames.ndim != 4:
            raise VideoPredictorError(
                f'a video array must be (T, H, W, 3), got shape {frames.shape}; pass a single '
                'frame as a list of one frame'
            )
        if len(frames) == 0:
            raise VideoPredictorError('the video has no frames')
        self._frames = frames

    @property
    def num_frames(self) -> int:
        return len(self._frames)

    def _read(self, index: int) -> Any:
        return self._frames[index]


class LiveFrames(FrameSource):
    """An iterator of frames of unknown length (a camera, a generator).

    Frames are pulled when tracking (or a prompt) first needs them; only the
    last ``buffer_size`` are kept, so prompts and reverse tracking can reach
    that far back.

    An exception raised by the iterator (other than ``StopIteration``) breaks
    the stream: it reaches the caller, and is raised again by every later
    read, also when the frame was pulled ahead in a background thread
    (``async_loading_frames``), so a failing camera is never taken for the
    end of the video.

    Args:
        frames (Iterable): Yields (H, W, 3) uint8 RGB arrays or PIL images.
        buffer_size (int): Number of recent frames kept. Defaults to 16.
    """

    def __init__(self, frames: Iterable, buffer_size: int = 16) -> None:
        super().__init__()
        if buffer_size < 1:
            raise ValueError(f'buffer_size must be >= 1, got {buffer_size}')
        self._iterator: Iterator = iter(frames)
        self._buffer: Dict[int, Any] = OrderedDict()
        self.buffer_size = buffer_size
        self.num_seen = 0
        self.ended = False
        self.error: Optional[BaseException] = None

    @property
    def num_frames(self) -> None:
        return None

    def _pull_until(self, index: int) -> bool:
        """Read the stream up to frame ``index``; False if it ends before.

        Raises the iterator's exception, now and on every later call.
        """
        while self.num_seen <= index and not self.ended:
            if self.error is not None:
                raise self.error
            try:
                frame = next(self._iterator)
            except StopIteration:
                self.ended = True
                break
            except Exception as err:  # the stream broke: not its end
                self.error = err
                raise
            self._buffer[self.num_seen] = frame
            self.num_seen += 1
            if len(self._buffer) > self.buffer_size:
                self._buffer.popitem(last=False)
        return index < self.num_seen

    def exists(self, index: int) -> bool:
        with self._lock:
            return index >= 0 and self._pull_until(index)

    def first_available_frame(self) -> int:
        with self._lock:
            return next(iter(self._buffer), self.num_seen)

    def _can_prompt(self, index: int) -> bool:
        return self.first_available_frame() <= index < self.num_seen

    def _read(self, index: int) -> Any:
        if index not in self._buffer:
            raise VideoPredictorError(self._missing_message(index))
        return self._buffer[index]

    def _missing_message(self, index: int) -> str:
        if index < 0:
            return f'frame index {index} is negative'
        if index >= self.num_seen and self.ended:
            return f'frame {index} does not exist: the stream ended after {self.num_seen} frames'
        if index >= self.num_seen:
            return (
                f'frame {index} has not arrived yet: {self.num_seen} frames of the stream were '
                'seen so far, and prompts can only be given on frames already seen'
            )
        return (
            f'frame {index} is no longer buffered: a stream keeps only its last '
            f'{self.buffer_size} frames (frames {self.first_available_frame()}..'
            f'{self.num_seen - 1} now; raise frame_buffer_size to keep more)'
        )


class _BrokenTimestamps(Exception):
    """Decoded frames do not come in the order of the scanned timestamps."""


class VideoFileFrames(FrameSource):
    """A video file decoded with PyAV.

    At opening, the packets are scanned (no decoding) for the timestamp of
    every frame, which gives the frame count and lets a frame be reached by
    seeking to the keyframe before it. Reading frames in order keeps decoding
    forward; reading backwards decodes from the previous keyframe and keeps
    the last ``cache_size`` decoded frames, so reverse tracking decodes each
    group of pictures about once per ``cache_size`` frames. Files without
    reliable timestamps (AVI) are indexed by counting decoded frames instead;
    reaching back in them decodes from the first frame.

    Args:
        path (str | BinaryIO): Video file, or a file object of its bytes.
        cache_size (int): Decoded frames kept. Defaults to 16.
    """

    def __init__(self, path: Union[str, io.BytesIO], cache_size: int = 16) -> None:
        super().__init__()
        self.name = path if isinstance(path, str) else '<video bytes>'
        try:
            self._container = av.open(path)
        except (av.FFmpegError, OSError) as err:
            raise VideoPredictorError(f'cannot open video {self.name}: {err}') from err
        if not self._container.streams.video:
            raise VideoPredictorError(f'{self.name} has no video stream')
        self._stream = self._container.streams.video[0]
        self._by_count = False
        self._pts, keyframes = self._scan_packets()
        if not self._pts:
            raise VideoPredictorError(f'{self.name} has no video frames')
        self._index_of = {pts: i for i, pts in enumerate(self._pts)}
        self._keyframes = sorted(self._index_of[pts] for pts in keyframes) or [0]
        rate = self._stream.average_rate
        self.fps = float(rate) if rate else None
        self._cache: Dict[int, np.ndarray] = OrderedDict()
        self._cache_size = max(1, cache_size)
        self._decoder: Optional[Iterator[av.VideoFrame]] = None
        self._next_index = 0
        self._last_index = -1

    def _scan_packets(self) -> Tuple[List[int], List[int]]:
        """Timestamps of all frames (display order) and of the keyframes.

        Without a usable timestamp per frame (AVI stores decoding order only),
        frames are indexed by counting.
        """
        stamps, keyframes = [], []
        try:
            for packet in self._container.demux(self._stream):
                if packet.size == 0:
                    continue
                stamps.append(packet.pts if packet.pts is not None else packet.dts)
                if packet.is_keyframe:
                    keyframes.append(stamps[-1])
            self._container.seek(0)
        except av.FFmpegError as err:
            raise VideoPredictorError(f'cannot read video {self.name}: {err}') from err
        unreliable = 'avi' in self._container.format.name.split(',')
        if unreliable or None in stamps or len(set(stamps)) != len(stamps):
            self._by_count = True
            return list(range(len(stamps))), []
        return sorted(stamps), keyframes

    @property
    def num_frames(self) -> int:
        return len(self._pts)

    def _read(self, index: int) -> np.ndarray:
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        try:
            if self._needs_seek(index):
                self._restart(index)
            try:
                return self._decode_until(index)
            except _BrokenTimestamps:
                self._by_count = True
                self._cache.clear()
                self._restart(index)
                return self._decode_until(index)
        except av.FFmpegError as err:
            raise VideoPredictorError(f'cannot decode frame {index} of {self.name}: {err}') from err

    def _needs_seek(self, index: int) -> bool:
        """Whether seeking reaches ``index`` sooner than decoding on."""
        if self._decoder is None or index < self._next_index:
            return True
        if self._by_count:
            return False
        key = self._keyframes[bisect.bisect_right(self._keyframes, index) - 1]
        return key > self._next_index

    def _restart(self, index: int) -> None:
        """Position the decoder at the keyframe before ``index`` (or at 0)."""
        if self._by_count:
            self._container.seek(0)
            self._next_index = 0
        else:
            key = self._keyframes[bisect.bisect_right(self._keyframes, index) - 1]
            self._container.seek(self._pts[key], stream=self._stream, backward=True)
            self._next_index = key
        self._decoder = self._container.decode(self._stream)
        self._last_index = -1

    def _decode_until(self, index: int) -> np.ndarray:
        """Decode on until frame ``index``, caching the frames just before it."""
        for frame in self._decoder:
            if self._by_count:
                i = self._next_index
            else:
                i = self._index_of.get(frame.pts, -1)
                if i <= self._last_index:
                    raise _BrokenTimestamps
            self._last_index = i
            self._next_index = i + 1
            if i > index - self._cache_size:
                self._cache[i] = frame.to_ndarray(format='rgb24')
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            if i == index:
                return self._cache[i]
            if i > index:  # the frame was skipped: its timestamp is not what was scanned
                raise _BrokenTimestamps
        self._decoder = None
        raise VideoPredictorError(f'frame {index} of {self.name} could not be decoded')


def _is_indexable(video: Any) -> bool:
    """Sized and indexable (e.g. a dataset's lazily decoded ``VideoFrames``)."""
    return hasattr(video, '__len__') and hasattr(video, '__getitem__')


def open_frame_source(video: VideoInput, frame_buffer_size: int = 16) -> FrameSource:
    """Wrap any supported video input into a :class:`FrameSource`.

    Args:
        video (str | os.PathLike | bytes | np.ndarray | torch.Tensor |
            Sequence | Iterable | FrameSource): A folder of frames, a video
            file (or its bytes), a (T, H, W, 3) uint8 array or tensor, a
            sequence (a list, or e.g. a lazily decoding
            :class:`mmsam2.datasets.VideoFrames`) of (H, W, 3) uint8 frames or
            PIL images, an iterator of such frames (a stream of unknown
            length), or a ready source.
        frame_buffer_size (int): Decoded frames kept by video files and
            streams. Defaults to 16.

    Returns:
        FrameSource: The source.
    """
    if isinstance(video, FrameSource):
        return video
    if isinstance(video, (str, os.PathLike)):
        path = os.fspath(video)
        if osp.isdir(path):
            return FolderFrames(path)
        if osp.isfile(path):
            return VideoFileFrames(path, frame_buffer_size)
        raise VideoPredictorError(f'no such video file or frame folder: {path}')
    if isinstance(video, bytes):
        return VideoFileFrames(io.BytesIO(video), frame_buffer_size)
    if isinstance(video, torch.Tensor):
        video = video.detach().cpu().numpy()
    if isinstance(video, (np.ndarray, Sequence)) or _is_indexable(video):
        return ArrayFrames(video)
    if isinstance(video, Iterable):
        return LiveFrames(video, frame_buffer_size)
    raise VideoPredictorError(
        f'unsupported video input of type {type(video).__name__}: give a folder of frames, a '
        'video file, an array or list of frames, or an iterator of frames'
    )
