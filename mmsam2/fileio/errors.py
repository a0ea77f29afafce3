"""The exceptions of file input: unreadable videos, frames and VOS data."""

from typing import Optional

DOCS_HINT = 'See docs/datasets.md for the expected layout of each benchmark.'


class VOSDatasetError(Exception):
    """Video object segmentation data on disk is missing or malformed.

    Raised for a wrong ``data_root``, a missing frame, a mask whose size
    differs from its frame, a mask id outside its palette and similar
    problems. Nothing is skipped silently: the loader stops at the first
    problem and names the file.

    Args:
        message (str): What is wrong and, where it helps, how to fix it.
        path (str, optional): The file or folder at fault. Defaults to None.
    """

    def __init__(self, message: str, path: Optional[str] = None) -> None:
        self.path = path
        super().__init__(message if path is None else f'{message} (path: {path})')


class VideoPredictorError(ValueError):
    """A video, a frame or a prompt given to the video predictor is invalid.

    Raised by the frame sources (:mod:`mmsam2.fileio.frame_sources`) for an
    unreadable or empty video and frames of different sizes, and by the video
    predictor for a prompt outside the image or on a frame that does not
    exist (or has not arrived yet in a stream), an unknown object id, points
    and labels that do not match, and propagation before any prompt. The
    message says what is wrong and, where it helps, how to fix it.
    """
