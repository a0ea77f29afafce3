"""Clip transforms: frame-consistent augmentation of training clips and packing."""

from .clip_transform import BaseClipTransform, BaseRandomClipTransform
from .formatting import PackSAM2ClipInputs
from .geometric import ClipRandomAffine, ClipRandomHorizontalFlip, ClipResize
from .pack_vos_inputs import PackVOSInputs
from .photometric import ClipColorJitter, ClipRandomGrayscale

__all__ = [
    'BaseClipTransform',
    'BaseRandomClipTransform',
    'ClipColorJitter',
    'ClipRandomAffine',
    'ClipRandomGrayscale',
    'ClipRandomHorizontalFlip',
    'ClipResize',
    'PackSAM2ClipInputs',
    'PackVOSInputs',
]
