"""'Pretrained' initialisation in mmsam2's scope, through the safe checkpoint loader."""

import re
from typing import Optional

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit, update_init_info
from mmengine.runner.checkpoint import load_state_dict

from mmsam2.registry import WEIGHT_INITIALIZERS
from mmsam2.utils.checkpoint import (
    CheckpointError,
    checkpoint_with_state_dict,
    load_checkpoint_file,
)


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class SafePretrainedInit(PretrainedInit):
    """mmengine's ``init_cfg=dict(type='Pretrained', ...)``, opened safely.

    Registered as 'Pretrained' in mmsam2's registry only, so every module
    initialised in mmsam2's scope (Hiera, mmdet ResNet / Swin backbones
    wrapped by ``PyramidBackbone``, ...) loads its pretrained file with
    ``weights_only=True`` and mmsam2's allow-list (mmengine's version loads
    URLs with ``weights_only=False``). Other scopes keep mmengine's.

    Args:
        checkpoint (str): Local path or ``http(s)://`` URL.
        prefix (str, optional): Load only the weights under this prefix
            (e.g. ``'backbone.'``), with it stripped. Defaults to None.
        map_location (str): As for :func:`torch.load`. Defaults to 'cpu'.
        trust_checkpoint (bool): Also open files that need arbitrary
            unpickling (they can run code). Defaults to False.
    """

    def __init__(
        self,
        checkpoint: str,
        prefix: Optional[str] = None,
        map_location: str = 'cpu',
        trust_checkpoint: bool = False,
    ) -> None:
        super().__init__(checkpoint, prefix, map_location)
        self.trust_checkpoint = trust_checkpoint

    def __call__(self, module: nn.Module) -> None:
        """Load the weights (non-strictly) into ``module``."""
        print_log(f'load {self.prefix or "model"} from: {self.checkpoint}', logger='current')
        checkpoint = load_checkpoint_file(self.checkpoint, self.map_location, self.trust_checkpoint)
        state_dict = checkpoint_with_state_dict(checkpoint, self.checkpoint)['state_dict']
        if self.prefix is None:
            selected = {re.sub(r'^module\.', '', k): v for k, v in state_dict.items()}
        else:
            prefix = self.prefix if self.prefix.endswith('.') else self.prefix + '.'
            selected = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
            if not selected:
                raise CheckpointError(f'{self.checkpoint} has no weights under {self.prefix!r}')
        load_state_dict(module, selected, strict=False, logger='current')
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())
