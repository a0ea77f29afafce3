"""SAM heads: prompt encoder, mask decoder and its two-way transformer."""

from .mask_decoder import MaskDecoder
from .prompt_encoder import PromptEncoder
from .two_way_transformer import TwoWayAttentionBlock, TwoWayTransformer

__all__ = ['MaskDecoder', 'PromptEncoder', 'TwoWayAttentionBlock', 'TwoWayTransformer']
