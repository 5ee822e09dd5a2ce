#!/bin/sh
# rsbench's side of the HSJA comparison: `rsbench attack --attack hsja` on the same 30 images
# (the first 30 Fashion-MNIST test images; misclassified ones are skipped on both sides), one JSON
# per seed and budget. Usage: bench/peers/hsja/rsbench.sh OUTDIR [seeds...] (from the repository root)
set -e
out=$1; shift
seeds=${*:-1 2 3}
mkdir -p "$out"
for seed in $seeds; do
  for budget in 500 1000 2000; do
    nice -n 10 node --import tsx src/cli/main.ts attack --model fashion-mnist-standard --data fashion-mnist \
      --count 30 --attack hsja --queries "$budget" --seed "$seed" --json > "$out/rsbench-$seed-$budget.json" 2>/dev/null
  done
done
