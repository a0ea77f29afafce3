"""A constant-velocity Kalman filter on boxes, batched over objects, and box helpers."""

from typing import Tuple

import torch

BOX_DIM = 4
STATE_DIM = 8


def masks_to_boxes(masks: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Tight boxes of binary masks.

    Args:
        masks (torch.Tensor): (..., H, W) bool masks.

    Returns:
        Tuple[torch.Tensor, torch.Tensor]: Boxes (..., 4) as (x0, y0, x1, y1)
        in pixels (x1, y1 exclusive; zeros for empty masks) and (...) bool,
        True where a mask is empty.
    """
    rows, cols = masks.any(dim=-1), masks.any(dim=-2)
    empty = ~rows.any(dim=-1)
    height, width = rows.shape[-1], cols.shape[-1]
    y0 = rows.float().argmax(dim=-1)
    y1 = height - rows.flip(-1).float().argmax(dim=-1)
    x0 = cols.float().argmax(dim=-1)
    x1 = width - cols.flip(-1).float().argmax(dim=-1)
    boxes = torch.stack([x0, y0, x1, y1], dim=-1).float()
    return torch.where(empty[..., None], 0.0, boxes), empty


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of boxes that broadcast against each other.

    Args:
        a (torch.Tensor): (..., 4) boxes (x0, y0, x1, y1).
        b (torch.Tensor): (..., 4) boxes.

    Returns:
        torch.Tensor: (...) IoUs (0 where the union is empty).
    """
    wh = (torch.minimum(a[..., 2:], b[..., 2:]) - torch.maximum(a[..., :2], b[..., :2])).clamp(
        min=0
    )
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[..., 2:] - a[..., :2]).clamp(min=0).prod(dim=-1)
    area_b = (b[..., 2:] - b[..., :2]).clamp(min=0).prod(dim=-1)
    union = area_a + area_b - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-9), 0.0)


def xyxy_to_xyah(boxes: torch.Tensor) -> torch.Tensor:
    """(..., 4) corner boxes -> (centre x, centre y, aspect w / h, height)."""
    wh = (boxes[..., 2:] - boxes[..., :2]).clamp(min=1e-3)
    centre = (boxes[..., :2] + boxes[..., 2:]) / 2
    return torch.cat([centre, wh[..., :1] / wh[..., 1:], wh[..., 1:]], dim=-1)


def xyah_to_xyxy(xyah: torch.Tensor) -> torch.Tensor:
    """(..., 4) (centre x, centre y, aspect, height) -> corner boxes."""
    height = xyah[..., 3:4]
    width = xyah[..., 2:3] * height
    half = torch.cat([width, height], dim=-1) / 2
    return torch.cat([xyah[..., :2] - half, xyah[..., :2] + half], dim=-1)


class BoxKalmanFilter:
    """Constant-velocity Kalman filter on boxes, for B objects at once.

    The state (B, 8) is the box centre, aspect ratio (width / height) and
    height, then their velocities per frame; the measurement (B, 4) is the
    box. Noise standard deviations are proportional to the box height (so
    the filter does not depend on the image scale), with weights
    ``std_weight_position`` for positions and ``std_weight_velocity`` for
    velocities; the aspect ratio has small fixed noise. These are the usual
    settings of box trackers (SORT / DeepSORT, also used by SAMURAI).

    Args:
        std_weight_position (float): Position noise per unit of height.
            Defaults to 1 / 20.
        std_weight_velocity (float): Velocity noise per unit of height.
            Defaults to 1 / 160.
    """

    def __init__(
        self, std_weight_position: float = 1.0 / 20, std_weight_velocity: float = 1.0 / 160
    ) -> None:
        self.std_weight_position = std_weight_position
        self.std_weight_velocity = std_weight_velocity

    @staticmethod
    def _motion(device: torch.device) -> torch.Tensor:
        """Transition (8, 8): positions move by their velocity each frame."""
        motion = torch.eye(STATE_DIM, device=device)
        motion[:BOX_DIM, BOX_DIM:] = torch.eye(BOX_DIM, device=device)
        return motion

    @staticmethod
    def _std(
        height: torch.Tensor, weight: float, aspect_std: float, scale: float = 1.0
    ) -> torch.Tensor:
        """(B, 4) standard deviations: ``scale * weight * height``, ``aspect_std`` for
        the aspect ratio."""
        std = (scale * weight * height)[:, None].repeat(1, BOX_DIM)
        std[:, 2] = aspect_std
        return std

    def initiate(self, measurement: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Start tracks at measured boxes, with zero velocity.

        Args:
            measurement (torch.Tensor): (B, 4) boxes (x, y, a, h).

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Mean (B, 8) and covariance
            (B, 8, 8).
        """
        height = measurement[:, 3]
        std = torch.cat(
            [
                self._std(height, self.std_weight_position, 1e-2, scale=2.0),
                self._std(height, self.std_weight_velocity, 1e-5, scale=10.0),
            ],
            dim=1,
        )
        mean = torch.cat([measurement, torch.zeros_like(measurement)], dim=1)
        return mean, torch.diag_embed(std.square())

    def predict(
        self, mean: torch.Tensor, covariance: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Move the state one frame forward.

        Args:
            mean (torch.Tensor): (B, 8).
            covariance (torch.Tensor): (B, 8, 8).

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Predicted mean and covariance.
        """
        motion = self._motion(mean.device)
        height = mean[:, 3]
        std = torch.cat(
            [
                self._std(height, self.std_weight_position, 1e-2),
                self._std(height, self.std_weight_velocity, 1e-5),
            ],
            dim=1,
        )
        mean = mean @ motion.T
        covariance = motion @ covariance @ motion.T + torch.diag_embed(std.square())
        return mean, covariance

    def update(
        self, mean: torch.Tensor, covariance: torch.Tensor, measurement: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Correct a predicted state with measured boxes.

        Args:
            mean (torch.Tensor): Predicted mean (B, 8).
            covariance (torch.Tensor): Predicted covariance (B, 8, 8).
            measurement (torch.Tensor): (B, 4) boxes (x, y, a, h).

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: Corrected mean and covariance.
        """
        std = self._std(mean[:, 3], self.std_weight_position, 1e-1)
        projected_cov = covariance[:, :BOX_DIM, :BOX_DIM] + torch.diag_embed(std.square())
        # gain K = P H^T S^-1 (P symmetric, H selects the box): solve S K^T = H P
        gain = torch.linalg.solve(projected_cov, covariance[:, :BOX_DIM, :]).transpose(1, 2)
        innovation = measurement - mean[:, :BOX_DIM]
        mean = mean + (gain @ innovation[..., None])[..., 0]
        covariance = covariance - gain @ projected_cov @ gain.transpose(1, 2)
        return mean, covariance
