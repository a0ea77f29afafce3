"""The exceptions raised for invalid video inputs and prompts."""

from mmsam2.structures.prompt_checks import PromptError


class VideoPredictorError(ValueError):
    """A video, a frame or a prompt given to the video predictor is invalid.

    Raised for an unreadable or empty video, frames of different sizes, a
    prompt outside the image or on a frame that does not exist (or has not
    arrived yet in a stream), an unknown object id, points and labels that do
    not match, and propagation before any prompt. The message says what is
    wrong and, where it helps, how to fix it.
    """


class VideoPromptError(VideoPredictorError, PromptError):
    """A click, label, box or mask given to the video predictor is invalid.

    Both a :class:`VideoPredictorError` and the
    :class:`mmsam2.structures.PromptError` that the image predictor raises
    for the same bad prompts (the checks are shared, see
    :mod:`mmsam2.structures.prompt_checks`).
    """
