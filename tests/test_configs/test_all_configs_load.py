"""Every config of configs/ and projects/ loads, and its model builds from it."""

import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmsam2.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p
    for pattern in ('configs/**/*.py', 'projects/*/configs/**/*.py')
    for p in glob.glob(osp.join(ROOT, pattern), recursive=True)
    if '_base_' not in p.split(osp.sep)
)
#: What the VOS test configs must write for their benchmark's evaluator.
OUTPUT_FORMAT = {'sa-v': 'sav'}


def _name(path: str) -> str:
    return osp.relpath(path, ROOT)


def test_configs_found() -> None:
    assert len(CONFIGS) > 60


@pytest.mark.parametrize('path', CONFIGS, ids=_name)
def test_config_loads(path: str) -> None:
    cfg = Config.fromfile(path)
    assert 'model' in cfg, f'{_name(path)} defines no model'
    if '_vos_' in osp.basename(path):
        bench = osp.basename(path).rsplit('_vos_', 1)[1]
        expected = next((f for key, f in OUTPUT_FORMAT.items() if bench.startswith(key)), 'davis')
        assert cfg.model.get('test_cfg', {}).get('output_format', 'davis') == expected


@pytest.mark.parametrize(
    'path', [p for p in CONFIGS if '_vos_' in osp.basename(p) and 'hiera-t' in p], ids=_name
)
def test_vos_config_model_builds(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(ROOT)  # projects are imported through custom_imports
    cfg = Config.fromfile(path)
    if cfg.get('custom_imports'):
        from mmengine.utils import import_modules_from_strings

        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope('mmsam2')
    cfg.model.image_size = 64
    model = MODELS.build(cfg.model)
    assert model.image_size == 64
