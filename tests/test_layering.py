"""No module imports a higher layer, not even inside a function.

Layers, low to high (docs/architecture.md):

0. ``registry``, ``structures``, ``utils``, ``fileio``, ``version``
1. ``datasets``, ``models``, ``visualization`` (independent of each other)
2. ``inference`` (video sessions on top of a model)
3. ``apis``, ``evaluation``, ``engine``, ``testing``
4. ``tools/``, ``demo/``, ``projects/`` (outside the package)

Every ``import`` statement of every module is read from its source (function
bodies and ``TYPE_CHECKING`` blocks included), so a cycle cannot be hidden by
delaying an import. Tools, demos and projects must not import the test suite.
"""

import ast
import os
import os.path as osp
from typing import Iterator, List, Tuple

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))
LAYERS = {
    'registry': 0,
    'structures': 0,
    'utils': 0,
    'fileio': 0,
    'version': 0,
    'datasets': 1,
    'models': 1,
    'visualization': 1,
    'inference': 2,
    'apis': 3,
    'evaluation': 3,
    'engine': 3,
    'testing': 3,
}
#: Upward imports (and imports between the layer-1 packages) that exist today
#: and are being removed (issue #12); the list may only shrink.
KNOWN_UPWARD = {
    ('mmsam2/models/segmentors/vos_test.py', 'mmsam2.apis.video_predictor'),
    ('mmsam2/models/segmentors/vos_test.py', 'mmsam2.apis.vos_inference'),
    ('mmsam2/models/segmentors/vos_test.py', 'mmsam2.datasets.writers'),
    ('mmsam2/models/segmentors/vos_test.py', 'mmsam2.visualization.video_overlay'),
    ('mmsam2/models/trackers/propagation_session.py', 'mmsam2.apis.video_predictor'),
    ('mmsam2/models/trackers/sam2_detection_tracker.py', 'mmsam2.apis.video_predictor'),
    ('mmsam2/models/trackers/sam2_detection_tracker.py', 'mmsam2.apis.track_writers'),
}


def _python_files(folder: str) -> Iterator[str]:
    for root, _, files in os.walk(osp.join(ROOT, folder)):
        for name in sorted(files):
            if name.endswith('.py'):
                yield osp.relpath(osp.join(root, name), ROOT)


def _imports(path: str) -> Iterator[Tuple[int, str]]:
    """``(line, absolute module)`` of every import in a file."""
    with open(osp.join(ROOT, path)) as file:
        tree = ast.parse(file.read(), path)
    package = osp.dirname(path).replace(os.sep, '.')
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ''
            if node.level:
                base = package.split('.')[: len(package.split('.')) - node.level + 1]
                module = '.'.join(base + ([module] if module else []))
            yield node.lineno, module


def _layer(module: str) -> int:
    parts = module.split('.')
    return LAYERS.get(parts[1], -1) if len(parts) > 1 and parts[0] == 'mmsam2' else -1


def _peer_in_layer_1(path: str, module: str) -> bool:
    """Datasets, models and visualization are independent of each other."""
    own, other = path.split(os.sep)[1], module.split('.')[1] if '.' in module else ''
    return _layer(f'mmsam2.{own}') == 1 == _layer(module) and own != other


def _upward_imports() -> List[Tuple[str, int, str]]:
    found = []
    for path in _python_files('mmsam2'):
        own = _layer(path[:-3].replace(os.sep, '.'))
        for line, module in _imports(path):
            if own >= 0 and (_layer(module) > own or _peer_in_layer_1(path, module)):
                found.append((path, line, module))
    return found


def test_every_package_has_a_layer() -> None:
    packages = {
        name
        for name in os.listdir(osp.join(ROOT, 'mmsam2'))
        if not name.startswith('_') and not name.endswith('.pyc')
    }
    unknown = {osp.splitext(p)[0] for p in packages} - set(LAYERS)
    assert not unknown, f'give these packages a layer in LAYERS: {sorted(unknown)}'


def test_no_upward_imports() -> None:
    found = _upward_imports()
    new = [f'{p}:{line} imports {m}' for p, line, m in found if (p, m) not in KNOWN_UPWARD]
    assert not new, 'imports of a higher layer:\n' + '\n'.join(new)


def test_known_upward_imports_are_still_there() -> None:
    """Once one is removed, drop it from KNOWN_UPWARD so it cannot come back."""
    found = {(p, m) for p, _, m in _upward_imports()}
    gone = KNOWN_UPWARD - found
    assert not gone, f'remove from KNOWN_UPWARD: {sorted(gone)}'


@pytest.mark.parametrize('folder', ['tools', 'demo', 'projects'])
def test_tools_demos_and_projects_do_not_import_the_tests(folder: str) -> None:
    helpers = {osp.splitext(n)[0] for n in os.listdir(osp.join(ROOT, 'tests')) if n.endswith('.py')}
    bad = []
    for path in _python_files(folder):
        for line, module in _imports(path):
            if module.split('.')[0] in helpers | {'tests'}:
                bad.append(f'{path}:{line} imports {module}')
    assert not bad, 'tools must not depend on the test suite:\n' + '\n'.join(bad)
