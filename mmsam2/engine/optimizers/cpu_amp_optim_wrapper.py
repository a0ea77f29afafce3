"""Mixed-precision training on a CPU: bfloat16 autocast, no loss scaling."""

from contextlib import contextmanager
from typing import Iterator, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmsam2.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """mmengine's ``AmpOptimWrapper`` for CPUs, where it refuses to run.

    The forward pass (the data preprocessor, the model and the loss: what
    mmengine's ``train_step`` runs in :meth:`optim_context`) runs under
    ``torch.autocast('cpu', dtype=torch.bfloat16)``; the weights, their
    gradients and the optimizer stay in float32. bfloat16 has float32's
    range, so the loss is not scaled and there is no ``GradScaler`` (which
    CPU autocast does not need); float16 is refused, as mmengine's
    ``autocast`` does on CPUs. ``tools/train.py --amp`` picks this wrapper
    when no GPU is available and mmengine's ``AmpOptimWrapper`` otherwise.
    A GPU run's checkpoint resumes here as it is: ``OptimWrapper`` loads
    its optimizer state and ignores its ``loss_scaler`` entry.

    Args:
        dtype (str | torch.dtype): Autocast dtype; only bfloat16. Defaults
            to 'bfloat16'.
        **kwargs: ``optimizer``, ``clip_grad``, ``accumulative_counts`` of
            mmengine's ``OptimWrapper``.
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16', **kwargs) -> None:
        dtype = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
        if dtype is not torch.bfloat16:
            raise ValueError(
                f'CPU mixed precision runs in bfloat16 only, got dtype={dtype}; '
                'float16 needs a GPU (mmengine AmpOptimWrapper)'
            )
        super().__init__(**kwargs)
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Run the forward pass under bfloat16 autocast (and gradient accumulation's context).

        Args:
            model (nn.Module): The training model.
        """
        with super().optim_context(model), torch.autocast('cpu', dtype=self.cast_dtype):
            yield
