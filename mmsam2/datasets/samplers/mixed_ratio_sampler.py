"""Draw from the datasets of a ConcatDataset with given probabilities."""

import math
from typing import Iterator, List, Optional, Sequence

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import ConcatDataset, Sampler

from mmsam2.registry import DATA_SAMPLERS


def check_ratios(ratios: Sequence[float], sizes: Sequence[int]) -> torch.Tensor:
    """Check mixing ratios against the sub-datasets and normalise them.

    Args:
        ratios (Sequence[float]): One non-negative weight per sub-dataset.
        sizes (Sequence[int]): The sub-datasets' lengths.

    Returns:
        torch.Tensor: (D, ) float64 probabilities summing to 1.
    """
    if len(ratios) != len(sizes):
        raise ValueError(f'{len(ratios)} ratios for {len(sizes)} datasets')
    weights = torch.tensor([float(r) for r in ratios], dtype=torch.float64)
    if (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f'ratios must be non-negative with a positive sum, got {list(ratios)}')
    empty = [i for i, (w, n) in enumerate(zip(weights.tolist(), sizes)) if w > 0 and n == 0]
    if empty:
        raise ValueError(f'datasets {empty} are empty but have a positive ratio')
    return weights / weights.sum()


@DATA_SAMPLERS.register_module()
class MixedRatioSampler(Sampler):
    """Mix the datasets of a ``ConcatDataset`` with given probabilities.

    Each draw picks sub-dataset ``d`` with probability ``ratios[d] /
    sum(ratios)``, then the next index of ``d``'s own order: a random
    permutation (``shuffle``) or ``0, 1, ...``, started again when it runs
    out, so a sub-dataset repeats only after all its items were drawn. The
    indices of an epoch depend only on ``seed + epoch`` (mmengine's
    ``DistSamplerSeedHook`` calls :meth:`set_epoch`), so a resumed run gets
    the same order as an uninterrupted one. In distributed training the
    global sequence is split between ranks like mmengine's
    ``DefaultSampler`` (rank r takes draws r, r + world_size, ...).

    Clips of image datasets have one frame and clips of video datasets T, so
    a batch of more than one clip per GPU may mix shapes: use
    ``batch_size=1`` when mixing them (Meta trains with one clip per GPU).

    Args:
        dataset (ConcatDataset): mmengine's (or torch's) ``ConcatDataset``.
        ratios (Sequence[float]): One non-negative weight per sub-dataset
            (normalised to probabilities).
        num_samples (int, optional): Draws per epoch, over all ranks.
            Defaults to None (``len(dataset)``).
        shuffle (bool): Permute each sub-dataset; with False it is read in
            order (the choice of sub-dataset stays random). Defaults to True.
        seed (int, optional): Random seed, the same on every rank. Defaults
            to None (a seed shared by the ranks is drawn).
    """

    def __init__(
        self,
        dataset: ConcatDataset,
        ratios: Sequence[float],
        num_samples: Optional[int] = None,
        shuffle: bool = True,
        seed: Optional[int] = None,
    ) -> None:
        if not isinstance(dataset, ConcatDataset):
            raise TypeError(
                f'MixedRatioSampler needs a ConcatDataset, got {type(dataset).__name__}'
            )
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.sizes = [len(sub_dataset) for sub_dataset in dataset.datasets]
        self.offsets = [sum(self.sizes[:d]) for d in range(len(self.sizes))]
        self.probs = check_ratios(ratios, self.sizes)
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        epoch_length = len(dataset) if num_samples is None else num_samples
        self.num_samples = math.ceil(epoch_length / self.world_size)
        self.total_size = self.num_samples * self.world_size

    def _order(self, size: int, count: int, generator: torch.Generator) -> torch.Tensor:
        """The first ``count`` indices of a sub-dataset's order for this epoch.

        Args:
            size (int): The sub-dataset's length.
            count (int): Indices needed.
            generator (torch.Generator): The epoch's generator.

        Returns:
            torch.Tensor: (count, ) local indices.
        """
        passes = max(1, math.ceil(count / size))
        if self.shuffle:
            order = torch.cat([torch.randperm(size, generator=generator) for _ in range(passes)])
        else:
            order = torch.arange(size).repeat(passes)
        return order[:count]

    def global_indices(self) -> List[int]:
        """All draws of the current epoch, for every rank.

        Returns:
            List[int]: ``total_size`` indices into the ``ConcatDataset``.
        """
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        choices = torch.multinomial(self.probs, self.total_size, True, generator=generator)
        indices = torch.empty(self.total_size, dtype=torch.long)
        for d, (offset, size) in enumerate(zip(self.offsets, self.sizes)):
            where = (choices == d).nonzero().flatten()
            if len(where):
                indices[where] = offset + self._order(size, len(where), generator)
        return indices.tolist()

    def __iter__(self) -> Iterator[int]:
        """Iterate over this rank's indices of the current epoch."""
        return iter(self.global_indices()[self.rank :: self.world_size])

    def __len__(self) -> int:
        """Number of indices per rank and epoch."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which selects the epoch's draws.

        Args:
            epoch (int): Epoch number.
        """
        self.epoch = epoch
