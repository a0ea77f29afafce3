"""Build a SAM 2 model from a config and (optionally) a checkpoint."""

import copy
from typing import Any, Dict, Optional, Type, TypeVar, Union

import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmsam2.registry import MODELS
from mmsam2.utils.checkpoint import load_model_weights

P = TypeVar('P', bound='FromConfigMixin')

#: Model settings Meta's ``build_sam2(..., apply_postprocessing=True)`` sets (sam2 1.1.0):
#: fall back to the best multimask output when a single mask is unstable.
META_IMAGE_POSTPROCESSING: Dict[str, Any] = {
    'sam_mask_decoder_extra_args.dynamic_multimask_via_stability': True,
    'sam_mask_decoder_extra_args.dynamic_multimask_stability_delta': 0.05,
    'sam_mask_decoder_extra_args.dynamic_multimask_stability_thresh': 0.98,
}
#: Model settings Meta's ``build_sam2_video_predictor(..., apply_postprocessing=True)``
#: sets: those of the image builder, binarised click masks for the memory encoder
#: and hole filling (8 low-res pixels) of output masks.
META_VIDEO_POSTPROCESSING: Dict[str, Any] = {
    **META_IMAGE_POSTPROCESSING,
    'binarize_mask_from_pts_for_mem_enc': True,
    'fill_hole_area': 8,
}


def init_model(
    config: Union[str, Config],
    checkpoint: Optional[str] = None,
    device: str = 'cpu',
    cfg_options: Optional[dict] = None,
    trust_checkpoint: bool = False,
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
        trust_checkpoint (bool): Also open checkpoints that need arbitrary
            unpickling (``weights_only=False``), which can run code. Only for
            files you trust; by default such a file raises
            :class:`mmsam2.utils.UntrustedCheckpointError`. Defaults to False.

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
        load_model_weights(model, checkpoint, strict=True, trust=trust_checkpoint)
    model.cfg = cfg
    return model.to(device).eval()


def with_postprocessing(config: Union[str, Config], settings: Dict[str, Any]) -> Config:
    """A copy of a config with model settings applied, as Meta's builders apply theirs.

    Args:
        config (str | Config): Config path or object (not modified).
        settings (Dict[str, Any]): Model settings by dotted key relative to
            ``model``, e.g. :data:`META_VIDEO_POSTPROCESSING`.

    Returns:
        Config: The new config.
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
    if not isinstance(cfg, Config):
        raise TypeError(f'config must be a path or a Config, got {type(config)}')
    if any(key.startswith('sam_mask_decoder_extra_args.') for key in settings):
        if cfg.model.get('sam_mask_decoder_extra_args') is None:
            cfg.model.sam_mask_decoder_extra_args = {}
    cfg.merge_from_dict({f'model.{key}': value for key, value in settings.items()})
    return cfg


class FromConfigMixin:
    """``from_config`` for wrappers built as ``cls(model, **kwargs)`` (the predictors).

    A wrapper sets :attr:`META_POSTPROCESSING` to the model settings that
    Meta's builder of the same predictor applies with its default
    ``apply_postprocessing=True``.
    """

    #: Model settings ``from_config(..., apply_postprocessing=True)`` applies.
    META_POSTPROCESSING: Dict[str, Any] = META_IMAGE_POSTPROCESSING

    @classmethod
    def from_config(
        cls: Type[P],
        config: Union[str, Config],
        checkpoint: Optional[str] = None,
        device: str = 'cpu',
        cfg_options: Optional[dict] = None,
        apply_postprocessing: bool = True,
        trust_checkpoint: bool = False,
        **kwargs,
    ) -> P:
        """Build the model with :func:`init_model` and wrap it.

        As Meta's builders (``build_sam2``, ``build_sam2_video_predictor``)
        do by default, the model gets Meta's post-processing settings
        (:attr:`META_POSTPROCESSING`) on top of the config; ``cfg_options``
        and the wrapper's own arguments (e.g. the video predictor's
        ``fill_hole_area``) still override each of them.

        Args:
            config (str | Config): Model config.
            checkpoint (str, optional): mmsam2 or Meta checkpoint. Defaults to
                None (random weights).
            device (str): Device. Defaults to 'cpu'.
            cfg_options (dict, optional): Config overrides, e.g.
                ``{'model.image_size': 512}``, applied after the
                post-processing settings. Defaults to None.
            apply_postprocessing (bool): Apply Meta's post-processing settings
                (Meta's argument of the same name). False keeps the config's
                values. Defaults to True.
            trust_checkpoint (bool): See :func:`init_model`. Defaults to False.
            **kwargs: Arguments of the wrapper (e.g. ``mask_threshold``).

        Returns:
            The wrapper around the new model.
        """
        if apply_postprocessing:
            config = with_postprocessing(config, cls.META_POSTPROCESSING)
        model = init_model(config, checkpoint, device, cfg_options, trust_checkpoint)
        return cls(model, **kwargs)
