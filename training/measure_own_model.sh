#!/bin/bash
# Cost per command at 32/96/224 px on the example model (dynamic H/W export, --shape) and folder (--resize).
cd "$(dirname "$0")/.."
M=test/fixtures/own_dynamic_hw.onnx
D=examples/own-model/images
C=examples/own-model/class_map.json
for S in 32 96 224; do
  common="--model $M --shape 3,$S,$S --data $D --class-map $C --resize"
  t() { local name=$1; shift; local s=$(date +%s.%N); node bin/rsbench.js "$@" $common > ${OUT:-/tmp}/own-$S-$name.txt 2>&1; local rc=$?; local e=$(date +%s.%N); echo "$S $name rc=$rc $(echo "$e - $s" | bc)"; }
  t evaluate evaluate --sigma 0.25 --n 100 --count 40
  t predict predict --sigma 0.25 --n 1000 --count 4
  t certify certify --sigma 0.25 --n0 100 --n 10000 --count 2
  t hsja attack --attack hsja --queries 1000 --count 4
  t hsja-rs attack --attack hsja --queries 500 --sigma 0.25 --n 10 --count 2
done
