"""Runner hooks."""

from .random_state_hook import RandomStateHook, capture_random_states, restore_random_states
from .test_outputs_hook import ClearTestOutputsHook

__all__ = [
    'ClearTestOutputsHook',
    'RandomStateHook',
    'capture_random_states',
    'restore_random_states',
]
