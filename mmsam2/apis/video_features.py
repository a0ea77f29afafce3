"""Image features of video frames: preprocessing, a small LRU cache and prefetching."""

from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Dict, List, Optional

import numpy as np
import torch
from PIL import Image

from mmsam2.fileio.frame_sources import FrameSource
from mmsam2.models.segmentors import SAM2, ImageFeatures

# Frames decoded ahead at most (older requests are dropped).
MAX_PENDING = 2


def preprocess_frame(
    frame: np.ndarray, image_size: int, mean: torch.Tensor, std: torch.Tensor
) -> torch.Tensor:
    """Resize and normalise one frame exactly as Meta's video loader does.

    The frame is resized with PIL's default resampling to a square, scaled to
    [0, 1] in float64, cast to float32 and normalised.

    Args:
        frame (np.ndarray): (H, W, 3) uint8 RGB frame.
        image_size (int): Output side S.
        mean (torch.Tensor): (3, ) per-channel mean in [0, 1] units.
        std (torch.Tensor): (3, ) per-channel std in [0, 1] units.

    Returns:
        torch.Tensor: (1, 3, S, S) float32 image on the CPU.
    """
    resized = np.asarray(Image.fromarray(frame).resize((image_size, image_size)))
    image = torch.from_numpy(resized / 255.0).permute(2, 0, 1).float()
    return ((image - mean.view(3, 1, 1)) / std.view(3, 1, 1)).unsqueeze(0)


class FrameFeatureCache:
    """Image features of the most recently used frames of one video.

    Features are computed on demand from a :class:`FrameSource` and kept for
    the last ``capacity`` frames (least recently used first out). With
    ``prefetch``, the next frame is decoded and preprocessed in a background
    thread while the model works on the current one.

    Args:
        model (SAM2): The model (its ``data_preprocessor`` gives mean/std).
        frames (FrameSource): The video.
        device (torch.device): Where features are computed.
        capacity (int): Frames whose features are kept. Defaults to 4.
        cache_device (torch.device, optional): Where kept features live
            (e.g. the CPU to save accelerator memory). Defaults to None
            (``device``).
        prefetch (bool): Decode the next frame in a background thread.
            Defaults to False.
    """

    def __init__(
        self,
        model: SAM2,
        frames: FrameSource,
        device: torch.device,
        capacity: int = 4,
        cache_device: Optional[torch.device] = None,
        prefetch: bool = False,
    ) -> None:
        if capacity < 1:
            raise ValueError(f'the feature cache needs capacity >= 1, got {capacity}')
        self.model = model
        self.frames = frames
        self.device = device
        self.capacity = capacity
        self.cache_device = cache_device or device
        preprocessor = model.data_preprocessor
        self._mean = preprocessor.mean.detach().float().cpu() / 255.0
        self._std = preprocessor.std.detach().float().cpu() / 255.0
        self._feats: Dict[int, List[torch.Tensor]] = OrderedDict()
        self._pos: Optional[List[torch.Tensor]] = None
        self._executor = ThreadPoolExecutor(1, 'frame-prefetch') if prefetch else None
        self._pending: Dict[int, Future] = OrderedDict()

    def __len__(self) -> int:
        return len(self._feats)

    def image(self, frame_idx: int) -> torch.Tensor:
        """The preprocessed frame (1, 3, S, S) on the CPU (from the prefetch if ready)."""
        future = self._pending.pop(frame_idx, None)
        image = None if future is None else future.result()
        return self._load(frame_idx) if image is None else image

    def prefetch(self, frame_idx: int) -> None:
        """Start decoding ``frame_idx`` in the background (no-op without prefetch).

        Args:
            frame_idx (int): A frame that will probably be needed next.
        """
        if self._executor is None or frame_idx < 0:
            return
        if frame_idx in self._feats or frame_idx in self._pending:
            return
        self._pending[frame_idx] = self._executor.submit(self._load_if_exists, frame_idx)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)

    def get(self, frame_idx: int) -> ImageFeatures:
        """Features of one frame, batch 1, on the compute device.

        Args:
            frame_idx (int): Frame index.

        Returns:
            ImageFeatures: The features (computed unless cached).
        """
        feats = self._feats.get(frame_idx)
        if feats is None:
            image = self.image(frame_idx).to(self.device, non_blocking=True)
            computed = self.model.forward_image(image)
            self._pos = computed.pos
            feats = [f.to(self.cache_device) for f in computed.feats]
            self._feats[frame_idx] = feats
            if len(self._feats) > self.capacity:
                self._feats.popitem(last=False)
        else:
            self._feats.move_to_end(frame_idx)
        return ImageFeatures([f.to(self.device, non_blocking=True) for f in feats], self._pos)

    def clear(self) -> None:
        """Drop every kept feature."""
        self._feats.clear()

    def _load(self, frame_idx: int) -> torch.Tensor:
        return preprocess_frame(
            self.frames[frame_idx], self.model.image_size, self._mean, self._std
        )

    def _load_if_exists(self, frame_idx: int) -> Optional[torch.Tensor]:
        return self._load(frame_idx) if self.frames.exists(frame_idx) else None
