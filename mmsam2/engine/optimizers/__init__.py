"""Optimizer wrappers and their constructors."""

from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .sam2_optim_wrapper_constructor import (
    ParamwiseSettings,
    SAM2OptimWrapperConstructor,
    trunk_layer_id,
)

__all__ = [
    'CPUAmpOptimWrapper',
    'ParamwiseSettings',
    'SAM2OptimWrapperConstructor',
    'trunk_layer_id',
]
