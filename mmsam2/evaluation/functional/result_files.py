"""Result files: the DAVIS and SA-V tools' CSV tables and the leaderboard JSON.

* DAVIS: ``global_results-<set>.csv`` (columns ``J&F-Mean, J-Mean, J-Recall,
  J-Decay, F-Mean, F-Recall, F-Decay`` and, with a seen / unseen split,
  ``J_seen, F_seen, J_unseen, F_unseen, overall``) and
  ``per-sequence_results-<set>.csv`` (``Sequence, J-Mean, F-Mean``), floats
  written ``%.3f`` and NaN as an empty field, as the official tool does.
* SA-V: ``results.csv`` in the layout of sam2's ``sav_evaluator.py``: a header,
  a ``Global score`` line and one line per object, values ``%.1f``.
* ``vos_results_<benchmark>.json``, read by ``tools/analysis_tools/leaderboard.py``::

      {"benchmark": "davis2017-val", "protocol": "davis", "model": "...",
       "config": "...", "J": 85.1, "F": 89.2, "JF": 87.2, "fps": 20.5,
       "params": 38.9, "num_videos": 30, "num_objects": 59,
       "per_sequence": "per-sequence_results-val.csv", "metrics": {...}}

  ``J``, ``F`` and ``JF`` are percentages for every protocol (with a seen /
  unseen split: the means of the two groups, and ``JF`` is ``overall``);
  ``fps`` (frames per second) and ``params`` (millions) may be null;
  ``per_sequence`` is relative to the JSON file; ``metrics`` holds every
  metric in the protocol's own scale.
"""

import csv
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from .summary import DAVIS_SEQUENCE_COLUMNS

RESULT_FILE_PREFIX = 'vos_results_'


def _format(value: object, float_format: str) -> object:
    """Format floats like pandas' ``to_csv(float_format=...)``: NaN becomes empty."""
    if isinstance(value, float):
        return '' if math.isnan(value) else float_format % value
    return value


def write_csv(
    path: str, columns: Sequence[str], rows: Sequence[Dict[str, object]], float_format: str
) -> None:
    """Write rows as a CSV file with a header line.

    Args:
        path (str): Output file.
        columns (Sequence[str]): Column names, in order.
        rows (Sequence[Dict[str, object]]): One dict per row.
        float_format (str): %-format of floats, e.g. '%.3f'.
    """
    with open(path, 'w', newline='') as file:
        writer = csv.writer(file, lineterminator='\n')
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_format(row[c], float_format) for c in columns])


def davis_csv_paths(out_dir: str, set_name: str) -> Dict[str, str]:
    """Paths of the DAVIS tool's two CSV files.

    Args:
        out_dir (str): Output folder.
        set_name (str): Subset name, e.g. 'val'.

    Returns:
        Dict[str, str]: ``global`` and ``per_sequence`` paths.
    """
    return {
        'global': osp.join(out_dir, f'global_results-{set_name}.csv'),
        'per_sequence': osp.join(out_dir, f'per-sequence_results-{set_name}.csv'),
    }


