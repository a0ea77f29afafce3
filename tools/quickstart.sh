#!/usr/bin/env bash
# The whole toolbox end to end on embedded data, on a CPU:
#   set up -> generate the synthetic benchmark -> train the tiny SAM 2.1 from scratch
#   -> evaluate it with tools/test.py (J&F table) -> overlay videos of the validation clips.
#
#   bash tools/quickstart.sh            # ~15 min on 2 cores (ITERS=2000)
#   ITERS=50 bash tools/quickstart.sh   # a 2-minute smoke run
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA="${DATA:-data/synthetic_vos}"
WORK="${WORK:-work_dirs/quickstart}"
ITERS="${ITERS:-2000}"
TRAIN_CFG=configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py
TEST_CFG=configs/sam2.1_tiny-cpu/sam2.1_hiera-t-tiny_vos_synthetic-val.py

bash tools/setup_env.sh
if [ ! -d "$DATA/JPEGImages" ]; then
  python tools/dataset_converters/make_synthetic_vos.py "$DATA" --format davis \
    --num-videos 48 --num-val-videos 8 --num-frames 24
fi
python tools/train.py "$TRAIN_CFG" --work-dir "$WORK" --cfg-options \
  "train_dataloader.dataset.dataset.data_root=$DATA" "train_cfg.max_iters=$ITERS"
CKPT="$(cat "$WORK/last_checkpoint")"
python tools/test.py "$TEST_CFG" "$CKPT" --work-dir "$WORK/test" --show-dir vis \
  --cfg-options "test_dataloader.dataset.data_root=$DATA"
echo
echo "J&F on the synthetic validation videos ($WORK/test/global_results-val.csv):"
column -s, -t < "$WORK/test/global_results-val.csv"
python tools/analysis_tools/plot_loss.py "$WORK"
echo "overlay videos: $WORK/test/vis/*.mp4"
