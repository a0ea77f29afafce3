"""Segment one image with SAM 2 from clicks, boxes or automatically; write an overlay.

Usage:
    python demo/image_demo.py IMAGE CONFIG [--checkpoint CKPT]
        (--points x,y[,x,y...] --labels 1[,0...] | --box x0,y0,x1,y1 [...] | --auto)
        --out out.png [--device cpu] [--cfg-options key=value ...]

Clicks and boxes may be combined (one object); several ``--box`` values give
one object each. CKPT may be an mmsam2 checkpoint or one of Meta's ``.pt`` files.
"""

import argparse
from typing import List

import numpy as np
from mmengine.config import DictAction

from mmsam2.apis import SAM2Inferencer
from mmsam2.utils import write_rgb_image


def _numbers(text: str) -> List[float]:
    """'1,2,3' -> [1.0, 2.0, 3.0] (argparse type)."""
    try:
        return [float(v) for v in text.split(',')]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f'expected comma-separated numbers, got {text!r}') from err


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='SAM 2 image demo')
    parser.add_argument('image', help='input image file')
    parser.add_argument('config', help='model config file')
    parser.add_argument('--checkpoint', help='checkpoint (mmsam2 or Meta .pt); random if absent')
    parser.add_argument('--points', type=_numbers, help='clicks x0,y0,x1,y1,... in pixels')
    parser.add_argument('--labels', type=_numbers, help='click labels 1 (object), 0 (background)')
    parser.add_argument('--box', type=_numbers, nargs='+', help='box(es) x0,y0,x1,y1 in pixels')
    parser.add_argument('--auto', action='store_true', help='segment everything')
    parser.add_argument('--out', required=True, help='output overlay image (e.g. out.png)')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.image_size=512',
    )
    args = parser.parse_args()
    if args.auto == (args.points is not None or args.box is not None):
        parser.error('give --points/--labels and/or --box, or --auto')
    if (args.points is None) != (args.labels is None):
        parser.error('--points and --labels go together')
    if args.points is not None and len(args.points) != 2 * len(args.labels):
        parser.error(f'{len(args.points)} point coordinates for {len(args.labels)} labels')
    if args.box is not None and any(len(b) != 4 for b in args.box):
        parser.error('each --box needs 4 numbers x0,y0,x1,y1')
    return args


def main() -> None:
    args = parse_args()
    inferencer = SAM2Inferencer(
        args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options
    )
    prompts = {}
    if args.points is not None:
        prompts['points'] = np.reshape(args.points, (-1, 2))
        prompts['labels'] = np.asarray(args.labels, dtype=np.int64)
    if args.box is not None:
        prompts['boxes'] = np.asarray(args.box[0] if len(args.box) == 1 else args.box)
    result = inferencer(args.image, mode='auto' if args.auto else 'prompt', **prompts)
    write_rgb_image(result['visualization'][0], args.out)
    print(f'{len(result["predictions"][0]["masks"])} mask(s) drawn to {args.out}')


if __name__ == '__main__':
    main()
