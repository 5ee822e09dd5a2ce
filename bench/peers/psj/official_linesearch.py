"""Times the official PopSkipJump line search (cjsg/PopSkipJump infomax.py `bin_search`, unmodified)
on its own built-in synthetic step (unperturbed=None: P(y=1|x) = sigmoid(300 (x - 0.3)), eps = 0),
for the CPU comparison in BENCHMARKS.md (bench/peers/psj/linesearch.bench.mts times rsbench's on the
same step). Never run by the tests.

  git -C <mirror of cjsg/PopSkipJump> show HEAD:infomax.py > /tmp/psj_official/infomax.py
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/bin/python3 bench/peers/psj/official_linesearch.py /tmp/psj_official [threads]
"""
import math
import sys
import time

sys.path.insert(0, sys.argv[1])
import torch  # noqa: E402

torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
torch.manual_seed(0)
import infomax  # noqa: E402

d = 784
for grid in (100, 300):
    for later in (False, True):
        prev = dict(prev_t=0.5, prev_s=10.0, prev_e=0.0) if later else {}
        queries, cpu = 0, 0.0
        for rep in range(3):
            start = time.process_time()
            output, n = infomax.bin_search(grid_size=grid, d=d, delta=math.sqrt(d) / grid, target_cos=0.1704, **prev)
            cpu += time.process_time() - start
            queries += len(output["xxj"])
        print(f"official grid {grid} {'later' if later else 'first'} search: {queries / 3:.0f} queries per search, "
              f"{1000 * cpu / queries:.2f} ms CPU per query (torch {torch.__version__}, {torch.get_num_threads()} thread)", flush=True)
