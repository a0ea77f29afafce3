"""Mixed-precision choices shared by the training, test and demo command lines."""

import contextlib
from typing import ContextManager, Optional, Union

import torch

AMP_DTYPES = ('bfloat16', 'float16')


def default_device() -> str:
    """'cuda' when a GPU is available, else 'cpu'."""
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def amp_torch_dtype(amp_dtype: str, device: Union[str, torch.device]) -> torch.dtype:
    """Check a mixed-precision dtype name for a device and return the dtype.

    Args:
        amp_dtype (str): 'bfloat16' or 'float16'.
        device (str | torch.device): Where the model runs ('cpu', 'cuda',
            'cuda:1', ...).

    Returns:
        torch.dtype: ``torch.bfloat16`` or ``torch.float16``.

    Raises:
        ValueError: For an unknown name, or float16 on a CPU (CPU autocast
            runs in bfloat16 only).
    """
    if amp_dtype not in AMP_DTYPES:
        raise ValueError(f'amp dtype must be one of {AMP_DTYPES}, got {amp_dtype!r}')
    if torch.device(device).type == 'cpu' and amp_dtype != 'bfloat16':
        raise ValueError(f'mixed precision on a CPU runs in bfloat16, got {amp_dtype!r}')
    return getattr(torch, amp_dtype)


def inference_autocast(
    device: Union[str, torch.device], amp_dtype: Optional[str] = None
) -> ContextManager:
    """Autocast context for inference, or a no-op without ``amp_dtype``.

    Args:
        device (str | torch.device): Where the model runs.
        amp_dtype (str, optional): 'bfloat16' or 'float16' (GPU only).
            Defaults to None (full precision).

    Returns:
        ContextManager: ``torch.autocast`` for the device, or a null context.
    """
    if amp_dtype is None:
        return contextlib.nullcontext()
    dtype = amp_torch_dtype(amp_dtype, device)
    return torch.autocast(torch.device(device).type, dtype=dtype)
