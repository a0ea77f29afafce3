"""Mixed-precision choices shared by the training, test and demo command lines."""

import argparse
import contextlib
import warnings
from typing import ContextManager, Optional, Union

import torch

AMP_DTYPES = ('bfloat16', 'float16')

# torch.cpu probes for native bfloat16 matrix units (private, torch >= 2.3).
CPU_BF16_PROBES = ('_is_amx_tile_supported', '_is_avx512_bf16_supported')


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


def cpu_has_native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices natively (AMX or AVX512-BF16).

    Returns:
        bool: True when torch reports AMX tiles or AVX512-BF16; also True
        when this torch cannot tell (no warning is then given).
    """
    probes = [getattr(torch.cpu, name, None) for name in CPU_BF16_PROBES]
    if any(probe is None for probe in probes):
        return True
    return any(probe() for probe in probes)


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

    Warns:
        UserWarning: bfloat16 on a CPU without AMX or AVX512-BF16, where it
            is emulated and usually slower than float32.
    """
    if amp_dtype is None:
        return contextlib.nullcontext()
    dtype = amp_torch_dtype(amp_dtype, device)
    device_type = torch.device(device).type
    if device_type == 'cpu' and not cpu_has_native_bfloat16():
        warnings.warn(
            'this CPU has neither AMX nor AVX512-BF16: bfloat16 is emulated and usually '
            'slower than float32 here; drop --amp / autocast for speed',
            stacklevel=2,
        )
    return torch.autocast(device_type, dtype=dtype)


def add_amp_args(parser: argparse.ArgumentParser, action: str, dtype_note: str) -> None:
    """Add ``--amp`` and ``--amp-dtype`` to a tool's parser.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        action (str): What runs under autocast, for the help text (e.g.
            'test', 'track').
        dtype_note (str): Help on the dtype choice (e.g. 'GPU only').
    """
    parser.add_argument(
        '--amp',
        action='store_true',
        help=f'{action} under autocast (bfloat16 on a CPU, bfloat16 or float16 on a GPU)',
    )
    parser.add_argument(
        '--amp-dtype', choices=AMP_DTYPES, default='bfloat16', help=f'dtype of --amp ({dtype_note})'
    )


def amp_dtype_arg(args: argparse.Namespace) -> Optional[str]:
    """The autocast dtype a tool's :func:`add_amp_args` options ask for, None without ``--amp``."""
    return args.amp_dtype if args.amp else None
