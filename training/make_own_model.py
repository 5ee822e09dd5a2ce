"""
The small colour model and image folder of docs/own-model.md ("Your own model"): what a user
brings, made reproducibly in seconds on a CPU.

  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/bin/python3 training/make_own_model.py

Writes examples/own-model/:
  - images/<class>/<k>.png: 40 RGB 32x32 PNGs, 4 per class, of 10 procedural classes (a colour
    and a stripe orientation per class, with seeded noise): an ImageFolder as torchvision reads it;
  - class_map.json: folder name -> the model's label;
  - model.onnx: a 10-class CNN (3x32x32 input, dynamic batch axis, [0, 1] pixels with the
    normalisation inside the model), trained for a few epochs on 2000 generated images;
and test/fixtures/:
  - own_dynamic_hw.onnx: the same network exported with dynamic height and width (needs --shape);
  - own_nhwc.onnx: the same network taking NHWC [batch, 32, 32, 3] input (rsbench refuses it, naming the layout).

Debian's python3-torch and python3-onnx; torch.set_num_threads(2); everything seeded.
"""
import json
import os

import numpy as np
import torch
from torch import nn

torch.set_num_threads(2)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "examples", "own-model")
FIXTURES = os.path.join(ROOT, "test", "fixtures")
CLASSES = ["airplane", "bird", "boat", "car", "cat", "deer", "dog", "frog", "horse", "truck"]
SIZE = 32

# Class k: a base colour and a stripe direction/period. Names are CIFAR-like only to look familiar.
COLOURS = np.array([
    [0.9, 0.2, 0.2], [0.2, 0.8, 0.2], [0.2, 0.3, 0.9], [0.9, 0.8, 0.2], [0.8, 0.2, 0.8],
    [0.2, 0.8, 0.8], [0.6, 0.4, 0.2], [0.5, 0.5, 0.5], [0.9, 0.5, 0.1], [0.3, 0.1, 0.5],
], dtype=np.float32)


def make_image(k, rng):
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    angle = (k % 5) * np.pi / 5 + rng.uniform(-0.1, 0.1)
    period = 6 + (k // 5) * 4
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / period + rng.uniform(0, 2 * np.pi))
    colour = COLOURS[k] + rng.normal(0, 0.05, 3)
    img = colour[:, None, None] * (0.55 + 0.45 * stripes[None]) + rng.normal(0, 0.04, (3, SIZE, SIZE))
    return np.clip(img, 0, 1).astype(np.float32)


class Net(nn.Module):
    """Normalisation inside, two small convolutions, global average pooling, one linear layer."""

    def __init__(self, nhwc=False):
        super().__init__()
        self.nhwc = nhwc
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1))
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        if self.nhwc:
            x = x.permute(0, 3, 1, 2)
        return self.head(self.features((x - self.mean) / self.std))


def main():
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    train_x = np.stack([make_image(i % 10, rng) for i in range(2000)])
    train_y = np.array([i % 10 for i in range(2000)])
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xs, ys = torch.from_numpy(train_x), torch.from_numpy(train_y)
    for epoch in range(15):
        perm = torch.randperm(len(xs))
        for b in range(0, len(xs), 100):
            idx = perm[b:b + 100]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
    net.eval()

    # The folder: 4 fresh images per class (another seed than training).
    from PIL import Image
    test_rng = np.random.default_rng(1)
    images = []
    for k, name in enumerate(CLASSES):
        os.makedirs(os.path.join(OUT, "images", name), exist_ok=True)
        for j in range(4):
            img = make_image(k, test_rng)
            u8 = np.round(img * 255).astype(np.uint8)
            Image.fromarray(u8.transpose(1, 2, 0)).save(os.path.join(OUT, "images", name, f"{j}.png"), optimize=True)
            images.append((u8.astype(np.float32) / 255, k))
    with open(os.path.join(OUT, "class_map.json"), "w") as f:
        json.dump({name: k for k, name in enumerate(CLASSES)}, f, indent=1)
        f.write("\n")
    with torch.no_grad():
        pred = net(torch.from_numpy(np.stack([i for i, _ in images]))).argmax(1).numpy()
    acc = float(np.mean(pred == np.array([k for _, k in images])))
    print(f"accuracy on the 40 folder images: {acc:.3f}")

    dummy = torch.zeros(1, 3, SIZE, SIZE)
    # The recommended export: dynamic batch axis, fixed image shape.
    torch.onnx.export(net, dummy, os.path.join(OUT, "model.onnx"), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
    torch.onnx.export(net, dummy, os.path.join(FIXTURES, "own_dynamic_hw.onnx"), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}}, opset_version=13)
    nhwc = Net(nhwc=True)
    nhwc.load_state_dict(net.state_dict())
    nhwc.eval()
    torch.onnx.export(nhwc, torch.zeros(1, SIZE, SIZE, 3), os.path.join(FIXTURES, "own_nhwc.onnx"), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"predictions": [int(p) for p in pred], "accuracy": acc}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
