#!/usr/bin/env bash
# The component leaderboard of docs/leaderboard.md, reproduced on a CPU:
#   generate the synthetic benchmark (and its hard-case variant with distractors)
#   -> train every tiny backbone config from scratch (same data, schedule and seed)
#   -> evaluate each with tools/test.py on the validation videos
#   -> evaluate the memory policies (default, motion-aware, long-video) on the Hiera model
#   -> build the tables with tools/analysis_tools/leaderboard.py.
#
#   bash tools/analysis_tools/synthetic_leaderboard.sh                   # ~1 h 15 min on 2 cores
#   ITERS=50 bash tools/analysis_tools/synthetic_leaderboard.sh          # smoke run
#
# Trainings run with one torch thread each, two at a time (one per core): on a 2-core
# machine that is several times faster than one 2-thread run after the other.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DATA="${DATA:-data/synthetic_vos}"
HARD="${HARD:-data/synthetic_vos_hard}"
WORK="${WORK:-work_dirs/synthetic_leaderboard}"
ITERS="${ITERS:-2000}"
OUT="${OUT:-$WORK/leaderboard.md}"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if [ ! -d "$DATA/JPEGImages" ]; then
  python tools/dataset_converters/make_synthetic_vos.py "$DATA" --format davis \
    --num-videos 48 --num-val-videos 8 --num-frames 24
fi
if [ ! -d "$HARD/JPEGImages" ]; then
  python tools/dataset_converters/make_synthetic_vos.py "$HARD" --format davis \
    --num-videos 12 --num-val-videos 12 --num-frames 48 --num-distractors 2 --seed 7
fi

# name:train config:test config, one per backbone
BACKBONES=(
  "hiera-t-tiny:configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py:configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_vos_synthetic-val.py"
  "r18-tiny:configs/sam2.1_backbones/sam2.1_r18-tiny_1xb1-scratch_synthetic.py:configs/sam2.1_backbones/sam2.1_r18-tiny_vos_synthetic-val.py"
  "swin-t-tiny:configs/sam2.1_backbones/sam2.1_swin-t-tiny_1xb1-scratch_synthetic.py:configs/sam2.1_backbones/sam2.1_swin-t-tiny_vos_synthetic-val.py"
  "vit-t-tiny:configs/sam2.1_backbones/sam2.1_vit-t-tiny_1xb1-scratch_synthetic.py:configs/sam2.1_backbones/sam2.1_vit-t-tiny_vos_synthetic-val.py"
)

train() {  # name train_config
  [ -f "$WORK/train/$1/last_checkpoint" ] && return
  python tools/train.py "$2" --work-dir "$WORK/train/$1" --cfg-options \
    "train_dataloader.dataset.dataset.data_root=$DATA" "train_cfg.max_iters=$ITERS" \
    > "$WORK/train/$1.log" 2>&1
}

evaluate() {  # result_dir config checkpoint data_root
  python tools/test.py "$2" "$3" --work-dir "$1" \
    --cfg-options "test_dataloader.dataset.data_root=$4" | grep 'Epoch(test)'
}

mkdir -p "$WORK/train"
pids=()
for spec in "${BACKBONES[@]}"; do
  IFS=: read -r name train_cfg _ <<< "$spec"
  train "$name" "$train_cfg" &
  pids+=($!)
  if [ "${#pids[@]}" -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait

# Timings (FPS) are taken one evaluation at a time, after all trainings have ended.
for spec in "${BACKBONES[@]}"; do
  IFS=: read -r name _ test_cfg <<< "$spec"
  evaluate "$WORK/backbones/$name" "$test_cfg" "$(cat "$WORK/train/$name/last_checkpoint")" "$DATA"
done

HIERA="$(cat "$WORK/train/hiera-t-tiny/last_checkpoint")"
evaluate "$WORK/policies/default-hard" \
  configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_vos_synthetic-hard-val.py "$HIERA" "$HARD"
for policy in motion-aware:motion_aware_memory long-video:long_video_memory; do
  IFS=: read -r name project <<< "$policy"
  cfg_dir="projects/$project/configs"
  evaluate "$WORK/policies/$name-hard" \
    "$cfg_dir/sam2.1-${name}_hiera-t-tiny_vos_synthetic-hard-val.py" "$HIERA" "$HARD"
  evaluate "$WORK/policies/$name" \
    "$cfg_dir/sam2.1-${name}_hiera-t-tiny_vos_synthetic-val.py" "$HIERA" "$DATA"
done

python tools/analysis_tools/leaderboard.py "$WORK/backbones" "$WORK/policies" --out "$OUT"
echo "leaderboard: $OUT"
