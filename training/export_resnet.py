"""Exports ImageNet-size ONNX classifiers for rsbench (3x224x224, pixels in [0, 1]).

  resnet18, resnet50  torchvision architectures with random (seeded) weights: for speed and
                      plumbing at the paper's size, not for accuracy. 1000 classes.
  tiny224             a small fixed-weight conv net with the same input contract, small enough to
                      commit (test/fixtures/tiny224.onnx): it answers the colour channel with the
                      largest mean after normalisation (0 red, 1 green, 2 blue), so a test knows the
                      true label of a colour image by construction.

Every model takes N x 3 x 224 x 224 pixels in [0, 1] and applies the ImageNet normalisation
(x - mean) / std inside the graph, so rsbench needs no mean/std option for it. Each export also
writes <out>.reference.json: PyTorch's logits for a fixed analytic input (see reference_input),
which the tests compare with onnxruntime's.

Usage: /usr/bin/python3 training/export_resnet.py --arch resnet18 --out .cache/models/resnet18.onnx
Nothing at run time needs this script: the bench builds the ResNet files with it when python3 and
torch are present and skips those benchmarks otherwise (bench/resnet.ts).
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SIZE = 224
ARCHES = ("resnet18", "resnet50", "tiny224")


class Normalized(nn.Module):
    """(x - mean) / std per channel, then the network: callers work in [0, 1] pixel space."""

    def __init__(self, net):
        super().__init__()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.net = net

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


def tiny224():
    """Two fixed convolutions: a 4x4/4 per-channel mean (56x56), a 4x4/4 mean again (14x14),
    a global mean and the identity 3 -> 3: logit c = mean of normalised channel c."""
    pool1 = nn.Conv2d(3, 3, 4, stride=4, groups=3, bias=False)
    pool2 = nn.Conv2d(3, 3, 4, stride=4, groups=3, bias=False)
    fc = nn.Linear(3, 3)
    with torch.no_grad():
        pool1.weight.fill_(1 / 16)
        pool2.weight.fill_(1 / 16)
        fc.weight.copy_(torch.eye(3))
        fc.bias.zero_()
    return nn.Sequential(pool1, pool2, nn.AdaptiveAvgPool2d(1), nn.Flatten(), fc)


def calibration_images(count, generator):
    """Random images in [0, 1]: uniform noise, smooth colour waves, and blends of the two."""
    h = torch.arange(SIZE).view(1, 1, -1, 1).float()
    w = torch.arange(SIZE).view(1, 1, 1, -1).float()
    f = torch.rand(count, 3, 2, generator=generator) * 0.2
    phase = torch.rand(count, 3, 1, 1, generator=generator) * 6.3
    waves = 0.5 + 0.4 * torch.sin(h * f[..., 0:1].unsqueeze(-1) + w * f[..., 1:2].unsqueeze(-1) + phase)
    noise = torch.rand(count, 3, SIZE, SIZE, generator=generator)
    mix = torch.rand(count, 1, 1, 1, generator=generator)
    return (mix * noise + (1 - mix) * waves).clamp(0, 1)


def calibrate(model, seed):
    """Data-dependent initialisation of a random ResNet. With torchvision's initial BatchNorm
    statistics (mean 0, variance 1) and a random last layer, every image gets the same class,
    so no decision-based attack can even start. Re-estimating the BatchNorm statistics on random
    images and centring the logits over them gives a random network whose class changes from
    image to image, like a trained one (only the speed and the plumbing matter here)."""
    generator = torch.Generator().manual_seed(seed + 1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(calibration_images(16, generator))
        model.eval()
        logits = model(calibration_images(32, generator))
        fc = model.net.fc
        fc.bias -= logits.mean(0)
        fc.weight /= logits.std(0).mean()
        fc.bias /= logits.std(0).mean()


def build(arch, seed):
    torch.manual_seed(seed)
    if arch == "tiny224":
        return Normalized(tiny224()).eval()
    import torchvision
    model = Normalized(getattr(torchvision.models, arch)(weights=None))
    calibrate(model, seed)
    return model.eval()


def reference_input(count):
    """x[k, c, h, w] = ((k * 31 + c * 7 + h * 3 + w * 5) mod 256) / 255: the same formula in the tests."""
    k = torch.arange(count).view(-1, 1, 1, 1)
    c = torch.arange(3).view(1, -1, 1, 1)
    h = torch.arange(SIZE).view(1, 1, -1, 1)
    w = torch.arange(SIZE).view(1, 1, 1, -1)
    return (((k * 31 + c * 7 + h * 3 + w * 5) % 256).float() / 255.0).contiguous()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=ARCHES, required=True)
    parser.add_argument("--out", required=True, help="path of the .onnx file to write")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    model = build(args.arch, args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    start = time.time()
    tmp = args.out + ".tmp"
    # The ONNX file appears only when complete: a killed export leaves no half-written model.
    torch.onnx.export(
        model, torch.zeros(1, 3, SIZE, SIZE), tmp, input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13, do_constant_folding=True,
    )
    ref_count = 2
    with torch.no_grad():
        logits = model(reference_input(ref_count)).double()
    reference = {
        "arch": args.arch, "seed": args.seed, "torch": torch.__version__, "shape": [3, SIZE, SIZE],
        "normalisation": {"mean": IMAGENET_MEAN, "std": IMAGENET_STD, "where": "inside the model"},
        "input": "x[k, c, h, w] = ((k * 31 + c * 7 + h * 3 + w * 5) mod 256) / 255",
        "logits": logits.tolist() if args.arch == "tiny224" else logits[:, :16].tolist(),
        "logitsShown": "all" if args.arch == "tiny224" else "first 16 classes",
        "argmax": logits.argmax(1).tolist(),
    }
    with open(args.out + ".reference.json.tmp", "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.out)
    os.replace(args.out + ".reference.json.tmp", args.out + ".reference.json")
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB, {time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
