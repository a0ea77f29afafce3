"""Script-friendly SAM 2 inference on images: prompts or segment-everything, with overlays."""

import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.infer import BaseInferencer
from mmengine.structures import InstanceData

from mmsam2.registry import INFERENCERS
from mmsam2.utils.image_io import read_rgb_image, write_rgb_image
from mmsam2.utils.mask_ops import batched_mask_to_box
from mmsam2.utils.rle import coco_encode_rle, mask_to_rle
from mmsam2.visualization import SAM2Visualizer

from .automatic_mask_generator import SAM2AutomaticMaskGenerator
from .image_predictor import SAM2ImagePredictor
from .inference import init_model

InputType = Union[str, np.ndarray, dict]
MODES = ('prompt', 'auto')
PROMPT_KEYS = ('points', 'labels', 'boxes')


def _input_name(item: dict, index: int) -> str:
    """File stem of an input image, or its index for arrays."""
    path = item.get('img_path')
    return osp.splitext(osp.basename(path))[0] if path else f'{index:08d}'


@INFERENCERS.register_module()
class SAM2Inferencer(BaseInferencer):
    """Segment images from click / box prompts or automatically, and draw the masks.

    Inputs are image paths, RGB (H, W, 3) uint8 arrays, a folder, or dicts
    ``dict(img=path_or_array, points=..., labels=..., boxes=...)`` carrying
    their own prompts (used instead of the call's prompts).

    Example:
        >>> inferencer = SAM2Inferencer('configs/sam2.1/sam2.1_hiera-t.py',
        ...                             'sam2.1_hiera_tiny.pt')
        >>> result = inferencer('cat.jpg', points=[[320, 240]], labels=[1],
        ...                     out_dir='outputs')
        >>> result['predictions'][0]['masks'].shape  # (1, H, W)

    Args:
        model (str | Config): Model config.
        weights (str, optional): mmsam2 or Meta checkpoint. Defaults to None
            (random weights).
        device (str): Device. Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides. Defaults to None.
        predictor_cfg (dict, optional): Arguments of
            :class:`SAM2ImagePredictor` (prompt mode). Defaults to None.
        amg_cfg (dict, optional): Arguments of
            :class:`SAM2AutomaticMaskGenerator` (auto mode). Defaults to None.
        show_progress (bool): Progress bar over the inputs. Defaults to False.
    """

    forward_kwargs = {'mode', 'points', 'labels', 'boxes', 'multimask_output'}
    visualize_kwargs = {'show', 'wait_time', 'img_out_dir', 'draw_prompts'}
    postprocess_kwargs = {'pred_out_dir'}

    def __init__(
        self,
        model: Union[str, Config],
        weights: Optional[str] = None,
        device: str = 'cpu',
        cfg_options: Optional[dict] = None,
        predictor_cfg: Optional[dict] = None,
        amg_cfg: Optional[dict] = None,
        show_progress: bool = False,
    ) -> None:
        cfg = Config.fromfile(model) if isinstance(model, str) else model.copy()
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        super().__init__(cfg, weights, device, scope='mmsam2', show_progress=show_progress)
        amg_cfg = amg_cfg or {}
        if amg_cfg.get('output_mode', 'binary_mask') != 'binary_mask':
            raise ValueError("the inferencer reads binary masks: leave amg_cfg's output_mode out")
        self.predictor = SAM2ImagePredictor(self.model, **(predictor_cfg or {}))
        self.mask_generator = SAM2AutomaticMaskGenerator(self.model, **amg_cfg)

    def __call__(
        self,
        inputs: Union[InputType, Sequence[InputType]],
        points: Optional[Any] = None,
        labels: Optional[Any] = None,
        boxes: Optional[Any] = None,
        mode: str = 'prompt',
        multimask_output: bool = True,
        out_dir: Optional[str] = None,
        show: bool = False,
        draw_prompts: bool = True,
        return_datasamples: bool = False,
        **kwargs,
    ) -> Dict[str, list]:
        """Segment the inputs and draw the results.

        Args:
            inputs (str | np.ndarray | dict | Sequence): Image(s) or a folder.
            points (array-like, optional): Clicks (N, 2) in pixels, or (B, N, 2)
                for B objects. Defaults to None.
            labels (array-like, optional): Click labels (N, ) / (B, N),
                1 foreground, 0 background. Defaults to None.
            boxes (array-like, optional): Box (4, ) or boxes (B, 4) as
                (x0, y0, x1, y1), one object each. Defaults to None.
            mode (str): ``'prompt'`` (segment the prompted objects) or
                ``'auto'`` (segment everything). Defaults to 'prompt'.
            multimask_output (bool): In prompt mode, predict 3 candidates per
                object and keep the best. Defaults to True.
            out_dir (str, optional): Write overlays to ``out_dir/vis/<name>.png``
                and masks (COCO RLE) to ``out_dir/preds/<name>.json``.
                Defaults to None.
            show (bool): Show each overlay in a window. Defaults to False.
            draw_prompts (bool): Draw clicks and boxes. Defaults to True.
            return_datasamples (bool): Return ``InstanceData`` predictions
                instead of dicts. Defaults to False.
            **kwargs: ``wait_time`` for ``show``, ``batch_size``.

        Returns:
            dict: ``predictions``, per image a dict of ``masks`` (K, H, W)
            bool, ``scores`` (K, ) (predicted IoUs), ``bboxes`` (K, 4) XYXY
            boxes of the masks, ``prompts`` (the points / labels / boxes
            used) and ``img_path``; ``visualization``, per image the (H, W, 3)
            RGB overlay.
        """
        return super().__call__(
            inputs,
            return_datasamples=return_datasamples,
            points=points,
            labels=labels,
            boxes=boxes,
            mode=mode,
            multimask_output=multimask_output,
            show=show,
            draw_prompts=draw_prompts,
            img_out_dir=osp.join(out_dir, 'vis') if out_dir else '',
            pred_out_dir=osp.join(out_dir, 'preds') if out_dir else '',
            **kwargs,
        )

    def _init_model(
        self, cfg: Config, weights: Optional[str], device: str = 'cpu'
    ) -> torch.nn.Module:
        """Build the model with :func:`init_model` (which reads Meta checkpoints)."""
        return init_model(cfg, weights, device)

    def _init_pipeline(self, cfg: Config):
        """Turn each input into ``dict(img=RGB array, img_path=..., prompts...)``."""
        return self._load_input

    def _init_collate(self, cfg: Config):
        """Batches stay lists of input dicts."""
        return list

    def _init_visualizer(self, cfg: Config) -> SAM2Visualizer:
        """The config's visualizer if it has one, else a :class:`SAM2Visualizer`."""
        if 'visualizer' in cfg:
            return super()._init_visualizer(cfg)
        return SAM2Visualizer(name=f'sam2_inferencer_{id(self)}')

    @staticmethod
    def _load_input(item: InputType) -> dict:
        """Read one input (path, RGB array or dict with prompts)."""
        item = dict(item) if isinstance(item, dict) else dict(img=item)
        img = item.get('img')
        if isinstance(img, str):
            item['img_path'] = img
            item['img'] = read_rgb_image(img)
        elif not isinstance(img, np.ndarray):
            raise TypeError(f'an input must be an image path or an RGB array, got {type(img)}')
        return item

    @torch.no_grad()
    def forward(
        self,
        inputs: List[dict],
        mode: str = 'prompt',
        points: Optional[Any] = None,
        labels: Optional[Any] = None,
        boxes: Optional[Any] = None,
        multimask_output: bool = True,
    ) -> List[dict]:
        """Segment a batch of loaded inputs (see :meth:`__call__`)."""
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        defaults = dict(points=points, labels=labels, boxes=boxes)
        preds = []
        for item in inputs:
            prompts = {key: item.get(key, defaults[key]) for key in PROMPT_KEYS}
            if mode == 'auto':
                pred = self._segment_everything(item['img'])
                pred['prompts'] = {}
            else:
                pred = self._segment_prompted(item['img'], prompts, multimask_output)
                pred['prompts'] = {k: v for k, v in prompts.items() if v is not None}
            pred['img_path'] = item.get('img_path')
            preds.append(pred)
        return preds

    def _segment_prompted(self, image: np.ndarray, prompts: dict, multimask_output: bool) -> dict:
        """Best mask per prompted object."""
        if prompts['points'] is None and prompts['boxes'] is None:
            raise ValueError("prompt mode needs points (with labels) or boxes; use mode='auto'")
        self.predictor.set_image(image)
        masks, scores, _ = self.predictor.predict(
            point_coords=prompts['points'],
            point_labels=prompts['labels'],
            box=prompts['boxes'],
            multimask_output=multimask_output,
        )
        if masks.ndim == 3:  # one object
            masks, scores = masks[None], scores[None]
        best = scores.argmax(axis=1)
        rows = np.arange(len(masks))
        return self._prediction(masks[rows, best] > 0, scores[rows, best])

    def _segment_everything(self, image: np.ndarray) -> dict:
        """All masks of the automatic mask generator, largest first."""
        records = sorted(self.mask_generator.generate(image), key=lambda r: -r['area'])
        masks = np.zeros((len(records), *image.shape[:2]), bool)
        for mask, record in zip(masks, records):
            mask[...] = record['segmentation']
        return self._prediction(masks, np.array([r['predicted_iou'] for r in records]))

    @staticmethod
    def _prediction(masks: np.ndarray, scores: np.ndarray) -> dict:
        """Masks (K, H, W) bool, scores (K, ) and mask boxes (K, 4)."""
        boxes = batched_mask_to_box(torch.from_numpy(masks)).numpy().astype(np.float32)
        return dict(masks=masks, scores=scores.astype(np.float32), bboxes=boxes)

    def visualize(
        self,
        inputs: list,
        preds: List[dict],
        show: bool = False,
        wait_time: float = 0,
        img_out_dir: str = '',
        draw_prompts: bool = True,
    ) -> List[np.ndarray]:
        """Overlay masks (and prompts) on each input; write them to ``img_out_dir``."""
        drawn = []
        for index, (raw, pred) in enumerate(zip(inputs, preds)):
            item = self._load_input(raw)
            prompts = pred['prompts'] if draw_prompts else {}
            overlay = self.visualizer.draw_sam2_predictions(
                item['img'],
                pred['masks'],
                boxes=prompts.get('boxes'),
                points=prompts.get('points'),
                labels=prompts.get('labels'),
            )
            if show:
                self.visualizer.show(
                    overlay, win_name=_input_name(item, index), wait_time=wait_time
                )
            if img_out_dir:
                write_rgb_image(overlay, osp.join(img_out_dir, f'{_input_name(item, index)}.png'))
            drawn.append(overlay)
        return drawn

    def postprocess(
        self,
        preds: List[dict],
        visualization: List[np.ndarray],
        return_datasamples: bool = False,
        pred_out_dir: str = '',
    ) -> Dict[str, list]:
        """Pack the results; write masks as COCO RLE JSON to ``pred_out_dir``."""
        if pred_out_dir:
            for index, pred in enumerate(preds):
                self._dump(pred, osp.join(pred_out_dir, f'{_input_name(pred, index)}.json'))
        if return_datasamples:
            preds = [
                InstanceData(masks=p['masks'], scores=p['scores'], bboxes=p['bboxes'])
                for p in preds
            ]
        return dict(predictions=preds, visualization=visualization)

    @staticmethod
    def _dump(pred: dict, path: str) -> None:
        """Write one image's masks (COCO RLE), scores and boxes as JSON."""
        os.makedirs(osp.dirname(path), exist_ok=True)
        rles = mask_to_rle(torch.from_numpy(pred['masks']))
        record = dict(
            img_path=pred.get('img_path'),
            masks=[coco_encode_rle(rle) for rle in rles],
            scores=pred['scores'].tolist(),
            bboxes=pred['bboxes'].tolist(),
        )
        with open(path, 'w') as f:
            json.dump(record, f)
