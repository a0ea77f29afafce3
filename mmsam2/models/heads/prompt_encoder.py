"""SAM 2's prompt encoder: points, boxes and masks to decoder embeddings."""

from typing import Dict, List, Optional, Tuple, Type, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmsam2.models.layers import LayerNorm2d, RandomPositionEmbedding
from mmsam2.registry import MODELS

#: Point label of padding entries (no point).
PAD_LABEL = -1
#: Number of labelled point kinds: negative (0), positive (1), box top-left (2)
#: and box bottom-right (3).
NUM_POINT_KINDS = 4


@MODELS.register_module()
class PromptEncoder(BaseModule):
    """Embed point, box and mask prompts for the mask decoder.

    Points and box corners become sparse tokens: the random Fourier encoding of
    their pixel-centre position plus a learnt embedding of their label
    (-1 padding, 0 negative, 1 positive, 2 box top-left, 3 box bottom-right).
    Padding points get only the ``not_a_point_embed`` embedding, and points of
    any other label only their position encoding. A mask prompt is downscaled 4x
    by convolutions into a dense embedding; without one, the learnt
    ``no_mask_embed`` is broadcast over the image embedding grid.

    Args:
        embed_dim (int): Channels of the prompt embeddings. Defaults to 256.
        image_embedding_size (Tuple[int, int]): Size (H, W) of the image
            embedding. Defaults to (64, 64).
        input_image_size (Tuple[int, int]): Size (H, W) of the (padded) input
            image, which point coordinates refer to. Defaults to (1024, 1024).
        mask_in_chans (int): Hidden channels of the mask downscaling stack.
            Defaults to 16.
        activation (Type[nn.Module]): Activation class of the mask downscaling
            stack. Defaults to nn.GELU.
        init_cfg (dict or List[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(
        self,
        embed_dim: int = 256,
        image_embedding_size: Tuple[int, int] = (64, 64),
        input_image_size: Tuple[int, int] = (1024, 1024),
        mask_in_chans: int = 16,
        activation: Type[nn.Module] = nn.GELU,
        init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dim = embed_dim
        self.image_embedding_size = tuple(image_embedding_size)
        self.input_image_size = tuple(input_image_size)
        self.mask_input_size = (4 * self.image_embedding_size[0], 4 * self.image_embedding_size[1])
        self.pe_layer = RandomPositionEmbedding(embed_dim // 2)
        self.point_embeddings = nn.ModuleList(
            nn.Embedding(1, embed_dim) for _ in range(NUM_POINT_KINDS)
        )
        self.not_a_point_embed = nn.Embedding(1, embed_dim)
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, mask_in_chans // 4, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans // 4),
            activation(),
            nn.Conv2d(mask_in_chans // 4, mask_in_chans, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans),
            activation(),
            nn.Conv2d(mask_in_chans, embed_dim, kernel_size=1),
        )
        self.no_mask_embed = nn.Embedding(1, embed_dim)

    def get_dense_pe(self) -> torch.Tensor:
        """Position encoding of every cell of the image embedding grid.

        Returns:
            torch.Tensor: Encoding of shape (1, embed_dim, H, W).
        """
        return self.pe_layer(self.image_embedding_size).unsqueeze(0)

    def _embed_points(self, coords: torch.Tensor, labels: torch.Tensor, pad: bool) -> torch.Tensor:
        """Embed labelled points, optionally appending one padding point.

        Args:
            coords (torch.Tensor): (x, y) pixel coordinates of shape (B, N, 2).
            labels (torch.Tensor): Labels of shape (B, N).
            pad (bool): Append a padding point at (0, 0) with label -1.

        Returns:
            torch.Tensor: Embeddings of shape (B, N + pad, embed_dim).
        """
        coords = coords + 0.5
        if pad:
            batch = coords.shape[0]
            coords = torch.cat([coords, coords.new_zeros(batch, 1, 2)], dim=1)
            labels = torch.cat([labels, labels.new_full((batch, 1), PAD_LABEL)], dim=1)
        embedding = self.pe_layer.forward_with_coords(coords, self.input_image_size)
        is_pad = (labels == PAD_LABEL).unsqueeze(-1)
        embedding = torch.where(is_pad, self.not_a_point_embed.weight, embedding)
        kind_table = torch.cat([emb.weight for emb in self.point_embeddings])
        kind_embedding = kind_table[labels.clamp(0, NUM_POINT_KINDS - 1).long()]
        is_kind = ((labels >= 0) & (labels < NUM_POINT_KINDS)).unsqueeze(-1)
        return torch.where(is_kind, embedding + kind_embedding, embedding)

    def _embed_boxes(self, boxes: torch.Tensor) -> torch.Tensor:
        """Embed boxes as their two labelled corners.

        Args:
            boxes (torch.Tensor): Boxes (x1, y1, x2, y2) in pixels, (B, 4).

        Returns:
            torch.Tensor: Corner embeddings of shape (B, 2, embed_dim).
        """
        corners = boxes.reshape(-1, 2, 2) + 0.5
        embedding = self.pe_layer.forward_with_coords(corners, self.input_image_size)
        corner_kinds = torch.cat([self.point_embeddings[2].weight, self.point_embeddings[3].weight])
        return embedding + corner_kinds

    def _check_inputs(
        self,
        points: Optional[Tuple[torch.Tensor, torch.Tensor]],
        boxes: Optional[torch.Tensor],
        masks: Optional[torch.Tensor],
    ) -> int:
        """Validate prompt shapes and return their common batch size.

        Args:
            points (Tuple[torch.Tensor, torch.Tensor], optional): Coordinates
                (B, N, 2) and labels (B, N).
            boxes (torch.Tensor, optional): Boxes (B, 4).
            masks (torch.Tensor, optional): Masks (B, 1, 4H, 4W).

        Returns:
            int: The batch size B, 1 when no prompt is given.

        Raises:
            ValueError: If a prompt is malformed or batch sizes differ.
        """
        batch_sizes = []
        if points is not None:
            coords, labels = points
            if coords.dim() != 3 or coords.shape[-1] != 2:
                raise ValueError(f'point coords must be (B, N, 2), got {tuple(coords.shape)}')
            if labels.shape != coords.shape[:2]:
                raise ValueError(
                    f'point labels must be (B, N) = {tuple(coords.shape[:2])} to match the '
                    f'coords, got {tuple(labels.shape)}'
                )
            batch_sizes.append(coords.shape[0])
        if boxes is not None:
            if boxes.dim() != 2 or boxes.shape[-1] != 4:
                raise ValueError(f'boxes must be (B, 4), got {tuple(boxes.shape)}')
            batch_sizes.append(boxes.shape[0])
        if masks is not None:
            expected = (1, *self.mask_input_size)
            if masks.dim() != 4 or tuple(masks.shape[1:]) != expected:
                raise ValueError(
                    f'masks must be (B, {", ".join(map(str, expected))}), got {tuple(masks.shape)}'
                )
            batch_sizes.append(masks.shape[0])
        if len(set(batch_sizes)) > 1:
            raise ValueError(f'prompts have different batch sizes: {batch_sizes}')
        return batch_sizes[0] if batch_sizes else 1

    def forward(
        self,
        points: Optional[Tuple[torch.Tensor, torch.Tensor]] = None,
        boxes: Optional[torch.Tensor] = None,
        masks: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Embed the given prompts.

        When points come without boxes, a padding point is appended to them.

        Args:
            points (Tuple[torch.Tensor, torch.Tensor], optional): (x, y) pixel
                coordinates (B, N, 2) and labels (B, N). Defaults to None.
            boxes (torch.Tensor, optional): Boxes (x1, y1, x2, y2) in pixels,
                (B, 4). Defaults to None.
            masks (torch.Tensor, optional): Mask logits (B, 1, 4H, 4W).
                Defaults to None.

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Sparse embeddings (B, N', C),
            with N' = N + 1 for points only, 2 for a box only, N + 2 for
            points and a box and 0 for none; dense embeddings (B, C, H, W).
        """
        batch = self._check_inputs(points, boxes, masks)
        sparse = []
        if points is not None:
            sparse.append(self._embed_points(*points, pad=boxes is None))
        if boxes is not None:
            sparse.append(self._embed_boxes(boxes))
        if sparse:
            sparse_embeddings = sparse[0] if len(sparse) == 1 else torch.cat(sparse, dim=1)
        else:
            weight = self.no_mask_embed.weight
            sparse_embeddings = weight.new_empty(batch, 0, self.embed_dim)
        if masks is not None:
            dense_embeddings = self.mask_downscaling(masks)
        else:
            dense_embeddings = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(
                batch, -1, *self.image_embedding_size
            )
        return sparse_embeddings, dense_embeddings
