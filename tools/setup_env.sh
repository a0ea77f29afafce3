#!/usr/bin/env bash
# Set up everything mmsam2 needs on a fresh machine, idempotently.
#
#   bash tools/setup_env.sh            # runtime + tests
#
# - installs torch only if it is missing (TORCH_SPEC, default torch==2.13.0);
# - builds mmcv (with ops, needed by mmdet) once and caches the wheel under
#   ${MMSAM2_CACHE:-~/.cache/mmsam2}/wheels, so later runs reuse it;
# - installs mmdet 3.3.0, the runtime/test requirements and mmsam2 (editable).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python}"
PIP=("$PY" -m pip install --disable-pip-version-check -q)
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
MMCV_VERSION="${MMCV_VERSION:-2.1.0}"
CACHE="${MMSAM2_CACHE:-$HOME/.cache/mmsam2}"
WHEELS="$CACHE/wheels"
mkdir -p "$WHEELS"

log() { printf '[setup_env] %s\n' "$*"; }

if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
  log "installing $TORCH_SPEC"
  "${PIP[@]}" "$TORCH_SPEC"
else
  log "torch $("$PY" -c 'import torch; print(torch.__version__)') already installed"
fi

# Build tools: mmcv's setup.py needs pkg_resources (setuptools<70).
"${PIP[@]}" -r "$ROOT/requirements/build.txt"
"${PIP[@]}" -r "$ROOT/requirements/runtime.txt"

have_mmcv_ops() {
  "$PY" - <<PYEOF >/dev/null 2>&1
import mmcv, mmcv.ops
assert mmcv.__version__ == '$MMCV_VERSION'
PYEOF
}

if have_mmcv_ops; then
  log "mmcv $MMCV_VERSION with ops already installed"
else
  torch_tag="$("$PY" -c 'import torch, sys; print("torch" + torch.__version__.replace("+", "_") + "-py" + "".join(map(str, sys.version_info[:2])))')"
  wheel_dir="$WHEELS/$torch_tag"
  mkdir -p "$wheel_dir"
  wheel="$(ls "$wheel_dir"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n 1 || true)"
  if [ -z "$wheel" ]; then
    log "building mmcv $MMCV_VERSION with ops (about 25 min on 2 cores, cached afterwards in $wheel_dir)"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" "$PY" -m pip wheel -q --no-build-isolation --no-deps \
      "mmcv==$MMCV_VERSION" -w "$wheel_dir"
    wheel="$(ls "$wheel_dir"/mmcv-"$MMCV_VERSION"-*.whl | head -n 1)"
  fi
  log "installing cached $wheel"
  "${PIP[@]}" --force-reinstall --no-deps "$wheel"
  "${PIP[@]}" addict yapf packaging
fi

if ! "$PY" -c 'import mmdet; assert mmdet.__version__ == "3.3.0"' >/dev/null 2>&1; then
  log "installing mmdet 3.3.0"
  "${PIP[@]}" "mmdet==3.3.0" shapely terminaltables
fi

"${PIP[@]}" -r "$ROOT/requirements/optional.txt" -r "$ROOT/requirements/tests.txt"
"${PIP[@]}" --no-deps -r "$ROOT/requirements/tests_nodeps.txt"

# Meta's reference implementation, used only by the parity tests. Its sdist
# would pull a CUDA torch into an isolated build, so build it in place without
# its CUDA extension and without dependencies (it needs no more than above).
if ! "$PY" -c 'import importlib.util as u; assert u.find_spec("sam2")' >/dev/null 2>&1; then
  log "installing Meta's sam2==1.1.0 (reference for parity tests)"
  SAM2_BUILD_CUDA=0 "${PIP[@]}" --no-deps --no-build-isolation "sam2==1.1.0"
fi
"${PIP[@]}" --no-build-isolation --no-deps -e "$ROOT"
log "done"
