"""Runs the official Jianbo-Lab/HSJA hsja.py, unmodified, on the exported Fashion-MNIST images.

Usage (see README.md): python3 official.py HSJA_DIR DATA_DIR OUT.json --seeds 1 2 3 4 --budgets 500 1000 2000

HSJA_DIR holds the official hsja.py (exported from the fetched repository, never committed here).
Query accounting is rsbench's (src/oracle/labelOnly.ts): every image of every model call counts,
except the official code's first call (the original's label, which rsbench's pipeline asks outside
the budget); the distortion at budget B is the smallest L2 distance among the images answered
adversarial by the calls that fit in B queries (a call that would cross B is refused whole, as
rsbench's oracle refuses it). hsja() runs with num_iterations large enough that the budget, not the
iteration count, ends it (rsbench's spendBudget), with every other argument at its default.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch

from model import OnnxNet, Predictor


class BudgetSpent(Exception):
    pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("hsja_dir")
    p.add_argument("data_dir")
    p.add_argument("out")
    p.add_argument("--model", default="models/fashion-mnist-standard.onnx")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    p.add_argument("--budgets", type=int, nargs="+", default=[500, 1000, 2000])
    args = p.parse_args()
    torch.set_num_threads(1)
    sys.path.insert(0, args.hsja_dir)
    import hsja as official  # the official module, as fetched

    net = OnnxNet(args.model)
    images = np.load(f"{args.data_dir}/images.npy").astype(np.float64)
    labels = np.load(f"{args.data_dir}/labels.npy").astype(int)
    budgets = sorted(args.budgets)
    top = budgets[-1]
    rows = []
    for seed in args.seeds:
        for i in range(len(images)):
            x0 = images[i]
            if int(np.argmax(net(torch.from_numpy(x0[None].astype(np.float32))).numpy())) != labels[i]:
                continue  # misclassified: rsbench skips it too
            best = {"l2": np.inf}
            at = {b: np.inf for b in budgets}

            def on_call(n):
                # A call that would cross the top budget is refused whole; the best point so far
                # stands for every budget the calls so far fit in.
                for b in budgets:
                    if pred.queries + n > b and at[b] == np.inf:
                        at[b] = best["l2"]
                if pred.queries + n > top:
                    raise BudgetSpent()

            pred = Predictor(net, on_call)
            inner = pred.predict

            def predict(batch):
                out = inner(batch)
                if pred.calls > 1:
                    batch = np.asarray(batch).astype(np.float32).reshape(len(out), -1)
                    adv = np.argmax(out, axis=1) != labels[i]
                    if adv.any():
                        d = np.linalg.norm(batch[adv].astype(np.float64) - x0.reshape(1, -1).astype(np.float32), axis=1)
                        best["l2"] = min(best["l2"], float(d.min()))
                return out

            pred.predict = predict
            np.random.seed(seed * 100003 + i)
            t0 = time.time()
            status = "budget"
            try:
                official.hsja(pred, x0, clip_max=1, clip_min=0, constraint="l2", num_iterations=10 ** 6, verbose=False)
                status = "iterations"
            except BudgetSpent:
                pass
            except AssertionError:
                status = "init-failed"
            for b in budgets:
                if at[b] == np.inf:
                    at[b] = best["l2"]
            rows.append({"seed": seed, "image": i, "status": status, "queries": pred.queries,
                         "l2": {str(b): (None if at[b] == np.inf else at[b]) for b in budgets},
                         "seconds": time.time() - t0})
            print(seed, i, status, {b: round(at[b], 4) for b in budgets}, flush=True)
    with open(args.out, "w") as f:
        json.dump({"seeds": args.seeds, "budgets": budgets, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
