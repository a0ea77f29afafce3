"""Keep the outputs of two test runs apart: clear what an earlier run left, before testing."""

import fnmatch
import os
import os.path as osp
import shutil
from typing import List, Sequence

from mmengine.dist import barrier, get_rank
from mmengine.hooks import Hook

from mmsam2.registry import HOOKS

RESULT_FILE_PATTERNS = (
    'global_results-*.csv',
    'per-sequence_results-*.csv',
    'results.csv',
    'vos_results_*.json',
    '*_submission.zip',
)
"""Result files the VOS metrics write into their ``out_dir`` (see ``evaluation/metrics``)."""

OUTPUT_MARKER = '.mmsam2_test_outputs'
"""File a test run leaves in each output folder it owns: only such folders (or
empty ones) are ever removed, never a folder of the user's."""


def _clearable_folder(folder: str) -> bool:
    """Whether ``folder`` may be removed: absent, empty, or marked as a test run's."""
    if not osp.lexists(folder):
        return True
    if not osp.isdir(folder):
        return False
    return not os.listdir(folder) or osp.isfile(osp.join(folder, OUTPUT_MARKER))


def _is_within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (absolute, normalised paths)."""
    path, folder = osp.realpath(path), osp.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_clearable(folders: Sequence[str], protected: Sequence[str]) -> None:
    """Raise if clearing one of ``folders`` would delete a protected path.

    A folder that exists, is not empty and has no :data:`OUTPUT_MARKER` is the
    user's: it is never cleared.

    Args:
        folders (Sequence[str]): Output folders a test run empties first.
        protected (Sequence[str]): Paths that must survive: the work dir, the
            config, the checkpoint, the data roots.
    """
    for folder in folders:
        if not _clearable_folder(folder):
            raise ValueError(
                f'the test output folder {folder} already exists and holds files that no '
                f'mmsam2 test run wrote (it has no {OUTPUT_MARKER}); a test run empties its '
                'output folders first, so give the predictions (model.test_cfg.output_dir) '
                'and overlays (--show-dir) a new or empty folder, or remove it yourself'
            )
        for path in protected:
            if path and _is_within(path, folder):
                raise ValueError(
                    f'the test output folder {folder} would be cleared before the run, but it '
                    f'holds {path}: give predictions and overlays (--show-dir) a folder of '
                    'their own'
                )


def clear_test_outputs(folders: Sequence[str], result_dirs: Sequence[str]) -> List[str]:
    """Delete what an earlier test run left where this one writes.

    Only folders an earlier test run marked (:data:`OUTPUT_MARKER`) or empty
    ones are removed; each is created again with the marker.

    Args:
        folders (Sequence[str]): Folders of this run's predictions and
            overlays: removed whole.
        result_dirs (Sequence[str]): Folders of the metrics' result files:
            the files matching :data:`RESULT_FILE_PATTERNS` are removed.

    Returns:
        List[str]: The removed paths.
    """
    check_clearable(folders, ())
    removed = []
    for folder in folders:
        if osp.isdir(folder):
            if set(os.listdir(folder)) - {OUTPUT_MARKER}:
                removed.append(folder + os.sep)
            shutil.rmtree(folder)
        os.makedirs(folder)
        open(osp.join(folder, OUTPUT_MARKER), 'w').close()
    for folder in result_dirs:
        if not osp.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = osp.join(folder, name)
            if osp.isfile(path) and any(fnmatch.fnmatch(name, p) for p in RESULT_FILE_PATTERNS):
                os.remove(path)
                removed.append(path)
    return removed


@HOOKS.register_module()
class ClearTestOutputsHook(Hook):
    """Start every test run with empty output places, so two runs never mix.

    ``tools/test.py`` writes predictions, overlay videos and the metrics'
    CSV / JSON files to fixed places in the work dir. Without this hook a
    second run into the same work dir overwrites some files and leaves those
    of videos or benchmarks it did not run beside them. Before testing (after
    the model is built), rank 0 removes the prediction and overlay folders
    and the result files (:data:`RESULT_FILE_PATTERNS`) of the metrics'
    output folders, and logs what it removed; every rank waits for it.
    ``configure_test_run`` adds this hook.

    Args:
        folders (Sequence[str]): Prediction and overlay folders (removed whole).
        result_dirs (Sequence[str]): Folders of the metrics' result files.
    """

    priority = 'VERY_HIGH'

    def __init__(self, folders: Sequence[str] = (), result_dirs: Sequence[str] = ()) -> None:
        self.folders = list(folders)
        self.result_dirs = list(result_dirs)

    def before_test(self, runner) -> None:
        """Clear the outputs of earlier runs (rank 0) and log it."""
        if get_rank() == 0:
            removed = clear_test_outputs(self.folders, self.result_dirs)
            places = ', '.join(self.folders + [f'result files in {d}' for d in self.result_dirs])
            if removed:
                shown = ', '.join(removed[:10]) + (' ...' if len(removed) > 10 else '')
                runner.logger.info(
                    f'test outputs: removed {len(removed)} output(s) of an earlier run so that '
                    f'runs do not mix: {shown}. This run writes to: {places}'
                )
            else:
                runner.logger.info(f'test outputs (no earlier run there): {places}')
        barrier()
