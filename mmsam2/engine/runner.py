"""mmengine's runner with checkpoint loads that cannot run code."""

from typing import Any, Callable, List, Tuple, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmsam2.registry import RUNNERS
from mmsam2.utils.checkpoint import (
    CheckpointError,
    checkpoint_with_state_dict,
    load_checkpoint_file,
)

RESUME_KEYS = ('epoch', 'iter')


@RUNNERS.register_module()
class SafeRunner(Runner):
    """:class:`mmengine.runner.Runner` whose ``load_from`` and ``resume`` are safe.

    Checkpoints are opened with :func:`mmsam2.utils.load_checkpoint_file`
    (``weights_only=True`` and an exact allow-list) instead of mmengine's
    loader, Meta's SAM 2 ``.pt`` files load directly, and resuming from a
    file without training state says so instead of failing with a
    ``KeyError``. Everything else is mmengine's runner.

    The configs choose it with ``runner_type = 'SafeRunner'``; a trusted file
    that needs arbitrary unpickling is opted in with
    ``trust_checkpoint = True`` in the config (``--trust-checkpoint`` on the
    tools).

    Args:
        *args: :class:`mmengine.runner.Runner`'s arguments.
        trust_checkpoint (bool): Allow ``weights_only=False`` loads. Defaults
            to False (or the config's ``trust_checkpoint``).
        **kwargs: :class:`mmengine.runner.Runner`'s keyword arguments.
    """

    def __init__(self, *args, trust_checkpoint: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.trust_checkpoint = trust_checkpoint or bool(self.cfg.get('trust_checkpoint', False))
        self._resuming = False

    def load_checkpoint(
        self,
        filename: str,
        map_location: Union[str, Callable] = 'cpu',
        strict: bool = False,
        revise_keys: List[Tuple[str, str]] = [(r'^module.', '')],  # noqa: B006 (mmengine's)
    ) -> dict:
        """Load a checkpoint into the model (mmengine's signature).

        Args:
            filename (str): Local path or ``http(s)://`` URL.
            map_location (str | Callable): As for :func:`torch.load`.
                Defaults to 'cpu'.
            strict (bool): Keys must match exactly. Defaults to False.
            revise_keys (list): ``(pattern, replacement)`` key regexes.
                Defaults to stripping ``module.``.

        Returns:
            dict: The checkpoint.
        """
        checkpoint = load_checkpoint_file(filename, map_location, trust=self.trust_checkpoint)
        checkpoint = checkpoint_with_state_dict(checkpoint, filename)
        if self._resuming:
            _check_resumable(checkpoint, filename)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def resume(self, filename: str, *args: Any, **kwargs: Any) -> None:
        """Resume training from a checkpoint written by a training run.

        Args:
            filename (str): The checkpoint.
            *args: :meth:`mmengine.runner.Runner.resume`'s arguments.
            **kwargs: Its keyword arguments.
        """
        self._resuming = True
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = False


def _check_resumable(checkpoint: dict, filename: str) -> None:
    """Raise a clear error when a checkpoint has no training state to resume."""
    meta = checkpoint.get('meta')
    missing = [k for k in RESUME_KEYS if not isinstance(meta, dict) or k not in meta]
    if missing:
        raise CheckpointError(
            f'cannot resume from {filename}: it holds no training state (meta has no '
            f'{" / ".join(missing)}); it is not a checkpoint written by tools/train.py '
            '(e.g. a converted or Meta SAM 2 file). To start training from its weights, '
            f'set load_from instead: --cfg-options load_from={filename} (without --resume).'
        )
