"""Build a SAM 2 model from a config and (optionally) a checkpoint."""

from typing import Optional, Type, TypeVar, Union

import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmsam2.registry import MODELS

P = TypeVar('P', bound='FromConfigMixin')


def init_model(
    config: Union[str, Config],
    checkpoint: Optional[str] = None,
    device: str = 'cpu',
    cfg_options: Optional[dict] = None,
) -> nn.Module:
    """Build a model from a config file and load a checkpoint.

    Both mmsam2 checkpoints and Meta's official SAM 2 / 2.1 ``.pt`` files are
    accepted; a checkpoint of another size or version raises one
    :class:`mmsam2.utils.CheckpointMismatchError` listing the mismatched keys
    and shapes.

    Args:
        config (str | Config): Config path or object.
        checkpoint (str, optional): Checkpoint path. Defaults to None (random
            initialisation).
        device (str): Device to put the model on. Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides merged into the config, e.g.
            ``{'model.image_size': 512}``. Defaults to None.

    Returns:
        nn.Module: The model in eval mode, with the config as ``model.cfg``.
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config.copy()
    if not isinstance(cfg, Config):
        raise TypeError(f'config must be a path or a Config, got {type(config)}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmsam2'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model.cfg = cfg
    return model.to(device).eval()


class FromConfigMixin:
    """``from_config`` for wrappers built as ``cls(model, **kwargs)`` (the predictors)."""

    @classmethod
    def from_config(
        cls: Type[P],
        config: Union[str, Config],
        checkpoint: Optional[str] = None,
        device: str = 'cpu',
        cfg_options: Optional[dict] = None,
        **kwargs,
    ) -> P:
        """Build the model with :func:`init_model` and wrap it.

        Args:
            config (str | Config): Model config.
            checkpoint (str, optional): mmsam2 or Meta checkpoint. Defaults to
                None (random weights).
            device (str): Device. Defaults to 'cpu'.
            cfg_options (dict, optional): Config overrides, e.g.
                ``{'model.image_size': 512}``. Defaults to None.
            **kwargs: Arguments of the wrapper (e.g. ``mask_threshold``).

        Returns:
            The wrapper around the new model.
        """
        return cls(init_model(config, checkpoint, device, cfg_options), **kwargs)
