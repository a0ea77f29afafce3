"""Building blocks shared by SAM 2's components."""

from .attention import Attention, RoPEAttention
from .drop_path import DropPath
from .fused_linear import autocast_dtype, compute_dtype, linear_act
from .layer_norm_2d import LayerNorm2d
from .mlp import MLP
from .position_encoding import SinePositionEmbedding, sine_embed_1d
from .random_position_encoding import RandomPositionEmbedding
from .rope import apply_rope, axial_rope_angles

__all__ = [
    'Attention',
    'RoPEAttention',
    'DropPath',
    'autocast_dtype',
    'compute_dtype',
    'linear_act',
    'LayerNorm2d',
    'MLP',
    'SinePositionEmbedding',
    'sine_embed_1d',
    'RandomPositionEmbedding',
    'apply_rope',
    'axial_rope_angles',
]
