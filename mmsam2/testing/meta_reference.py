"""Access to Meta's reference implementation (``sam2==1.1.0``) for parity checks.

Meta's package imports a few torchvision functions, and torchvision cannot be
loaded next to the CPU torch used here. :func:`import_meta_sam2` installs a
small pure-torch stand-in for exactly those functions (``ToTensor``,
``Resize``, ``Normalize``, ``batched_nms``, ``box_area``) before importing
``sam2`` (nothing else in mmsam2 imports torchvision or this module).
:class:`MetaSAM2Missing` says how to install ``sam2`` when it is absent; the
test suite turns it into a skip.
"""

import importlib
import importlib.util
import sys
import types
from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

META_CONFIGS = {
    ('sam2', 'tiny'): 'configs/sam2/sam2_hiera_t.yaml',
    ('sam2', 'small'): 'configs/sam2/sam2_hiera_s.yaml',
    ('sam2', 'base_plus'): 'configs/sam2/sam2_hiera_b+.yaml',
    ('sam2', 'large'): 'configs/sam2/sam2_hiera_l.yaml',
    ('sam2.1', 'tiny'): 'configs/sam2.1/sam2.1_hiera_t.yaml',
    ('sam2.1', 'small'): 'configs/sam2.1/sam2.1_hiera_s.yaml',
    ('sam2.1', 'base_plus'): 'configs/sam2.1/sam2.1_hiera_b+.yaml',
    ('sam2.1', 'large'): 'configs/sam2.1/sam2.1_hiera_l.yaml',
}


class _ToTensor:
    """HWC uint8 (PIL or ndarray) -> CHW float in [0, 1]."""

    def __call__(self, pic) -> torch.Tensor:
        arr = np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        t = torch.from_numpy(np.ascontiguousarray(arr)).permute(2, 0, 1)
        return t.float().div(255) if t.dtype == torch.uint8 else t.float()


class _Resize(nn.Module):
    """Tensor resize as torchvision does it (bilinear, antialiased)."""

    def __init__(self, size: List[int]) -> None:
        super().__init__()
        self.size = [int(s) for s in size]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.dim() == 3
        y = x.unsqueeze(0) if squeeze else x
        y = F.interpolate(y, size=self.size, mode='bilinear', align_corners=False, antialias=True)
        return y.squeeze(0) if squeeze else y


