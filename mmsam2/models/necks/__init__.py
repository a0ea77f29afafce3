"""necks."""

from .sam2_fpn_neck import SAM2FPNNeck, convert_meta_fpn_keys

__all__ = ['SAM2FPNNeck', 'convert_meta_fpn_keys']
