#!/bin/sh
# Trains and exports the whole rsbench model zoo (8 models), seeded, one after the other.
# Usage: training/train_all.sh     (log: training/.work/log; a model whose .onnx and checkpoint
#                                   exist is kept: FORCE=1 retrains everything)
# Then:  npm run cards            (re-measures accuracies with onnxruntime, writes models/*.card.json)
set -eu
cd "$(dirname "$0")/.."
mkdir -p training/.work
# The split is defined once, in TypeScript (src/data): make sure its binary cache exists.
node --import tsx scripts/build-datasets.ts
export LD_PRELOAD="${LD_PRELOAD:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}"
# Idle OpenMP threads sleep instead of spinning: on shared cores spinning cost 2.5x the CPU time.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
PY="${PYTHON:-/usr/bin/python3}"
W=training/.work
train() {
  name="$1"; shift
  if [ "${FORCE:-0}" != 1 ] && [ -f "models/$name.onnx" ] && [ -f "$W/$name.pt" ]; then echo "== $name: kept (FORCE=1 to retrain)"; return; fi
  echo "== $name: $*"
  "$PY" training/train.py --name "$name" "$@"
}

# Sized for a shared 2-core machine: with the two-convolution net (training/train.py) a Fashion-MNIST
# epoch (469 batches of 128) takes ~20 s with 2 threads on an idle machine, an MNIST epoch (63
# batches) ~2.5 s; a PGD batch costs ~(steps + 1)x.

# Standard models. MNIST has 8k training images: more epochs; random shifts (+ flips for Fashion).
train mnist-standard --dataset mnist --kind standard --epochs 12 --lr 0.05
train fashion-mnist-standard --dataset fashion-mnist --kind standard --epochs 15 --lr 0.05

# Gaussian data augmentation at sigma (Cohen et al.), fine-tuning the standard model (documented
# in training/README.md: the CPU budget allows no training from scratch). Fashion-MNIST: two passes
# over the training split.
train mnist-randtrain-0.25 --dataset mnist --kind randtrain --sigma 0.25 --epochs 4 --lr 0.02 --init $W/mnist-standard.pt
train mnist-randtrain-0.5 --dataset mnist --kind randtrain --sigma 0.5 --epochs 4 --lr 0.02 --init $W/mnist-standard.pt
train fashion-mnist-randtrain-0.25 --dataset fashion-mnist --kind randtrain --sigma 0.25 --epochs 2 --lr 0.02 --init $W/fashion-mnist-standard.pt
train fashion-mnist-randtrain-0.5 --dataset fashion-mnist --kind randtrain --sigma 0.5 --epochs 2 --lr 0.02 --init $W/fashion-mnist-standard.pt

# L2 PGD adversarial training (Madry et al.), fine-tuning the standard model: 2 PGD steps of
# size 2.5 eps / 2 from a random start in the ball (Madry et al.'s step-size rule).
train mnist-advtrain --dataset mnist --kind advtrain --eps 1.5 --pgd-steps 2 --epochs 2 --lr 0.02 --init $W/mnist-standard.pt
train fashion-mnist-advtrain --dataset fashion-mnist --kind advtrain --eps 1.0 --pgd-steps 2 --epochs 2 --lr 0.02 --init $W/fashion-mnist-standard.pt
echo "== all models trained"
