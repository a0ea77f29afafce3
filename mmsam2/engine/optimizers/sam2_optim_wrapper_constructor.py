"""Parameter groups of SAM 2 fine-tuning: encoder learning rate, layer decay, no-decay set."""

import fnmatch
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmsam2.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS


@dataclass
class ParamwiseSettings:
    """Options of :class:`SAM2OptimWrapperConstructor` (its ``paramwise_cfg``).

    Attributes:
        vision_lr (float, optional): Learning rate of the image encoder
            (Meta's ``scratch.vision_lr``); None uses the optimizer's ``lr``.
        image_encoder (Sequence[str]): Module prefixes forming the image
            encoder.
        layer_decay (float): Layer-wise learning-rate decay of the trunk
            blocks (1.0: none).
        layer_decay_module (str): The trunk: a module with ``blocks``.
        layer_decay_overrides (Dict[str, float]): Pattern (``fnmatch`` on the
            full parameter name) -> learning-rate scale replacing the layer
            decay of the matching trunk parameters.
        no_weight_decay_names (Sequence[str]): Patterns of parameters without
            weight decay.
        no_weight_decay_norms (Sequence[str]): Class names of modules whose
            own parameters have no weight decay.
        freeze (Sequence[str]): Module prefixes to freeze (no gradient, not
            optimised).
    """

    vision_lr: Optional[float] = None
    image_encoder: Sequence[str] = ('backbone', 'neck')
    layer_decay: float = 1.0
    layer_decay_module: str = 'backbone'
    layer_decay_overrides: Dict[str, float] = field(default_factory=dict)
    no_weight_decay_names: Sequence[str] = ('*bias*',)
    no_weight_decay_norms: Sequence[str] = ('LayerNorm',)
    freeze: Sequence[str] = ()


def _under(name: str, prefixes: Sequence[str]) -> bool:
    """Whether a dotted name is one of ``prefixes`` or inside one of them."""
    return any(name == p or name.startswith(p + '.') for p in prefixes)


def trunk_layer_id(name: str, num_blocks: int) -> int:
    """Layer of a trunk parameter for layer decay, as Meta's ``Hiera.get_layer_id``.

    Args:
        name (str): Parameter name inside the trunk.
        num_blocks (int): Number of trunk blocks.

    Returns:
        int: 0 for the patch and position embeddings, i + 1 for block i,
        ``num_blocks + 1`` for anything else.
    """
    if 'rel_pos' in name:
        return num_blocks + 1
    if 'pos_embed' in name or 'patch_embed' in name:
        return 0
    if name.startswith('blocks.'):
        return int(name.split('.')[1]) + 1
    return num_blocks + 1


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SAM2OptimWrapperConstructor:
    """Optimizer wrapper with the parameter groups of Meta's SAM 2 training.

    * The image encoder (backbone and neck) uses ``vision_lr``, everything
      else the optimizer's ``lr``.
    * Layer-wise decay on the trunk (``layer_decay_param_modifier``
      semantics): with L blocks, block i is scaled by
      ``layer_decay ** (L - i)``, the patch and position embeddings by
      ``layer_decay ** (L + 1)``, unless an override pattern matches.
    * No weight decay on parameters matching ``no_weight_decay_names`` and on
      the parameters of ``no_weight_decay_norms`` modules.
    * Modules under ``freeze`` (and parameters already frozen, e.g. by the
      model's ``freeze_image_encoder``) are left out.

    Parameters sharing a learning rate and weight decay form one group, in
    the order of ``model.named_parameters()``, so the groups are the same in
    every run (which resuming the optimizer state needs).

    Args:
        optim_wrapper_cfg (dict): ``optim_wrapper`` config with ``optimizer``
            (its ``lr`` and ``weight_decay`` are the defaults).
        paramwise_cfg (dict, optional): Fields of :class:`ParamwiseSettings`.
            Defaults to None.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        wrapper_cfg = dict(optim_wrapper_cfg)
        if 'optimizer' not in wrapper_cfg:
            raise ValueError('optim_wrapper_cfg needs an optimizer')
        self.optimizer_cfg = dict(wrapper_cfg.pop('optimizer'))
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        self.wrapper_cfg = wrapper_cfg
        self.settings = ParamwiseSettings(**(paramwise_cfg or {}))
        self.base_lr = self.optimizer_cfg['lr']
        self.base_wd = self.optimizer_cfg.get('weight_decay', 0.0)

    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Freeze, group the parameters and build the optimizer wrapper.

        Args:
            model (nn.Module): The model (or a wrapper with ``module``).

        Returns:
            OptimWrapper: The wrapper.
        """
        model = getattr(model, 'module', model)
        for name, module in model.named_modules():
            if name and _under(name, self.settings.freeze):
                module.requires_grad_(False)
        optimizer = OPTIMIZERS.build({**self.optimizer_cfg, 'params': self.param_groups(model)})
        return OPTIM_WRAPPERS.build(self.wrapper_cfg, default_args=dict(optimizer=optimizer))

    def param_groups(self, model: nn.Module) -> List[dict]:
        """Parameter groups with their ``lr`` and ``weight_decay``.

        Args:
            model (nn.Module): The model.

        Returns:
            List[dict]: ``params``, ``lr``, ``weight_decay`` and ``names`` (for
            inspection) per group.
        """
        no_decay = self._no_decay_norm_params(model)
        lr_scale = self._layer_decay_scales(model)
        groups: Dict[Tuple[float, float], dict] = {}
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            is_vision = _under(name, self.settings.image_encoder)
            lr = self.base_lr
            if is_vision and self.settings.vision_lr is not None:
                lr = self.settings.vision_lr
            lr *= lr_scale.get(name, 1.0)
            skip_wd = name in no_decay or any(
                fnmatch.fnmatchcase(name, p) for p in self.settings.no_weight_decay_names
            )
            wd = 0.0 if skip_wd else self.base_wd
            group = groups.setdefault((lr, wd), dict(params=[], names=[], lr=lr, weight_decay=wd))
            group['params'].append(param)
            group['names'].append(name)
        return list(groups.values())

    def _no_decay_norm_params(self, model: nn.Module) -> Set[str]:
        """Names of the parameters owned by the no-decay norm modules."""
        names = set()
        for module_name, module in model.named_modules():
            if type(module).__name__ in self.settings.no_weight_decay_norms:
                prefix = f'{module_name}.' if module_name else ''
                names.update(prefix + n for n, _ in module.named_parameters(recurse=False))
        return names

    def _layer_decay_scales(self, model: nn.Module) -> Dict[str, float]:
        """Learning-rate scale of each trunk parameter."""
        if self.settings.layer_decay == 1.0 and not self.settings.layer_decay_overrides:
            return {}
        prefix = self.settings.layer_decay_module
        trunk = model.get_submodule(prefix)
        num_blocks = len(trunk.blocks)
        scales = {}
        for name, _ in trunk.named_parameters():
            full_name = f'{prefix}.{name}'
            depth = num_blocks + 1 - trunk_layer_id(name, num_blocks)
            scales[full_name] = self.settings.layer_decay**depth
            for pattern, value in self.settings.layer_decay_overrides.items():
                if fnmatch.fnmatchcase(full_name, pattern):
                    scales[full_name] = float(value)
                    break
        return scales
