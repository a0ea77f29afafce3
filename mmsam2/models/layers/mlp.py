"""Multi-layer perceptron used throughout SAM 2."""

from typing import Optional, Type

import torch
import torch.nn as nn

from .fused_linear import linear_act


class MLP(nn.Module):
    """A stack of ``num_layers`` linear layers with an activation in between.

    The parameters live in ``self.layers`` (``layers.0`` ... ``layers.{n-1}``),
    the layout of SAM 2 checkpoints.

    Args:
        input_dim (int): Input channels.
        hidden_dim (int): Channels of every hidden layer.
        output_dim (int): Output channels.
        num_layers (int): Number of linear layers.
        activation (Type[nn.Module]): Activation class applied after every
            layer except the last. Defaults to ``nn.ReLU``.
        sigmoid_output (bool): Apply a sigmoid to the output. Defaults to False.
    """

    def __init__(
        self,
        input_dim: int,
        hidden_dim: int,
        output_dim: int,
        num_layers: int,
        activation: Type[nn.Module] = nn.ReLU,
        sigmoid_output: bool = False,
    ) -> None:
        super().__init__()
        dims_in = [input_dim] + [hidden_dim] * (num_layers - 1)
        dims_out = [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(
            nn.Linear(d_in, d_out) for d_in, d_out in zip(dims_in, dims_out)
        )
        self.act = activation()
        self.sigmoid_output = sigmoid_output

    def _fused_activation(self) -> Optional[str]:
        """Name of the activation for :func:`linear_act`, None if it has none."""
        if type(self.act) is nn.ReLU:
            return 'relu'
        if type(self.act) is nn.GELU and self.act.approximate == 'none':
            return 'gelu'
        return None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the MLP on the last dimension.

        Args:
            x (torch.Tensor): Input of shape (..., input_dim).

        Returns:
            torch.Tensor: Output of shape (..., output_dim).
        """
        last = len(self.layers) - 1
        fused = self._fused_activation()
        for i, layer in enumerate(self.layers):
            if i == last:
                x = linear_act(x, layer)
            elif fused is not None:
                x = linear_act(x, layer, fused)
            else:
                x = self.act(layer(x))
        return torch.sigmoid(x) if self.sigmoid_output else x
