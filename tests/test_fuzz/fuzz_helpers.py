"""Shared pieces of the fuzz tests: example budgets and input strategies.

The budgets keep the whole fuzz suite under about 30 s on 2 CPU cores and
the examples deterministic in CI (``derandomize``); ``MMSAM2_FUZZ_SCALE=50``
multiplies every budget and draws fresh random examples, to fuzz for longer.
"""

import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SCALE = float(os.environ.get('MMSAM2_FUZZ_SCALE', '1'))


def fuzz_settings(max_examples: int) -> settings:
    """Hypothesis settings: ``max_examples`` times the scale, no deadline."""
    return settings(
        max_examples=max(1, int(max_examples * SCALE)),
        deadline=None,
        derandomize=SCALE == 1,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


DTYPES = st.sampled_from(
    [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint8, np.uint16, np.bool_]
)


def any_array(max_dims: int = 4, max_side: int = 5, dtypes=DTYPES) -> st.SearchStrategy:
    """Arrays of any dtype above (NaN / inf included for floats) and small shapes."""
    return hnp.arrays(
        dtypes, hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side)
    )


def junk() -> st.SearchStrategy:
    """Values that are not arrays of numbers at all."""
    return st.one_of(
        st.none(),
        st.text(max_size=3),
        st.just([[1.0, 2.0], [3.0]]),  # ragged
        st.just([['a', 'b']]),
        st.just(np.array([1 + 2j, 3j])),
        st.just(object()),
    )


def mostly(plausible: st.SearchStrategy, odd: st.SearchStrategy, weight: int = 4):
    """``plausible`` about ``weight`` times as often as ``odd`` (so both paths get examples).

    (``st.one_of`` would not weight its branches.)
    """
    cut = weight / (weight + 1)
    return st.floats(0, 1).flatmap(lambda u: plausible if u < cut else odd)


def coordinate(low: float, high: float) -> st.SearchStrategy:
    """Mostly coordinates inside [low, high], sometimes just outside or not finite."""
    odd = st.one_of(
        st.floats(low - 3, high + 3),
        st.sampled_from([float('nan'), float('inf'), -float('inf'), 1e30, -1e30]),
    )
    return mostly(st.floats(low, high), odd, weight=8)


def labels_like(size: int) -> st.SearchStrategy:
    """``size`` labels: mostly 0 / 1, sometimes -1, 2, 3, 0.5, 7, NaN or True."""
    odd = st.sampled_from([-1, 2, 3, 7, 0.5, float('nan'), True])
    return st.lists(mostly(st.sampled_from([0, 1]), odd, 8), min_size=size, max_size=size)


@st.composite
def clicks(draw, width: float, height: float, max_points: int = 3, batch=None):
    """(points, labels): mostly P >= 1 plausible clicks with one label each.

    With ``batch`` (an int), B copies of the click set ((B, P, 2) / (B, P)).
    """
    num = draw(mostly(st.integers(1, max_points), st.just(0)))
    point = st.tuples(coordinate(0, width), coordinate(0, height)).map(list)
    points = draw(st.lists(point, min_size=num, max_size=num))
    labels = draw(mostly(labels_like(num), st.one_of(labels_like(num + 1), any_array(max_dims=2))))
    if batch is not None:
        points, labels = [points] * batch, [labels] * batch
    return points, labels


@st.composite
def box_like(draw, width: float, height: float):
    """(x0, y0, x1, y1): mostly ordered and inside, sometimes flipped, outside or not finite."""
    x0, x1 = draw(coordinate(0, width)), draw(coordinate(0, width))
    y0, y1 = draw(coordinate(0, height)), draw(coordinate(0, height))
    if draw(mostly(st.just(True), st.just(False))):  # ordered (NaN stays where it is)
        x0, x1 = (x1, x0) if x1 < x0 else (x0, x1)
        y0, y1 = (y1, y0) if y1 < y0 else (y0, y1)
    return [x0, y0, x1, y1]
