"""The quick start's recipe (``tools/quickstart.sh``), shortened: does the tiny model still learn?

Issue #17 reported J&F 36.6 at db99057 and 24.5 at a994c99 for the full
2,000-iteration quick start. The bisect found no change in the data, the
training or the scoring: the training of every commit in between is bitwise
the same except for float32 rounding (``LayerNorm2d`` through
``F.layer_norm``) and the gradient at tied maxima of Hiera's pooling
(55ffa9a), and a single run's J&F is chaotic in such perturbations: with the
same code, 1 instead of 2 torch threads turns 36.6 into 27.4 (db99057) and
24.5 into 35.9 (a994c99); seeds 123, 1 and 2 of one commit give 22 to 35
(docs/training.md). So no J&F range can separate "regressed" from "lucky"
with one run; what a test can check is

* that training is unchanged where it is not yet chaotic: the loss of the
  first 100 iterations (rounding changes move it by less than 1e-3 there;
  a change of data, augmentation, prompts, model or loss moves it more);
* that the model learns and is scored as before: J&F of the shortened run
  well above the untrained model's 8.1 and within the range seen over
  rounding perturbations and seeds.

One run: the quick start's data (48 videos, 8 held out, 24 frames), the first
1,000 of its 2,000 iterations with 2 torch threads (the quick start on a 2-core
machine), ``tools/test.py`` on the held-out videos: about 4 minutes on 2
cores (4 min 10 s on a shared 2-core machine).
"""

import csv
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from training_helpers import ROOT, TINY_TRAIN_CONFIG, logged_losses, run_command

from mmsam2.datasets import generate_synthetic_vos
from mmsam2.models.backbones.hiera import max_pool_tokens

TEST_CONFIG = osp.join(
    ROOT, 'configs', 'sam2.1_tiny-cpu', 'sam2.1_hiera-t-tiny_vos_synthetic-val.py'
)
ITERS = 1000

# Logged training loss (mean over the logging window) of the quick start's first
# iterations: db99057, a994c99 and after, 1 or 2 threads, differ by at most 1.4e-4
# (relative) there; seed 1 instead of 123 differs by 15 % at iteration 20.
EARLY_LOSSES = {
    10: 582.5342,
    20: 356.5741,
    30: 245.0733,
    40: 186.8950,
    50: 152.1838,
    100: 9.336,
}
EARLY_LOSS_RTOL = 2e-3

# J&F (percent) after 1,000 iterations, measured in the bisect (9 runs: db99057,
# a994c99 and after, 1 or 2 threads, seeds 123, 1 and 2): 20.8 to 38.3, mean 28;
# this run (seed 123, 2 threads) 26.9. Untrained: 8.1. After 500 iterations it is
# 12.1 to 32.6, too close to untrained for a bound.
JF_RANGE = (15.0, 50.0)


def _jf(results_csv: str) -> float:
    with open(results_csv) as file:
        row = next(csv.DictReader(file))
    return 100 * float(row['J&F-Mean'])


@pytest.mark.slow
def test_shortened_quickstart_learns(tmp_path) -> None:
    data = str(tmp_path / 'synthetic_vos')
    work = str(tmp_path / 'quickstart')
    generate_synthetic_vos(data, 'davis', num_videos=48, num_val_videos=8, num_frames=24)
    # 2 threads as on the documented machine; passive waiting keeps 2 threads fast on
    # a busy CI machine and does not change the arithmetic.
    threads = dict(OMP_NUM_THREADS='2', OMP_WAIT_POLICY='PASSIVE')

    train = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), TINY_TRAIN_CONFIG]
    train += [
        '--work-dir',
        work,
        '--cfg-options',
        f'train_dataloader.dataset.dataset.data_root={data}',
    ]
    train += [f'train_cfg.max_iters={ITERS}']
    code, output = run_command(train, timeout=None, cwd=ROOT, **threads)
    assert code == 0, output[-3000:]

    losses = logged_losses(work)
    for step, expected in EARLY_LOSSES.items():
        assert losses[step] == pytest.approx(expected, rel=EARLY_LOSS_RTOL), (
            f'loss at iteration {step}: {losses[step]:.4f}, the quick start had {expected}: '
            'the data, augmentation, prompts, model or loss changed'
        )

    with open(osp.join(work, 'last_checkpoint')) as file:
        checkpoint = file.read().strip()
    test = [sys.executable, osp.join(ROOT, 'tools', 'test.py'), TEST_CONFIG, checkpoint]
    test += ['--work-dir', osp.join(work, 'test')]
    test += ['--cfg-options', f'test_dataloader.dataset.data_root={data}']
    code, output = run_command(test, timeout=None, cwd=ROOT, **threads)
    assert code == 0, output[-3000:]

    jf = _jf(osp.join(work, 'test', 'global_results-val.csv'))
    low, high = JF_RANGE
    assert low <= jf <= high, (
        f'J&F {jf:.1f} after {ITERS} iterations of the quick start, expected {low} to {high}'
    )


def test_hiera_pooling_gradient_at_ties_is_metas() -> None:
    """Training pools like Meta's ``nn.MaxPool2d``: a window's gradient goes to one of
    tied maxima (55ffa9a's strided maxima shared it, which the parity tests' random
    inputs never tie; flat regions of the synthetic images do)."""
    x = torch.zeros(2, 4, 6, 3)
    x[:, :2, :2] = torch.randn(2, 2, 2, 3)  # one window without ties
    grad_out = torch.randn(2, 2, 3, 3)
    ours = x.clone().requires_grad_()
    (max_pool_tokens(ours, (2, 2)) * grad_out).sum().backward()
    meta = x.clone().requires_grad_()
    pooled = F.max_pool2d(meta.permute(0, 3, 1, 2), kernel_size=2, stride=2)
    (pooled.permute(0, 2, 3, 1) * grad_out).sum().backward()
    assert torch.equal(ours.grad, meta.grad)
    with torch.no_grad():  # inference keeps the strided maxima: the same values
        assert torch.equal(max_pool_tokens(x, (2, 2)), pooled.permute(0, 2, 3, 1))
