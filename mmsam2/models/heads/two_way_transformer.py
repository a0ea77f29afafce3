"""Two-way transformer of SAM's mask decoder (tokens <-> image attention)."""

from typing import Dict, List, Optional, Tuple, Type, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmsam2.models.layers import MLP, Attention
from mmsam2.registry import MODELS


@MODELS.register_module()
class TwoWayAttentionBlock(nn.Module):
    """One two-way block: token self-attention, token-to-image attention, MLP
    on tokens and image-to-token attention, each followed by a residual sum
    and a layer norm.

    Args:
        embedding_dim (int): Channels of tokens and image embeddings.
        num_heads (int): Number of attention heads.
        mlp_dim (int): Hidden channels of the token MLP. Defaults to 2048.
        activation (Type[nn.Module]): Activation class of the token MLP.
            Defaults to nn.ReLU.
        attention_downsample_rate (int): Internal width divisor of the two
            cross attentions. Defaults to 2.
        skip_first_layer_pe (bool): Run the self-attention without position
            encoding and without residual (first block). Defaults to False.
    """

    def __init__(
        self,
        embedding_dim: int,
        num_heads: int,
        mlp_dim: int = 2048,
        activation: Type[nn.Module] = nn.ReLU,
        attention_downsample_rate: int = 2,
        skip_first_layer_pe: bool = False,
    ) -> None:
        super().__init__()
        self.self_attn = Attention(embedding_dim, num_heads)
        self.norm1 = nn.LayerNorm(embedding_dim)
        self.cross_attn_token_to_image = Attention(
            embedding_dim, num_heads, downsample_rate=attention_downsample_rate
        )
        self.norm2 = nn.LayerNorm(embedding_dim)
        self.mlp = MLP(embedding_dim, mlp_dim, embedding_dim, num_layers=2, activation=activation)
        self.norm3 = nn.LayerNorm(embedding_dim)
        self.norm4 = nn.LayerNorm(embedding_dim)
        self.cross_attn_image_to_token = Attention(
            embedding_dim, num_heads, downsample_rate=attention_downsample_rate
        )
        self.skip_first_layer_pe = skip_first_layer_pe

    def forward(
        self,
        queries: torch.Tensor,
        keys: torch.Tensor,
        query_pe: torch.Tensor,
        key_pe: torch.Tensor,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Update tokens and image embeddings.

        Args:
            queries (torch.Tensor): Tokens (B, N, C).
            keys (torch.Tensor): Flattened image embeddings (B, HW, C).
            query_pe (torch.Tensor): Token position encoding (B, N, C).
            key_pe (torch.Tensor): Image position encoding, (B, HW, C) or
                (1, HW, C).

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Updated tokens (B, N, C) and
            image embeddings (B, HW, C).
        """
        if self.skip_first_layer_pe:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norm1(queries)

        k = keys + key_pe
        q = queries + query_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image(q, k, keys))
        queries = self.norm3(queries + self.mlp(queries))

        q = queries + query_pe
        keys = self.norm4(keys + self.cross_attn_image_to_token(k, q, queries))
        return queries, keys


@MODELS.register_module()
class TwoWayTransformer(BaseModule):
    """Transformer where prompt tokens and image embeddings attend to each other.

    Args:
        depth (int): Number of :class:`TwoWayAttentionBlock`.
        embedding_dim (int): Channels of tokens and image embeddings.
        num_heads (int): Number of attention heads.
        mlp_dim (int): Hidden channels of the token MLPs.
        activation (Type[nn.Module]): Activation class of the token MLPs.
            Defaults to nn.ReLU.
        attention_downsample_rate (int): Internal width divisor of the cross
            attentions. Defaults to 2.
        init_cfg (dict or List[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(
        self,
        depth: int,
        embedding_dim: int,
        num_heads: int,
        mlp_dim: int,
        activation: Type[nn.Module] = nn.ReLU,
        attention_downsample_rate: int = 2,
        init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.depth = depth
        self.embedding_dim = embedding_dim
        self.num_heads = num_heads
        self.mlp_dim = mlp_dim
        self.layers = nn.ModuleList(
            TwoWayAttentionBlock(
                embedding_dim=embedding_dim,
                num_heads=num_heads,
                mlp_dim=mlp_dim,
                activation=activation,
                attention_downsample_rate=attention_downsample_rate,
                skip_first_layer_pe=i == 0,
            )
            for i in range(depth)
        )
        self.final_attn_token_to_image = Attention(
            embedding_dim, num_heads, downsample_rate=attention_downsample_rate
        )
        self.norm_final_attn = nn.LayerNorm(embedding_dim)

    def forward(
        self,
        image_embedding: torch.Tensor,
        image_pe: torch.Tensor,
        point_embedding: torch.Tensor,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Run the blocks and a final token-to-image attention.

        Args:
            image_embedding (torch.Tensor): Image embeddings (B, C, H, W).
            image_pe (torch.Tensor): Image position encoding, (B, C, H, W) or
                (1, C, H, W).
            point_embedding (torch.Tensor): Tokens (B, N, C), also used as
                their own position encoding.

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Tokens (B, N, C) and image
            embeddings (B, HW, C).
        """
        keys = image_embedding.flatten(2).transpose(1, 2)
        key_pe = image_pe.flatten(2).transpose(1, 2)
        queries = point_embedding
        for layer in self.layers:
            queries, keys = layer(queries, keys, point_embedding, key_pe)
        attn_out = self.final_attn_token_to_image(queries + point_embedding, keys + key_pe, keys)
        queries = self.norm_final_attn(queries + attn_out)
        return queries, keys