class _Normalize(nn.Module):
    """Per-channel (x - mean) / std on (..., C, H, W)."""

    def __init__(self, mean: List[float], std: List[float]) -> None:
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean).view(-1, 1, 1))
        self.register_buffer('std', torch.tensor(std).view(-1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def _box_area(boxes: torch.Tensor) -> torch.Tensor:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _batched_nms(
    boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor, iou_threshold: float
) -> torch.Tensor:
    """Greedy NMS per category, indices sorted by decreasing score."""
    if boxes.numel() == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    offsets = idxs.to(boxes) * (boxes.max() + 1)
    b = boxes + offsets[:, None]
    order = torch.argsort(scores, descending=True, stable=True)
    area = _box_area(b)
    keep = []
    suppressed = torch.zeros(len(b), dtype=torch.bool)
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        lt = torch.maximum(b[i, :2], b[:, :2])
        rb = torch.minimum(b[i, 2:], b[:, 2:])
        inter = (rb - lt).clamp(min=0).prod(dim=1)
        iou = inter / (area[i] + area - inter)
        suppressed |= iou > iou_threshold
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


def _install_torchvision_stand_in() -> None:
    if 'torchvision' in sys.modules:
        return
    tv = types.ModuleType('torchvision')
    # mmengine reads torchvision.__version__ when it collects environment info
    tv.__version__ = '0.20.1'
    transforms = types.ModuleType('torchvision.transforms')
    transforms.ToTensor = _ToTensor
    transforms.Resize = _Resize
    transforms.Normalize = _Normalize
    ops = types.ModuleType('torchvision.ops')
    boxes = types.ModuleType('torchvision.ops.boxes')
    boxes.batched_nms = _batched_nms
    boxes.box_area = _box_area
    ops.boxes = boxes
    tv.transforms, tv.ops = transforms, ops
    sys.modules.update(
        {
            'torchvision': tv,
            'torchvision.transforms': transforms,
            'torchvision.ops': ops,
            'torchvision.ops.boxes': boxes,
        }
    )


class MetaSAM2Missing(ImportError):
    """Meta's ``sam2`` package is not installed."""


def import_meta_sam2() -> types.ModuleType:
    """Import Meta's ``sam2`` package with the torchvision stand-in.

    Returns:
        types.ModuleType: ``sam2``.

    Raises:
        MetaSAM2Missing: It is not installed.
    """
    if importlib.util.find_spec('sam2') is None:
        raise MetaSAM2Missing(
            "Meta's reference package is not installed "
            '(pip install --no-deps --no-build-isolation sam2==1.1.0)'
        )
    _install_torchvision_stand_in()
    return importlib.import_module('sam2')


def build_meta_model(
    version: str,
    arch: str,
    image_size: int,
    extra_overrides: Sequence[str] = (),
    apply_postprocessing: bool = True,
) -> nn.Module:
    """Build Meta's ``SAM2Base`` with random weights, in eval mode, fp32 CPU.

    Args:
        version (str): 'sam2' or 'sam2.1'.
        arch (str): 'tiny', 'small', 'base_plus' or 'large'.
        image_size (int): Input resolution (a multiple of 32, e.g. 256).
        extra_overrides (Sequence[str]): More Hydra overrides.
        apply_postprocessing (bool): Meta's builder flag: switches on the
            dynamic multimask fallback in the mask decoder (mmsam2's configs
            do the same).

    Returns:
        nn.Module: Meta's model.
    """
    import_meta_sam2()
    from sam2.build_sam import build_sam2

    overrides = [f'++model.image_size={image_size}', *extra_overrides]
    model = build_sam2(
        META_CONFIGS[(version, arch)],
        ckpt_path=None,
        device='cpu',
        mode='eval',
        hydra_overrides_extra=overrides,
        apply_postprocessing=apply_postprocessing,
    )
    return model.float().eval()


def meta_backbone_feature_sizes(image_size: int) -> List[Tuple[int, int]]:
    """Sizes of the stride 4, 8 and 16 feature maps of a model at ``image_size``.

    Meta's ``SAM2ImagePredictor`` hard-codes them for 1024 px inputs in its
    ``_bb_feat_sizes`` attribute; a predictor (or the predictor inside an
    automatic mask generator) of a model built at another size must have that
    attribute replaced by these sizes.
    """
    return [(image_size // stride, image_size // stride) for stride in (4, 8, 16)]


META_VIDEO_OVERRIDES = (
    '++model._target_=sam2.sam2_video_predictor.SAM2VideoPredictor',
    '++model.binarize_mask_from_pts_for_mem_enc=true',
    '++model.fill_hole_area=0',
)
"""Hydra overrides giving Meta's ``SAM2VideoPredictor`` with its video post-processing
(binarised click masks for memory); hole filling is off because Meta's needs a CUDA
extension and is skipped on CPU."""


class Float32Torch:
    """Stand-in for the ``torch`` module that maps ``torch.bfloat16`` to float32.

    Meta's video predictor casts stored memory features to bfloat16; assigning
    this object to ``sam2.sam2_video_predictor.torch`` keeps them in float32
    (everything else is torch's), for fp32 parity and to run it on CPU at all
    (its memory attention fails on bfloat16 memory without autocast).
    """

    def __getattr__(self, name: str):
        return torch.float32 if name == 'bfloat16' else getattr(torch, name)


def build_meta_video_predictor(version: str, arch: str, image_size: int) -> nn.Module:
    """Build Meta's ``SAM2VideoPredictor`` with random weights (see :func:`build_meta_model`).

    Args:
        version (str): 'sam2' or 'sam2.1'.
        arch (str): 'tiny', 'small', 'base_plus' or 'large'.
        image_size (int): Input resolution.

    Returns:
        nn.Module: Meta's video predictor, eval mode, fp32 CPU.
    """
    return build_meta_model(version, arch, image_size, META_VIDEO_OVERRIDES)


def cpu_connected_components(mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """CPU stand-in for Meta's CUDA ``sam2.utils.misc.get_connected_components``.

    Meta's hole filling (``fill_holes_in_mask_scores``) labels components with a
    CUDA extension and silently skips the filling without it; assigning this
    function to ``sam2.utils.misc.get_connected_components`` makes Meta's
    predictor fill holes on CPU as it does on a GPU. Same contract as the
    kernel (8-connectivity, scipy's labelling here).

    Args:
        mask (torch.Tensor): Binary masks (N, 1, H, W).

    Returns:
        Tuple[torch.Tensor, torch.Tensor]: Component labels (0 off the mask)
        and the area of each pixel's component (0 off the mask), int32, shape
        and device of ``mask``.
    """
    from scipy import ndimage

    flat = mask.detach().to('cpu', torch.uint8).reshape(-1, *mask.shape[-2:]).numpy()
    labels = np.zeros(flat.shape, np.int32)
    areas = np.zeros(flat.shape, np.int32)
    for i, m in enumerate(flat):
        labels[i], _ = ndimage.label(m, structure=np.ones((3, 3), np.int32))
        counts = np.bincount(labels[i].ravel()).astype(np.int32)
        counts[0] = 0
        areas[i] = counts[labels[i]]
    return (
        torch.from_numpy(labels).reshape(mask.shape).to(mask.device),
        torch.from_numpy(areas).reshape(mask.shape).to(mask.device),
    )
