"""The official PopSkipJump first line search (cjsg/PopSkipJump infomax.py `bin_search`, unmodified,
`queries=1`, grid 100, d = 784, delta = 28/100, target_cos = 0.1704: the attack's first search on
28x28) against a synthetic line whose answers are those of a smoothed classifier's majority vote:
at position x, 10 votes each keep the label with probability Phi(k (x - t)), and the label is kept
when at least 5 do (ties to the label, the smallest class). This is g(sigma, 10) on a line that
crosses a linear boundary (k = line length x cos(angle) / sigma). Prints the distribution of the MAP
s (the slope the attack then uses to size its first gradient estimate), the probes n it asks for and
the queries per search, over SEEDS seeds. `node --import tsx bench/peers/psj/linesearch.ts vote K T SEEDS`
prints the same for rsbench's (src/attacks/infomax.ts). Never run by the tests.

  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/bin/python3 \
    bench/peers/psj/official_linesearch_vote.py <checkout of cjsg/PopSkipJump> K T SEEDS
"""
import collections
import math
import statistics
import sys

sys.path.insert(0, sys.argv[1])
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
import infomax  # noqa: E402
from model_interface import ModelInterface  # noqa: E402

k, t, seeds = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(12345)


class VoteLine:
    """A 'model' of one input value x in [0, 1]: one-hot of class 0 (the label) when >= 5 of 10 votes keep it."""

    model = torch.nn.Identity()  # ModelInterface moves `model.model` to its device

    def get_probs(self, images):
        x = images.reshape(len(images), -1)[:, 0].double().numpy()
        p = 0.5 * (1 + np.vectorize(math.erf)(k * (x - t) / math.sqrt(2)))
        keep = rng.binomial(10, p) >= 5
        out = torch.zeros((len(images), 2))
        out[keep, 0] = 1
        out[~keep, 1] = 1
        return out


mi = ModelInterface([VoteLine()], bounds=(0, 1), n_classes=2, noise="deterministic")
unperturbed, perturbed = torch.tensor([1.0]), torch.tensor([0.0])
queries, ss, ns, ts = [], [], [], []
for seed in range(seeds):
    torch.manual_seed(seed)
    mi.model_calls = 0
    output, n = infomax.bin_search(unperturbed, perturbed, mi, d=784, grid_size=100, delta=28 / 100, label=0,
                                   target_cos=0.1704, queries=1)
    tm, s, e = (float(v) for v in output["ttse_max"][-1])
    queries.append(mi.model_calls)
    ss.append(round(math.log10(s), 1))
    ts.append(tm)
    ns.append(float(n))
counts = collections.Counter(ss)
print(f"official k={k} t={t} seeds={seeds}: queries mean {statistics.mean(queries):.1f}, "
      f"t median {statistics.median(ts):.3f}, log10 s counts {dict(sorted(counts.items()))}, "
      f"n median {statistics.median(ns):.0f}, n > 3000: {sum(v > 3000 for v in ns)}", flush=True)
