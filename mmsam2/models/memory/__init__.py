"""Memory modules of SAM 2: memory attention and memory encoder."""

from .fuser import CXBlock, Fuser
from .mask_downsampler import MaskDownSampler
from .memory_attention import MemoryAttention, MemoryAttentionLayer
from .memory_encoder import MemoryEncoder

__all__ = [
    'CXBlock',
    'Fuser',
    'MaskDownSampler',
    'MemoryAttention',
    'MemoryAttentionLayer',
    'MemoryEncoder',
]
