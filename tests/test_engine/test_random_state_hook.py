"""Random generator snapshots: complete, and loadable with weights_only=True."""

import io
import random

import numpy as np
import torch
import torch.nn as nn

from mmsam2.engine.hooks import capture_random_states, restore_random_states


def _draws(model: nn.Module) -> tuple:
    return (
        random.random(),
        np.random.rand(),
        torch.rand(1).item(),
        model.child.rng.random(),
    )


def _model() -> nn.Module:
    model = nn.Module()
    model.child = nn.Module()
    model.child.rng = np.random.default_rng(42)
    return model


def test_snapshot_round_trip_through_a_checkpoint() -> None:
    model = _model()
    _draws(model)
    buffer = io.BytesIO()
    torch.save(capture_random_states(model), buffer)
    expected = _draws(model)
    buffer.seek(0)
    states = torch.load(buffer, weights_only=True)
    assert set(states['generators']) == {'child'}
    restore_random_states(model, states, global_states=True)
    assert _draws(model) == expected


def test_only_model_generators_on_other_ranks() -> None:
    model = _model()
    states = capture_random_states(model)
    expected = model.child.rng.random()
    torch.manual_seed(7)
    torch_draw = torch.rand(1).item()
    torch.manual_seed(7)
    restore_random_states(model, states, global_states=False)
    assert model.child.rng.random() == expected
    assert torch.rand(1).item() == torch_draw
