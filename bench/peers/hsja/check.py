"""Checks that model.py's torch rebuild of the ONNX model agrees with onnxruntime (as rsbench runs
it) on the exported check images: logits within 1e-4 and identical labels (also rsbench's labels).
Usage: python3 check.py DATA_DIR [--model models/fashion-mnist-standard.onnx]"""
import sys

import numpy as np
import torch

from model import OnnxNet

torch.set_num_threads(1)
data = sys.argv[1]
path = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--model" else "models/fashion-mnist-standard.onnx"
net = OnnxNet(path)
x = np.load(f"{data}/check-images.npy")
ref = np.load(f"{data}/check-logits.npy")
labels = np.load(f"{data}/check-rsbench-labels.npy").astype(int)
ours = net(torch.from_numpy(x)).numpy()
diff = float(np.abs(ours - ref).max())
agree = int((ours.argmax(1) == ref.argmax(1)).sum())
agree_rs = int((ours.argmax(1) == labels).sum())
print(f"{len(x)} images: max |logit difference| {diff:.3g}; labels agree with onnxruntime on {agree}, with rsbench on {agree_rs}")
if diff > 1e-4 or agree != len(x) or agree_rs != len(x):
    sys.exit(1)
