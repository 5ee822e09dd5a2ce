"""Summarises the official-PSJ results (results/official-*.json) as a Markdown table.

Usage: /usr/bin/python3 bench/peers/psj/summarize.py [RESULTS_DIR]
Per image and budget: L2 of the iterate, P[g(x) != y] on the fresh calls, iterations completed;
then per budget: images, mean and median L2, mean P[g != y]; and seconds per image.
"""
import glob
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# A final point with P[g(x) != y] below this on the fresh calls is not adversarial: the run failed
# (e.g. image 18, seed 1: the far end of a line search was not adversarial, t = 0 from then on).
FAILED = 0.1
# The comparison set of issue 24 (README.md); the others are extras.
COMPARISON = [5, 6, 12, 15, 18, 21, 22, 32, 34, 36, 37, 41]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results")
    by_seed = {}
    for path in sorted(glob.glob(os.path.join(folder, "official-*.json"))):
        with open(path) as f:
            result = json.load(f)
        by_seed.setdefault(result["seed"], []).extend(result["images"])
    if not by_seed:
        sys.exit(f"no images in {folder}/official-*.json: expected results of run_official.py")
    for seed in sorted(by_seed):
        rows = sorted(by_seed[seed], key=lambda r: r["image"])
        print(f"### seed {seed}: {len(rows)} images\n")
        table(rows)
        print()


def table(rows):
    budgets = [b["budget"] for b in rows[0]["budgets"]]
    print("| image | label | start (L2) | " + " | ".join(f"L2 @{b} (P[g!=y], iters)" for b in budgets) + " | CPU s | wall s (in g) |")
    print("|---|---|---|" + "---|" * len(budgets) + "---|---|")
    for r in rows:
        cells = []
        for b in r["budgets"]:
            cells.append("-" if b["l2"] is None else f"{b['l2']:.3f} ({b['pAdv']:.2f}, {b['iterations']})")
        cpu = f"{r['cpuSeconds']:.0f}" if "cpuSeconds" in r else "-"
        print(f"| {r['image']} | {r['label']} | {r['startImage']} ({r['startL2']:.2f}) | " + " | ".join(cells)
              + f" | {cpu} | {r['seconds']:.0f} ({r['modelSeconds']:.0f}) |")
    print()
    means(rows, budgets, "all images")
    chosen = [r for r in rows if r["image"] in COMPARISON]
    if len(chosen) < len(rows):
        print()
        means(chosen, budgets, f"the comparison set ({len(chosen)} of {len(COMPARISON)})")
    timing(rows, budgets)


def means(rows, budgets, what):
    print(f"{what}:\n")
    print("| calls of g | images | mean L2 | median L2 | mean P[g(x) != y] (200 calls) | failed (P[g != y] < 0.1) | mean L2 without them |")
    print("|---|---|---|---|---|---|---|")
    for i, B in enumerate(budgets):
        done = [r["budgets"][i] for r in rows if r["budgets"][i]["l2"] is not None]
        l2 = [b["l2"] for b in done]
        pa = [b["pAdv"] for b in done]
        ok = [b["l2"] for b in done if b["pAdv"] >= FAILED]
        failed = [str(r["image"]) for r in rows if r["budgets"][i]["l2"] is not None and r["budgets"][i]["pAdv"] < FAILED]
        print(f"| {B} | {len(l2)} | {statistics.mean(l2):.3f} | {statistics.median(l2):.3f} | {statistics.mean(pa):.2f} (range {min(pa):.2f}-{max(pa):.2f}) | "
              f"{len(failed)}{' (' + ', '.join(failed) + ')' if failed else ''} | {statistics.mean(ok):.3f} ({len(ok)}) |")


def timing(rows, budgets):
    timed = [r for r in rows if "cpuSeconds" in r]
    if timed:
        secs = [r["seconds"] for r in timed]
        cpu = [r["cpuSeconds"] for r in timed]
        model = [r["modelSeconds"] for r in timed]
        print()
        print(f"per image, up to {max(budgets)} calls, {len(timed)} images with cpuSeconds: CPU seconds mean {statistics.mean(cpu):.0f} "
              f"(min {min(cpu):.0f}, max {max(cpu):.0f}); wall seconds mean {statistics.mean(secs):.0f} (min {min(secs):.0f}, max {max(secs):.0f}), "
              f"of which wall in g (noise + forwards + vote) mean {statistics.mean(model):.0f}")


if __name__ == "__main__":
    main()
