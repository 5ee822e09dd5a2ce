"""Mean L2 of the official HSJA (official.py's JSON) and of rsbench (rsbench.sh's JSONs) per budget,
over the images both attacked, and the ratio rsbench / official of the seed-averaged means.
Usage: python3 compare.py OFFICIAL.json RSBENCH_DIR|RSBENCH.json"""
import glob
import json
import re
import sys

import numpy as np

official = json.load(open(sys.argv[1]))
rs = {}
if sys.argv[2].endswith(".json"):  # results/rsbench-seeds1-3.json: {"seed=S/budget=B": {image: l2}}
    for key, rows in json.load(open(sys.argv[2])).items():
        seed, budget = map(int, re.findall(r"seed=(\d+)/budget=(\d+)", key)[0])
        rs[(seed, budget)] = {int(i): v for i, v in rows.items()}
for path in [] if sys.argv[2].endswith(".json") else glob.glob(f"{sys.argv[2]}/rsbench-*-*.json"):
    seed, budget = map(int, re.findall(r"rsbench-(\d+)-(\d+)\.json$", path)[0])
    rows = json.load(open(path))["images"]
    rs[(seed, budget)] = {r["image"]: r["l2"] for r in rows if r["status"] == "attacked"}
for budget in official["budgets"]:
    off_seeds = {}
    for r in official["rows"]:
        off_seeds.setdefault(r["seed"], {})[r["image"]] = r["l2"][str(budget)]
    rs_seeds = {s: v for (s, b), v in rs.items() if b == budget}
    images = sorted(set.intersection(*[set(v) for v in off_seeds.values()], *[set(v) for v in rs_seeds.values()]))
    def mean(v):
        return float(np.mean([v[i] if v[i] is not None else np.inf for i in images]))
    off = {s: mean(v) for s, v in sorted(off_seeds.items())}
    ours = {s: mean(v) for s, v in sorted(rs_seeds.items())}
    o, m = np.mean(list(off.values())), np.mean(list(ours.values()))
    print(f"{budget:5d} queries, {len(images)} images: official {o:.4f} (seeds " + ", ".join(f"{s}: {v:.4f}" for s, v in off.items())
          + f"); rsbench {m:.4f} (seeds " + ", ".join(f"{s}: {v:.4f}" for s, v in ours.items()) + f"); ratio {m / o:.4f}")
