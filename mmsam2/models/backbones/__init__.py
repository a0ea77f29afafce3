"""backbones: Hiera, a plain ViT, and wrappers that plug in any feature pyramid."""

from .declared_outputs import (
    BackboneOutputError,
    check_feature_maps,
    check_pyramid_fits_model,
    declared_outputs,
)
from .hiera import Hiera
from .plain_vit import PlainViT, convert_timm_vit_state_dict
from .pyramid_backbone import PyramidBackbone
from .simple_feature_pyramid import SimpleFeaturePyramid

__all__ = [
    'BackboneOutputError',
    'Hiera',
    'PlainViT',
    'PyramidBackbone',
    'SimpleFeaturePyramid',
    'check_feature_maps',
    'check_pyramid_fits_model',
    'convert_timm_vit_state_dict',
    'declared_outputs',
]
