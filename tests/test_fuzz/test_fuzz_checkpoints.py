"""Fuzz the checkpoint loader: damaged and mutated files never run code or escape.

Starting from a real checkpoint (tensors, an mmengine log buffer, numpy
arrays) and a hostile one, hypothesis truncates files and flips bytes. Every
file is either loaded or refused with :class:`CheckpointError`; no other
exception escapes and the hostile payload never runs.
"""

import io
import os.path as osp
import pickle
import zlib

import numpy as np
import torch
from fuzz_helpers import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from mmengine.logging import HistoryBuffer

from mmsam2.utils import CheckpointError, load_checkpoint_file

MARKER = '/tmp/mmsam2_fuzz_payload_ran'


class _Payload:
    def __reduce__(self):
        return (open, (MARKER, 'w'))


def _saved(obj, legacy: bool) -> bytes:
    buffer = io.BytesIO()
    if legacy:
        pickle.dump(obj, buffer, protocol=2)
    else:
        torch.save(obj, buffer)
    return buffer.getvalue()


def _sources():
    buffer = HistoryBuffer()
    buffer.update(1.5)
    good = {
        'state_dict': {'w': torch.arange(6.0).view(2, 3)},
        'message_hub': {'log_scalars': {'loss': buffer}},
        'meta': {'iter': 3, 'hist': np.arange(4, dtype=np.float32)},
    }
    return [
        _saved(good, legacy=False),
        _saved({'x': _Payload(), 'y': [1, 2]}, legacy=False),
        _saved({'x': _Payload(), 'y': [1, 2]}, legacy=True),
    ]


SOURCES = _sources()


@fuzz_settings(60)
@given(
    source=st.sampled_from(range(len(SOURCES))),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
)
def test_mutated_checkpoints_are_loaded_or_refused(tmp_path_factory, source, cut, flips) -> None:
    data = bytearray(SOURCES[source])
    data = data[: max(1, int(len(data) * cut))] if cut < 0.95 else data
    for where, value in flips:
        data[min(len(data) - 1, int(where * len(data)))] = value
    path = osp.join(str(tmp_path_factory.mktemp('ckpt')), f'{zlib.crc32(bytes(data))}.pth')
    with open(path, 'wb') as file:
        file.write(bytes(data))
    try:
        load_checkpoint_file(path)
    except CheckpointError:
        pass
    assert not osp.exists(MARKER), 'the payload ran'
