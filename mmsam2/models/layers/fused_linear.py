"""Linear layers with a fused activation for bf16 inference on the CPU.

Under ``torch.autocast('cpu', torch.bfloat16)`` an ``nn.Linear`` runs as
``addmm``: the bias is first copied into every row of the output, the output
is then accumulated onto, and an activation after it is another pass over
the (often largest) tensor of the block. oneDNN's linear op writes
``act(x @ W.T + b)`` in one pass (on AMX where the CPU has it).
:func:`linear_act` takes that path when it applies (CPU, bf16 compute, no
autograd) and is exactly ``act(layer(x))`` otherwise, so float32 results do
not change.
"""

from typing import Callable, Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


def _linear_pointwise_op() -> Optional[Callable]:
    """oneDNN's fused linear (the op torch.compile uses for CPU linears), if built."""
    try:
        return torch.ops.mkldnn._linear_pointwise
    except (AttributeError, RuntimeError):
        return None


_LINEAR_POINTWISE = _linear_pointwise_op()

# activation name -> (oneDNN post-op, its algorithm, reference function). The
# reference is applied to the fresh output of the layer, so ReLU may rectify it
# in place (autograd only needs ReLU's output).
_ACTIVATIONS: Dict[str, Tuple[str, str, Callable[[torch.Tensor], torch.Tensor]]] = {
    'none': ('none', '', lambda x: x),
    'relu': ('relu', '', torch.relu_),
    'gelu': ('gelu', 'none', F.gelu),
}


def autocast_dtype(device_type: str) -> Optional[torch.dtype]:
    """Dtype autocast casts to on ``device_type`` now, None when it is off.

    Args:
        device_type (str): 'cpu', 'cuda', ...

    Returns:
        torch.dtype, optional: The autocast dtype.
    """
    try:
        enabled = torch.is_autocast_enabled(device_type)
    except TypeError:  # torch < 2.4 has one flag per device type
        if device_type != 'cpu':
            return torch.get_autocast_gpu_dtype() if torch.is_autocast_enabled() else None
        return torch.get_autocast_cpu_dtype() if torch.is_autocast_cpu_enabled() else None
    return torch.get_autocast_dtype(device_type) if enabled else None


def compute_dtype(x: torch.Tensor) -> torch.dtype:
    """Dtype a linear layer applied to ``x`` computes in (autocast's, else ``x``'s)."""
    return autocast_dtype(x.device.type) or x.dtype


def _bf16_supported() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


_FUSED_BF16 = _LINEAR_POINTWISE is not None and torch.backends.mkldnn.is_available()
_FUSED_BF16 = _FUSED_BF16 and _bf16_supported()


def tensor_versions(tensors: Sequence[torch.Tensor]) -> tuple:
    """A key that changes when any of ``tensors`` is replaced, moved or updated
    in place (an optimizer step, a loaded state dict), for caches of values
    derived from them.

    Args:
        tensors (Sequence[torch.Tensor]): The tensors (e.g. parameters).

    Returns:
        tuple: Their devices, storages and version counters.
    """
    return tuple((t.device, t.data_ptr(), t._version) for t in tensors)


def _bf16_params(layer: nn.Linear) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """bf16 copies of the layer's weight and bias, cached until they change."""
    params = (layer.weight,) if layer.bias is None else (layer.weight, layer.bias)
    key = tensor_versions(params)
    cached = getattr(layer, '_bf16_params_cache', None)
    if cached is None or cached[0] != key:
        with torch.no_grad():
            weight = layer.weight.detach().to(torch.bfloat16)
            bias = None if layer.bias is None else layer.bias.detach().to(torch.bfloat16)
        cached = (key, weight, bias)
        layer._bf16_params_cache = cached
    return cached[1], cached[2]


def uses_fused_linear(x: torch.Tensor, layer: nn.Linear) -> bool:
    """Whether :func:`linear_act` takes oneDNN's fused path for these inputs."""
    if not _FUSED_BF16 or x.device.type != 'cpu' or compute_dtype(x) != torch.bfloat16:
        return False
    if not torch.is_grad_enabled():
        return True
    bias_grad = layer.bias is not None and layer.bias.requires_grad
    return not (x.requires_grad or layer.weight.requires_grad or bias_grad)


def linear_act(x: torch.Tensor, layer: nn.Linear, activation: str = 'none') -> torch.Tensor:
    """``activation(layer(x))``, fused into one oneDNN call for bf16 on the CPU.

    Args:
        x (torch.Tensor): Input (..., in_features).
        layer (nn.Linear): The linear layer.
        activation (str): 'none', 'relu' or 'gelu' (exact, erf form).
            Defaults to 'none'.

    Returns:
        torch.Tensor: Output (..., out_features), bf16 on the fused path.
    """
    post_op, algorithm, reference = _ACTIVATIONS[activation]
    if uses_fused_linear(x, layer):
        weight, bias = _bf16_params(layer)
        return _LINEAR_POINTWISE(x.to(torch.bfloat16), weight, bias, post_op, [], algorithm)
    return reference(layer(x))
