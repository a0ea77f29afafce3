"""Read the training losses mmengine logs and plot them."""

import json
import os.path as osp
from glob import glob
from typing import Dict, List, Sequence, Tuple

Curves = Dict[str, Tuple[List[int], List[float]]]


def find_scalars_file(work_dir: str) -> str:
    """The newest ``vis_data/scalars.json`` of a work dir.

    Args:
        work_dir (str): Training work dir.

    Returns:
        str: Path of the file.
    """
    files = sorted(glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'no */vis_data/scalars.json under {work_dir} (is it a work dir?)')
    return files[-1]


def read_loss_curves(scalars_file: str, keys: Sequence[str] = ()) -> Curves:
    """Losses per iteration from mmengine's ``scalars.json`` (one json per line).

    Args:
        scalars_file (str): The file.
        keys (Sequence[str]): Keys to read. Defaults to () (every key
            containing 'loss').

    Returns:
        Curves: key -> (iterations, values).
    """
    curves: Curves = {}
    with open(scalars_file) as f:
        for line in f:
            record = json.loads(line)
            if 'iter' not in record:
                continue
            for key, value in record.items():
                if (key in keys) if keys else ('loss' in key):
                    iters, values = curves.setdefault(key, ([], []))
                    iters.append(int(record['iter']))
                    values.append(float(value))
    if not curves:
        raise ValueError(f'no loss values in {scalars_file}')
    return curves


def plot_loss_curves(curves: Curves, out_file: str, title: str = 'training loss') -> str:
    """Plot the curves (log scale) into an image file.

    Args:
        curves (Curves): key -> (iterations, values).
        out_file (str): Output image (png, svg, pdf).
        title (str): Plot title. Defaults to 'training loss'.

    Returns:
        str: ``out_file``.
    """
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, (iters, values) in sorted(curves.items()):
        ax.plot(iters, values, label=key, linewidth=1.5 if key == 'loss' else 0.8)
    ax.set_yscale('log')
    ax.set_xlabel('iteration')
    ax.set_ylabel('loss')
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_file, dpi=120)
    plt.close(fig)
    return out_file
