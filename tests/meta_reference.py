"""Meta's reference for the parity tests: :mod:`mmsam2.testing.meta_reference`,
with a missing ``sam2`` package turned into a skip of the calling test."""

import pytest

from mmsam2.testing import meta_reference as _reference
from mmsam2.testing.meta_reference import (  # noqa: F401  (the tests' names)
    META_CONFIGS,
    Float32Torch,
    build_meta_model,
    build_meta_video_predictor,
    cpu_connected_components,
    meta_backbone_feature_sizes,
)


def import_meta_sam2():
    """Import Meta's ``sam2`` package, or skip the calling test."""
    try:
        return _reference.import_meta_sam2()
    except _reference.MetaSAM2Missing as err:
        pytest.skip(str(err))
