"""Memory encoder of SAM 2: turns a frame's features and mask into a memory."""

from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmsam2.registry import MODELS


@MODELS.register_module()
class MemoryEncoder(BaseModule):
    """Fuse image features with the down-sampled predicted mask.

    ``out_proj(fuser(pix_feat_proj(pix_feat) + mask_downsampler(mask)))``, plus
    a sine position encoding of the result.

    Args:
        mask_downsampler (dict): Config of the mask down-sampler; ``type``
            defaults to ``'MaskDownSampler'`` and ``embed_dim`` to ``in_dim``.
        fuser (dict): Config of the fuser; ``type`` defaults to ``'Fuser'``.
        position_encoding (dict): Config of the position encoding; ``type``
            defaults to ``'SinePositionEmbedding'``.
        out_dim (int): Memory channels. Defaults to 64.
        in_dim (int): Channels of the image features. Defaults to 256.
        init_cfg (dict, optional): mmengine initialisation config.
            Defaults to None.
    """

    def __init__(
        self,
        mask_downsampler: dict,
        fuser: dict,
        position_encoding: dict,
        out_dim: int = 64,
        in_dim: int = 256,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.mask_downsampler = MODELS.build(
            {'type': 'MaskDownSampler', 'embed_dim': in_dim, **mask_downsampler}
        )
        self.pix_feat_proj = nn.Conv2d(in_dim, in_dim, kernel_size=1)
        self.fuser = MODELS.build({'type': 'Fuser', **fuser})
        self.position_encoding = MODELS.build(
            {'type': 'SinePositionEmbedding', **position_encoding}
        )
        self.out_proj = (
            nn.Conv2d(in_dim, out_dim, kernel_size=1) if out_dim != in_dim else nn.Identity()
        )

    def forward(
        self, pix_feat: Tensor, masks: Tensor, skip_mask_sigmoid: bool = False
    ) -> Dict[str, Union[Tensor, List[Tensor]]]:
        """Encode one memory per sample.

        Args:
            pix_feat (Tensor): Image features (B, in_dim, H, W); moved to the
                device of ``masks`` if needed.
            masks (Tensor): Mask logits, or already-squashed masks with
                ``skip_mask_sigmoid``, (B, 1, 16H, 16W) for the default
                total stride of 16.
            skip_mask_sigmoid (bool): Use ``masks`` as they are instead of
                applying a sigmoid. Defaults to False.

        Returns:
            Dict[str, Union[Tensor, List[Tensor]]]: ``vision_features``, the
            memory (B, out_dim, H, W), and ``vision_pos_enc``, a one-element
            list with its position encoding (B, out_dim, H, W) (an expanded
            view of a cached map: do not modify it in place).
        """
        if not skip_mask_sigmoid:
            masks = torch.sigmoid(masks)
        masks = self.mask_downsampler(masks)
        x = self.pix_feat_proj(pix_feat.to(masks.device)) + masks
        x = self.out_proj(self.fuser(x))
        pos = self.position_encoding(x).to(x.dtype)
        return {'vision_features': x, 'vision_pos_enc': [pos]}
