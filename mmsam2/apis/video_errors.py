"""The exception raised for invalid video inputs and prompts."""


class VideoPredictorError(ValueError):
    """A video, a frame or a prompt given to the video predictor is invalid.

    Raised for an unreadable or empty video, frames of different sizes, a
    prompt outside the image or on a frame that does not exist (or has not
    arrived yet in a stream), an unknown object id, points and labels that do
    not match, and propagation before any prompt. The message says what is
    wrong and, where it helps, how to fix it.
    """
