"""Leaderboard: gather the ``vos_results_<benchmark>.json`` of many runs into tables.

One table per benchmark, rows sorted by J&F (best first), columns model,
config, J, F, J&F (percent), FPS and parameters (millions). See
:mod:`mmsam2.evaluation.functional.result_files` for the JSON format.
"""

import csv
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from .functional.result_files import list_result_files

#: Columns of a leaderboard table: (header, JSON field).
COLUMNS = (
    ('model', 'model'),
    ('config', 'config'),
    ('J', 'J'),
    ('F', 'F'),
    ('J&F', 'JF'),
    ('FPS', 'fps'),
    ('Params (M)', 'params'),
)


def load_results(paths: Sequence[str]) -> List[Dict[str, object]]:
    """Read the result files found in (or given as) ``paths``.

    Args:
        paths (Sequence[str]): Work dirs, searched recursively, or JSON files.

    Returns:
        List[Dict[str, object]]: One record per file; a missing ``model`` is
        the name of the folder holding the file.
    """
    files = []
    for path in paths:
        files += [path] if osp.isfile(path) else list_result_files(path)
    records = []
    for file in files:
        with open(file) as f:
            record = json.load(f)
        record['model'] = record.get('model') or osp.basename(osp.dirname(osp.abspath(file)))
        records.append(record)
    return records


def _sort_key(record: Dict[str, object]) -> float:
    jf = record.get('JF')
    return -jf if isinstance(jf, (int, float)) and not math.isnan(jf) else math.inf


def group_by_benchmark(records: Sequence[Dict[str, object]]) -> Dict[str, List[Dict[str, object]]]:
    """Records per benchmark (sorted by name), each list sorted by J&F, best first.

    Args:
        records (Sequence[Dict[str, object]]): Result records.

    Returns:
        Dict[str, List[Dict[str, object]]]: ``benchmark -> records``.
    """
    groups: Dict[str, List[Dict[str, object]]] = {}
    for record in records:
        groups.setdefault(str(record['benchmark']), []).append(record)
    return {b: sorted(groups[b], key=_sort_key) for b in sorted(groups)}


def _cell(value: object) -> str:
    """Numbers with one decimal, missing values as '-'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    if isinstance(value, (int, float)):
        return f'{value:.1f}'
    return str(value)


def to_markdown(groups: Dict[str, List[Dict[str, object]]]) -> str:
    """Markdown tables, one section per benchmark.

    Args:
        groups (Dict[str, List[Dict[str, object]]]): From :func:`group_by_benchmark`.

    Returns:
        str: The markdown text.
    """
    lines = ['# VOS leaderboard', '']
    for benchmark, records in groups.items():
        lines += [f'## {benchmark}', '']
        lines.append('| ' + ' | '.join(h for h, _ in COLUMNS) + ' |')
        lines.append('|' + '|'.join('---' for _ in COLUMNS) + '|')
        for r in records:
            lines.append('| ' + ' | '.join(_cell(r.get(k)) for _, k in COLUMNS) + ' |')
        lines.append('')
    return '\n'.join(lines)


def write_leaderboard_csv(groups: Dict[str, List[Dict[str, object]]], path: str) -> None:
    """One CSV for all benchmarks: a ``benchmark`` column, then :data:`COLUMNS`.

    Args:
        groups (Dict[str, List[Dict[str, object]]]): From :func:`group_by_benchmark`.
        path (str): Output file.
    """
    with open(path, 'w', newline='') as file:
        writer = csv.writer(file, lineterminator='\n')
        writer.writerow(['benchmark'] + [h for h, _ in COLUMNS])
        for benchmark, records in groups.items():
            for r in records:
                values = [r.get(k) for _, k in COLUMNS]
                writer.writerow([benchmark] + ['' if v is None else v for v in values])


def build_leaderboard(paths: Sequence[str], out: str, csv_path: Optional[str] = None) -> str:
    """Collect result files and write the markdown (and CSV) leaderboard.

    Args:
        paths (Sequence[str]): Work dirs or result files.
        out (str): Markdown output file.
        csv_path (str, optional): CSV output file. Defaults to None.

    Returns:
        str: The markdown text.
    """
    groups = group_by_benchmark(load_results(paths))
    text = to_markdown(groups)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as file:
        file.write(text)
    if csv_path is not None:
        write_leaderboard_csv(groups, csv_path)
    return text
