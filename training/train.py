"""Trains one rsbench model zoo classifier and exports it to ONNX.

Reads the train/test split written by rsbench's TypeScript data module (.cache/datasets/<name>-v1,
see src/data/cache.ts), so the split is defined once. Seeded; run through training/train_all.sh.

Recipes (see training/README.md):
  standard   cross-entropy on clean images (random-shift augmentation)
  randtrain  Gaussian data augmentation, x + N(0, sigma^2 I) in [0,1] pixel space, unclipped
             (Cohen et al. 2019, locuslab/smoothing code/train.py: `inputs + randn_like * noise_sd`)
  advtrain   L2 PGD adversarial training (Madry et al. 2018): each batch is replaced by PGD
             adversarial examples within an L2 ball of radius eps, clipped to [0,1]
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPLIT_VERSION = 1


def load_split(dataset, split):
    d = os.path.join(os.environ.get("RSBENCH_CACHE_DIR", os.path.join(ROOT, ".cache")), "datasets", f"{dataset}-v{SPLIT_VERSION}")
    meta = json.load(open(os.path.join(d, "meta.json")))
    x = np.fromfile(os.path.join(d, f"{split}-images.u8"), dtype=np.uint8).reshape(-1, 1, 28, 28)
    y = np.fromfile(os.path.join(d, f"{split}-labels.u8"), dtype=np.uint8).astype(np.int64)
    assert len(x) == meta["counts"][split] == len(y), "cache does not match its meta.json"
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y), meta


ARCHITECTURE = ("CNN: (x - mean) / std, conv3x3(16)-BN-ReLU-maxpool2, conv3x3(32)-BN-ReLU-maxpool2, "
                "dropout 0.3, fc 1568-128-ReLU, dropout 0.3, fc 128-10")


class Net(nn.Module):
    """Small CNN; input N x 1 x 28 x 28 in [0,1], normalisation inside the graph.

    Two convolutions (16 and 32 channels) and one hidden fully connected layer: about 1.2M
    multiply-adds per image, ~4x fewer than the first zoo's three-convolution net (32/64/64
    channels, 6M), which onnxruntime ran at 11.7k images/s on one core against 44.8k for this one
    (batch 100, measured in the session that switched). The base model is queried millions of times
    by the paper grid, so its cost sets the cost of the whole study."""

    def __init__(self, mean, std, width=16):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # 7x7
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(2 * w * 49, 128), nn.ReLU(inplace=True), nn.Dropout(0.3), nn.Linear(128, 10)
        )

    def forward(self, x):
        return self.classifier(self.features((x - self.mean) / self.std))


def random_shift(x, pad, flip, gen):
    """Random translation by up to `pad` pixels (zero fill) and optional horizontal flip."""
    n = x.shape[0]
    padded = F.pad(x, (pad, pad, pad, pad))
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, dy[i] : dy[i] + 28, dx[i] : dx[i] + 28]
    if flip:
        mask = torch.rand(n, generator=gen) < 0.5
        out[mask] = out[mask].flip(3)
    return out


def pgd_l2(model, x, y, eps, steps, step_size, gen):
    """L2 PGD (Madry et al.): random start in the ball, `steps` normalised gradient ascent steps
    on the cross-entropy, projection onto the eps-ball and [0,1]."""
    was_training = model.training
    model.eval()
    delta = torch.randn(x.shape, generator=gen)
    delta = delta / delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1) * eps * torch.rand(x.shape[0], 1, 1, 1, generator=gen)
    delta = ((x + delta).clamp(0, 1) - x).requires_grad_(True)
    for _ in range(steps):
        loss = F.cross_entropy(model(x + delta), y)
        (grad,) = torch.autograd.grad(loss, delta)
        g = grad / grad.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, 1, 1, 1)
        d = delta.detach() + step_size * g
        norm = d.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
        d = d * torch.clamp(eps / norm.clamp_min(1e-12), max=1.0)
        delta = ((x + d).clamp(0, 1) - x).requires_grad_(True)
    model.train(was_training)
    return (x + delta).detach()


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i : i + batch]).argmax(1) == y[i : i + batch]).sum().item()
    return correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", required=True, choices=["fashion-mnist", "mnist"])
    p.add_argument("--kind", required=True, choices=["standard", "randtrain", "advtrain"])
    p.add_argument("--sigma", type=float, default=0.0, help="randtrain noise std in [0,1] pixel space")
    p.add_argument("--eps", type=float, default=1.0, help="advtrain L2 radius in [0,1] pixel space")
    p.add_argument("--pgd-steps", type=int, default=5)
    p.add_argument("--pgd-step-size", type=float, default=None, help="defaults to 2.5 * eps / steps (Madry et al.)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--init", default=None, help="state dict to fine-tune from (.pt)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=0, help="use only the first N images of the (shuffled) training split")
    p.add_argument("--name", required=True)
    p.add_argument("--out", default=os.path.join(ROOT, "models"))
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    xtr, ytr, meta = load_split(args.dataset, "train")
    xte, yte, _ = load_split(args.dataset, "test")
    if args.limit:
        xtr, ytr = xtr[: args.limit], ytr[: args.limit]
    mean, std = float(xtr.mean()), float(xtr.std())
    model = Net(mean, std)
    if args.init:
        model.load_state_dict(torch.load(args.init))
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.wd)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.15)
    flip = args.dataset == "fashion-mnist"
    step_size = args.pgd_step_size if args.pgd_step_size is not None else 2.5 * args.eps / args.pgd_steps
    print(f"{args.name}: {len(xtr)} train / {len(xte)} test images, {params} parameters, mean {mean:.4f} std {std:.4f}", flush=True)
    start = time.time()
    for epoch in range(args.epochs):
        t0 = time.time()
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        total_loss = 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * args.batch : (b + 1) * args.batch]
            x, y = random_shift(xtr[idx], 2, flip, gen), ytr[idx]
            if args.kind == "randtrain":
                x = x + torch.randn(x.shape, generator=gen) * args.sigma
            elif args.kind == "advtrain":
                x = pgd_l2(model, x, y, args.eps, args.pgd_steps, step_size, gen)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item()
        # No per-epoch test evaluation: the test split is only looked at once, at the end.
        print(f"epoch {epoch + 1}/{args.epochs} train loss {total_loss / steps_per_epoch:.4f} ({time.time() - t0:.1f}s)", flush=True)
    seconds = time.time() - start
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(ROOT, "training", ".work")
    os.makedirs(work, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(work, f"{args.name}.pt"))
    onnx_path = os.path.join(args.out, f"{args.name}.onnx")
    torch.onnx.export(
        model, torch.zeros(1, 1, 28, 28), onnx_path, input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13, do_constant_folding=True,
    )
    # Reference logits of the first test images, for the onnxruntime parity test.
    ref_count = 8
    with torch.no_grad():
        logits = model(xte[:ref_count]).double().numpy()
    recipe = {"kind": args.kind, "epochs": args.epochs, "batch": args.batch, "optimizer": "SGD nesterov momentum 0.9",
              "lr": args.lr, "schedule": "one-cycle (15% warm-up, cosine)", "weightDecay": args.wd, "seed": args.seed,
              "augmentation": "random shift up to 2 px" + (" + horizontal flip" if flip else ""),
              "init": os.path.basename(args.init).replace(".pt", "") if args.init else None}
    if args.kind == "randtrain":
        recipe["sigma"] = args.sigma
        recipe["noise"] = "x + N(0, sigma^2 I) in [0,1] pixel space, unclipped (Cohen et al. 2019)"
    if args.kind == "advtrain":
        recipe.update({"attack": "L2 PGD (Madry et al. 2018), random start, projected to [0,1]", "eps": args.eps,
                       "steps": args.pgd_steps, "stepSize": step_size})
    training = {
        "name": args.name, "dataset": args.dataset, "split": f"v{SPLIT_VERSION} (seed {meta['seed']})",
        "trainImages": len(xtr), "architecture": ARCHITECTURE, "parameters": params, "recipe": recipe, "trainingSeconds": round(seconds, 1),
        "threads": args.threads, "torch": torch.__version__, "pytorchTestAccuracy": evaluate(model, xte, yte),
        "normalization": {"mean": float(model.mean), "std": float(model.std)},
    }
    json.dump(training, open(os.path.join(args.out, f"{args.name}.training.json"), "w"), indent=2)
    json.dump({"data": f"{args.dataset}:test", "indices": list(range(ref_count)), "logits": logits.tolist()},
              open(os.path.join(args.out, f"{args.name}.reference.json"), "w"))
    print(f"done {args.name} in {seconds:.0f}s, test acc {training['pytorchTestAccuracy']:.4f} -> {onnx_path}", flush=True)


if __name__ == "__main__":
    main()
