"""Checkpoint the random generators so that a resumed run repeats the same draws."""

import random
from functools import partial
from typing import Any, Callable, Dict, Optional

import numpy as np
import torch
import torch.nn as nn
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmsam2.registry import HOOKS

CHECKPOINT_KEY = 'random_states'


def _model_generators(model: nn.Module) -> Dict[str, np.random.Generator]:
    """Numpy generators held by modules as ``rng`` (e.g. prompt decisions)."""
    return {
        name: module.rng
        for name, module in model.named_modules()
        if isinstance(getattr(module, 'rng', None), np.random.Generator)
    }


def capture_random_states(model: nn.Module) -> Dict[str, Any]:
    """Snapshot python, numpy, torch (CPU and CUDA) and the model's generators.

    Args:
        model (nn.Module): The (unwrapped) model.

    Returns:
        Dict[str, Any]: Tensors and plain Python values only (loadable with
        ``weights_only=True``).
    """
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    states = dict(
        python=random.getstate(),
        numpy=[name, keys.tolist(), pos, has_gauss, gauss],
        torch=torch.get_rng_state(),
        generators={k: g.bit_generator.state for k, g in _model_generators(model).items()},
    )
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(model: nn.Module, states: Dict[str, Any], global_states: bool) -> None:
    """Put back the states of :func:`capture_random_states`.

    Args:
        model (nn.Module): The (unwrapped) model.
        states (Dict[str, Any]): A snapshot.
        global_states (bool): Also restore the process-wide generators
            (python, numpy, torch); the model's are always restored.
    """
    for name, generator in _model_generators(model).items():
        if name in states['generators']:
            generator.bit_generator.state = states['generators'][name]
    if not global_states:
        return
    random.setstate(_as_tuples(states['python']))
    name, keys, pos, has_gauss, gauss = states['numpy']
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(states['torch'].cpu())
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in states['cuda']])


def _as_tuples(value: Any) -> Any:
    """Lists back to tuples (``random.setstate`` wants the tuples it gave)."""
    return tuple(_as_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def _unwrap(model: nn.Module) -> nn.Module:
    """The model inside a distributed wrapper."""
    return model.module if is_model_wrapper(model) else model


class _RestoreAfterSkip:
    """Data iterator stand-in: restores the states once the resumed loop has
    skipped the batches already trained on, then puts the real iterator back.

    Skipping replays the data pipeline (and the data loader's own draws at
    epoch ends), so the states are put back just before the first new batch,
    where the interrupted run saved them.

    Args:
        loop: An iteration-based train loop (``dataloader_iterator``).
        num_skipped (int): Batches the loop skips.
        restore (Callable[[], None]): Puts the saved states back.
    """

    def __init__(self, loop, num_skipped: int, restore: Callable[[], None]) -> None:
        self._loop = loop
        self._iterator = loop.dataloader_iterator
        self._left = num_skipped
        self._restore = restore

    def __iter__(self) -> '_RestoreAfterSkip':
        return self

    def __next__(self) -> Any:
        if self._left == 0:
            self._restore()
            self._loop.dataloader_iterator = self._iterator
        self._left -= 1
        return next(self._iterator)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random generators in checkpoints and restore them on resume.

    mmengine checkpoints hold the model, optimizer, schedulers and iteration
    but not the random generators, so a resumed run would draw other dropout
    masks, correction clicks and prompt decisions than the run it continues.
    This hook stores them (python, numpy, torch CPU/CUDA, and every module's
    numpy ``rng``) in each checkpoint. On resume it puts them back right
    before the first new batch is loaded: with an iteration-based loop, that
    is after mmengine skipped the batches already trained on (which replays
    the data order and augmentation, in workers or in the main process), so
    the resumed run continues exactly as the interrupted one would have.

    In distributed training only rank 0's global states are saved: on resume
    rank 0 gets them back, other ranks keep their seeded generators; the
    model's generators (identical on all ranks) are restored everywhere.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._pending: Optional[Dict[str, Any]] = None
        self._pending_iter = -1

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Add the states to the checkpoint being saved."""
        checkpoint[CHECKPOINT_KEY] = capture_random_states(_unwrap(runner.model))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the states of a loaded checkpoint until training starts."""
        self._pending = checkpoint.get(CHECKPOINT_KEY)
        self._pending_iter = checkpoint.get('meta', {}).get('iter', -1)

    def before_train(self, runner) -> None:
        """Arrange the restore if training resumes from the loaded checkpoint."""
        states, self._pending = self._pending, None
        if states is None or not 0 < runner.iter == self._pending_iter:
            return
        restore = partial(restore_random_states, _unwrap(runner.model), states, get_rank() == 0)
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):
            loop.dataloader_iterator = _RestoreAfterSkip(loop, runner.iter, restore)
        else:
            restore()
