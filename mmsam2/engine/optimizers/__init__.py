"""Optimizer wrapper constructors."""

from .sam2_optim_wrapper_constructor import (
    ParamwiseSettings,
    SAM2OptimWrapperConstructor,
    trunk_layer_id,
)

__all__ = ['ParamwiseSettings', 'SAM2OptimWrapperConstructor', 'trunk_layer_id']