def write_davis_csvs(
    out_dir: str,
    metrics: Dict[str, float],
    rows: Sequence[Dict[str, object]],
    set_name: str = 'val',
    float_format: str = '%.3f',
) -> Dict[str, str]:
    """Write ``global_results-<set>.csv`` and ``per-sequence_results-<set>.csv``.

    Args:
        out_dir (str): Output folder (created if missing).
        metrics (Dict[str, float]): Global metrics from
            :func:`~.summary.davis_summary`; every key becomes a column.
        rows (Sequence[Dict[str, object]]): Per-object rows from
            :func:`~.summary.davis_summary`.
        set_name (str): Subset name in the file names. Defaults to 'val'.
        float_format (str): %-format of the values. Defaults to '%.3f' (the
            official tool's).

    Returns:
        Dict[str, str]: ``global`` and ``per_sequence`` paths.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = davis_csv_paths(out_dir, set_name)
    write_csv(paths['global'], list(metrics), [metrics], float_format)
    write_csv(paths['per_sequence'], DAVIS_SEQUENCE_COLUMNS, rows, float_format)
    return paths


def write_sav_csv(
    out_dir: str, metrics: Dict[str, float], rows: Sequence[Dict[str, object]]
) -> str:
    """Write ``results.csv`` in the layout of the SA-V evaluator.

    Args:
        out_dir (str): Output folder (created if missing).
        metrics (Dict[str, float]): Global metrics from
            :func:`~.summary.sav_summary`.
        rows (Sequence[Dict[str, object]]): Per-object rows from
            :func:`~.summary.sav_summary`.

    Returns:
        str: The file path.
    """
    os.makedirs(out_dir, exist_ok=True)
    width = max([len(r['sequence']) for r in rows] + [len('Global score')])
    lines = [
        f'{"sequence":<{width}},{"obj":>3}, {"J&F":>4}, {"J":>4}, {"F":>4}',
        f'{"Global score":<{width}},{"":>3}, {metrics["J&F-Mean"]:.1f}, '
        f'{metrics["J-Mean"]:.1f}, {metrics["F-Mean"]:.1f}',
    ]
    for r in rows:
        obj = str(r['obj']).zfill(3)
        lines.append(
            f'{r["sequence"]:<{width}},{obj}, {r["J&F"]:>4.1f}, {r["J"]:>4.1f}, {r["F"]:>4.1f}'
        )
    path = osp.join(out_dir, 'results.csv')
    with open(path, 'w') as file:
        file.write('\n'.join(lines) + '\n')
    return path


def headline(metrics: Dict[str, float], scale: float) -> Dict[str, float]:
    """J, F and JF in percent, from a protocol's metrics.

    Args:
        metrics (Dict[str, float]): Global metrics of a summary.
        scale (float): Factor to percent: 100 for DAVIS, 1 for SA-V.

    Returns:
        Dict[str, float]: ``J``, ``F``, ``JF``; with a seen / unseen split the
        means of the two groups and ``overall``.
    """
    if 'overall' in metrics:
        j = (metrics['J_seen'] + metrics['J_unseen']) / 2
        f = (metrics['F_seen'] + metrics['F_unseen']) / 2
        jf = metrics['overall']
    else:
        j, f, jf = metrics['J-Mean'], metrics['F-Mean'], metrics['J&F-Mean']
    return {'J': j * scale, 'F': f * scale, 'JF': jf * scale}


def write_result_json(
    out_dir: str,
    benchmark: str,
    protocol: str,
    metrics: Dict[str, float],
    scale: float,
    num_videos: int,
    num_objects: int,
    per_sequence: Optional[str] = None,
    model: Optional[str] = None,
    config: Optional[str] = None,
    fps: Optional[float] = None,
    params: Optional[float] = None,
) -> str:
    """Write ``<out_dir>/vos_results_<benchmark>.json`` for the leaderboard.

    Args:
        out_dir (str): Output folder (created if missing).
        benchmark (str): Benchmark name, e.g. 'davis2017-val'.
        protocol (str): 'davis' or 'sav'.
        metrics (Dict[str, float]): Global metrics of the protocol's summary.
        scale (float): Factor from ``metrics`` to percent.
        num_videos (int): Number of videos evaluated.
        num_objects (int): Number of objects evaluated.
        per_sequence (str, optional): Per-sequence table; stored relative to
            ``out_dir``. Defaults to None.
        model (str, optional): Model name. Defaults to None.
        config (str, optional): Config file. Defaults to None.
        fps (float, optional): Frames per second of inference. Defaults to None.
        params (float, optional): Parameters in millions. Defaults to None.

    Returns:
        str: The file path.
    """
    os.makedirs(out_dir, exist_ok=True)
    record = {
        'benchmark': benchmark,
        'protocol': protocol,
        'model': model,
        'config': config,
        **headline(metrics, scale),
        'fps': fps,
        'params': params,
        'num_videos': num_videos,
        'num_objects': num_objects,
        'per_sequence': osp.relpath(per_sequence, out_dir) if per_sequence else None,
        'metrics': metrics,
    }
    path = osp.join(out_dir, f'{RESULT_FILE_PREFIX}{benchmark}.json')
    with open(path, 'w') as file:
        json.dump(_json_safe(record), file, indent=2)
    return path


def _json_safe(value: object) -> object:
    """Replace NaN floats (not valid JSON) by None, recursively."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def list_result_files(folder: str) -> List[str]:
    """``vos_results_*.json`` files under a folder, recursively, sorted.

    Args:
        folder (str): Folder to search.

    Returns:
        List[str]: File paths.
    """
    found = []
    for root, _, files in os.walk(folder):
        found += [
            osp.join(root, f)
            for f in files
            if f.startswith(RESULT_FILE_PREFIX) and f.endswith('.json')
        ]
    return sorted(found)
