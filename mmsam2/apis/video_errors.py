"""The exceptions raised for invalid video inputs and prompts."""

from mmsam2.fileio.errors import VideoPredictorError
from mmsam2.structures.prompt_checks import PromptError

__all__ = ['VideoPredictorError', 'VideoPromptError']


class VideoPromptError(VideoPredictorError, PromptError):
    """A click, label, box or mask given to the video predictor is invalid.

    Both a :class:`VideoPredictorError` and the
    :class:`mmsam2.structures.PromptError` that the image predictor raises
    for the same bad prompts (the checks are shared, see
    :mod:`mmsam2.structures.prompt_checks`).
    """
