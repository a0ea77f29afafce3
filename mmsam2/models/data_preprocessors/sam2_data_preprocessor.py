"""Resize and normalise images or clips for SAM 2 (no torchvision)."""

from typing import Any, Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor

from mmsam2.registry import MODELS

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


def resize_and_normalize(
    images: torch.Tensor, image_size: int, mean: torch.Tensor, std: torch.Tensor
) -> torch.Tensor:
    """Resize images to a square and normalise them.

    Resizing is bilinear with anti-aliasing (what torchvision's ``Resize`` does
    on tensors), so it matches SAM 2's image predictor.

    Args:
        images (torch.Tensor): RGB images (N, 3, H, W), uint8 or float in
            [0, 255].
        image_size (int): Output side S.
        mean (torch.Tensor): Per-channel mean (3, ) in [0, 255] units.
        std (torch.Tensor): Per-channel std (3, ) in [0, 255] units.

    Returns:
        torch.Tensor: Float tensor (N, 3, S, S).
    """
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f'expected RGB images (N, 3, H, W), got {tuple(images.shape)}')
    x = images.float()
    if x.shape[-2:] != (image_size, image_size):
        x = F.interpolate(
            x, size=(image_size, image_size), mode='bilinear', align_corners=False, antialias=True
        )
    return (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


@MODELS.register_module()
class SAM2DataPreprocessor(BaseDataPreprocessor):
    """Batch images (3, H, W) or clips (T, 3, H, W) into SAM 2 inputs.

    Args:
        image_size (int): Model input side. Defaults to 1024.
        mean (Sequence[float]): RGB mean in [0, 255] units. Defaults to the
            ImageNet mean.
        std (Sequence[float]): RGB std in [0, 255] units. Defaults to the
            ImageNet std.
        non_blocking (bool): Non-blocking device copies. Defaults to False.
    """

    def __init__(
        self,
        image_size: int = 1024,
        mean: Sequence[float] = IMAGENET_MEAN,
        std: Sequence[float] = IMAGENET_STD,
        non_blocking: bool = False,
    ) -> None:
        super().__init__(non_blocking=non_blocking)
        self.image_size = image_size
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32), False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32), False)

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """Resize and normalise (N, 3, H, W) or (N, T, 3, H, W) on the model device.

        Args:
            images (torch.Tensor): Images or clips in [0, 255].

        Returns:
            torch.Tensor: (N, 3, S, S) or (N, T, 3, S, S) float tensor.
        """
        images = images.to(self.mean.device)
        if images.dim() == 5:
            n, t = images.shape[:2]
            out = resize_and_normalize(images.flatten(0, 1), self.image_size, self.mean, self.std)
            return out.unflatten(0, (n, t))
        return resize_and_normalize(images, self.image_size, self.mean, self.std)

    def forward(self, data: Dict[str, Any], training: bool = False) -> Dict[str, Any]:
        """Stack, move, resize and normalise ``data['inputs']``.

        Args:
            data (dict): ``inputs`` is a tensor or a list of (3, H, W) images
                or (T, 3, H, W) clips of the same size; ``data_samples`` is
                passed through (moved to the device).
            training (bool): Unused. Defaults to False.

        Returns:
            dict: ``inputs`` as a (N, 3, S, S) or (N, T, 3, S, S) float tensor
            and ``data_samples``.
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        samples: Optional[Any] = data.get('data_samples')
        if isinstance(inputs, (list, tuple)):
            if not all(isinstance(x, torch.Tensor) for x in inputs):
                # lazily decoded videos (VOS test) are tracked frame by frame
                return dict(inputs=inputs, data_samples=samples)
            shapes = {tuple(x.shape) for x in inputs}
            if len(shapes) != 1:
                raise ValueError(f'inputs of one batch must share a shape, got {shapes}')
            inputs = torch.stack(list(inputs))
        return dict(inputs=self.preprocess(inputs), data_samples=samples)
