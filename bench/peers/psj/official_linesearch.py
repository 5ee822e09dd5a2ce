"""The official PopSkipJump line search (cjsg/PopSkipJump infomax.py `bin_search`, unmodified, with
the attack's `queries=1`) on its own built-in synthetic step (unperturbed=None: P(y = 1 | x) =
sigmoid(300 (x - 0.3)), eps = 0), 20 seeds: queries per search, the MAP estimates, the probes n it
asks for, and CPU per query. `node --import tsx bench/peers/psj/linesearch.ts official` prints the same
for rsbench's (src/attacks/infomax.ts). Never run by the tests.

  git -C <mirror of cjsg/PopSkipJump> show HEAD:infomax.py > /tmp/psj_official/infomax.py
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/bin/python3 bench/peers/psj/official_linesearch.py /tmp/psj_official <grid> [later]
"""
import statistics
import sys
import time

sys.path.insert(0, sys.argv[1])
import torch  # noqa: E402

torch.set_num_threads(1)
import infomax  # noqa: E402

grid = int(sys.argv[2])
later = len(sys.argv) > 3
queries, ts, ss, es, ns = [], [], [], [], []
start = time.process_time()
for seed in range(20):
    torch.manual_seed(seed)
    prev = dict(prev_t=0.5, prev_s=10.0, prev_e=0.0) if later else {}
    output, n = infomax.bin_search(grid_size=grid, d=784, delta=28 / grid, target_cos=0.1704, queries=1, **prev)
    t, s, e = (float(v) for v in output["ttse_max"][-1])
    queries.append(len(output["xxj"]))
    ts.append(round(t, 3))
    ss.append(s)
    es.append(e)
    ns.append(float(n))
cpu = time.process_time() - start
print(f"official grid {grid} {'later' if later else 'first'} search: queries mean {statistics.mean(queries):.1f} "
      f"median {statistics.median(queries):.1f}, t in {sorted(set(ts))}, s median {statistics.median(ss):.2f}, "
      f"eps in {sorted(set(es))}, n median {statistics.median(ns):.1f}, {1000 * cpu / sum(queries):.2f} ms CPU per query", flush=True)
