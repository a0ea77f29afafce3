"""Convert Meta's SAM 2 / 2.1 checkpoint (.pt) to an mmsam2 checkpoint.

Usage:
    python tools/model_converters/sam2_to_mmsam2.py sam2.1_hiera_tiny.pt \
        sam2.1_hiera-t_mmsam2.pth [--config configs/sam2.1/sam2.1_hiera-t.py]

With ``--config`` the converted weights are loaded into that model first, so
a checkpoint that does not fit the config is reported before anything is
written.
"""

import argparse
import os
import os.path as osp

import torch

from mmsam2.utils.checkpoint import (
    CheckpointError,
    convert_meta_sam2_state_dict,
    is_meta_sam2_state_dict,
    load_checkpoint_file,
    unwrap_state_dict,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="Meta's checkpoint (.pt)")
    parser.add_argument('dst', help='output mmsam2 checkpoint (.pth)')
    parser.add_argument('--config', help='verify the result against this config')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='also open a file that needs arbitrary unpickling (it can run code: only for '
        'files you trust); the output holds tensors only and loads safely',
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        checkpoint = load_checkpoint_file(args.src, trust=args.trust_checkpoint)
    except CheckpointError as err:
        raise SystemExit(f'error: {err}') from None
    state_dict = unwrap_state_dict(checkpoint)
    if not is_meta_sam2_state_dict(state_dict):
        raise SystemExit(
            f'{args.src} is not a Meta SAM 2 checkpoint (no image_encoder.trunk.* keys)'
        )
    converted = convert_meta_sam2_state_dict(state_dict)
    if args.config:
        from mmsam2.apis import init_model

        model = init_model(args.config)
        model.load_state_dict(converted, strict=True)
        print(f'verified against {args.config}')
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(
        dict(state_dict=converted, meta=dict(converted_from=osp.basename(args.src))), args.dst
    )
    print(f'wrote {len(converted)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
