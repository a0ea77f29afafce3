"""Shared setup of the head tests."""

from typing import Iterator

import pytest
import torch


@pytest.fixture(autouse=True, scope='module')
def single_thread() -> Iterator[None]:
    """Run each test module single-threaded.

    Faster for these small tensors, and no OpenMP oversubscription on a busy
    machine. The previous thread count is restored after the module.

    Yields:
        None: Control to the module's tests.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
