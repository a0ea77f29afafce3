"""Fixtures of the evaluation tests."""

from typing import Callable, Dict

import pytest
from vos_data import moving_boxes, save_davis, save_sav


@pytest.fixture
def vos_folders(tmp_path) -> Callable[[str], Dict[str, str]]:
    """Write ground truth and a prediction (box 2 of video ``b`` drifts) in a layout."""

    def make(layout: str = 'davis') -> Dict[str, str]:
        gt = {'a': moving_boxes(5), 'b': moving_boxes(7)}
        pred = {'a': moving_boxes(5), 'b': moving_boxes(7, shift_per_frame=1)}
        save = save_davis if layout == 'davis' else save_sav
        roots = {'gt': str(tmp_path / layout / 'gt'), 'pred': str(tmp_path / layout / 'pred')}
        save(roots['gt'], gt)
        save(roots['pred'], pred)
        return roots

    return make
