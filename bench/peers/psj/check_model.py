"""Checks onnx_torch.OnnxNet against rsbench (onnxruntime-node) on the images export.ts wrote.

Usage: LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/bin/python3 bench/peers/psj/check_model.py DATA_DIR
Prints the largest absolute logit difference and the number of label disagreements; exits 1
when any label differs or a logit differs by more than 1e-4.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_torch import OnnxNet  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def main():
    torch.set_num_threads(1)
    data = sys.argv[1]
    net = OnnxNet(os.path.join(ROOT, "models", "fashion-mnist-standard.onnx"))
    images = torch.from_numpy(np.load(os.path.join(data, "images.npy")))
    ref = np.load(os.path.join(data, "logits.npy"))
    pred = np.load(os.path.join(data, "predictions.npy"))
    logits = net(images).numpy()
    diff = np.abs(logits - ref).max()
    ours = logits.argmax(axis=1)  # numpy argmax: first maximum, i.e. ties to the smallest class
    wrong = int((ours != pred).sum())
    print(f"{len(images)} images: max |logit diff| = {diff:.3g}, label disagreements = {wrong}, "
          f"base accuracy = {(pred == np.load(os.path.join(data, 'labels.npy'))).mean():.3f}")
    sys.exit(0 if wrong == 0 and diff <= 1e-4 else 1)


if __name__ == "__main__":
    main()
