"""Reference values of PopSkipJump's expected-cosine formulas, for test/attacks/infomax.test.ts.

Re-derived with scipy (float64) from the formulas of the official cjsg/PopSkipJump `infomax.py`
(`get_py_txse`, `get_alpha_`, `get_alpha`, `get_cos_from_n`, `get_n_from_cos`); nothing here is
imported from rsbench. Run: python3 bench/peers/psj/cosine_reference.py  (prints JSON; the test
commits the numbers it printed). Never run by the tests.
"""
import json
import math
from scipy.special import erf


def py1(x, t, s, eps):
    # P(y = 1 | x; t, s, eps) = eps + (1 - 2 eps) * (tanh(2 s (x - t)) / 2 + 1 / 2)
    z = 0.0 if x == t else s * (x - t)
    return eps + (1 - 2 * eps) * (0.5 * math.tanh(2 * z) + 0.5)


def alpha_(s, theta):
    if math.isinf(s):
        return math.sqrt(2 / math.pi) * math.exp(-theta ** 2 / 2)
    up = (theta + 1 / (2 * s)) / math.sqrt(2)
    do = (theta - 1 / (2 * s)) / math.sqrt(2)
    return s * (erf(up) - erf(do))


def alpha(s, theta, delta, d, eps):
    return (1 - 2 * eps) * alpha_(s * delta / math.sqrt(d), theta * math.sqrt(d) / delta)


def cos_from_n(n, s=math.inf, theta=0.0, delta=1.0, d=10, eps=0.0):
    a = alpha(s, theta, delta, d, eps)
    return 0.0 if a * a == 0 else 1 / math.sqrt(1 + (d - 1) / (n * a * a))


def n_from_cos(c, s=math.inf, theta=0.0, delta=1.0, d=10, eps=0.0):
    a = alpha(s, theta, delta, d, eps)
    return math.inf if a * a == 0 else (d - 1) * c * c / (a * a * (1 - c * c))


cases = []
# HSJA's schedule at 28x28 (l2): theta_det = 1 / (sqrt(d) d), delta_det_unit = theta_det sqrt(d) = 1 / d.
for d in (784, 3072):
    theta = 1 / (math.sqrt(d) * d)
    for n in (100, 141, 173, 1000, 50000):
        cases.append({"fn": "cos", "n": n, "s": "inf", "theta": theta, "delta": theta * math.sqrt(d), "d": d, "eps": 0.0,
                      "value": cos_from_n(n, theta=theta, delta=theta * math.sqrt(d), d=d)})
# The line search's n: theta = 1 / grid, delta = sqrt(d) / grid, finite s and eps.
for (d, grid) in ((784, 100), (3072, 300)):
    for s in (0.1, 1.0, 3.981071705534973, 31.622776601683793, 100.0):
        for eps in (0.0, 0.1, 0.3):
            for c in (0.2, 0.5206, 0.8):
                kw = dict(s=s, theta=1 / grid, delta=math.sqrt(d) / grid, d=d, eps=eps)
                cases.append({"fn": "n", "cos": c, **{k: v for k, v in kw.items()}, "value": n_from_cos(c, **kw)})
likelihood = [{"x": x, "t": t, "s": s, "eps": e, "value": py1(x, t, s, e)}
              for (x, t, s, e) in ((0.3, 0.5, 10.0, 0.1), (0.7, 0.5, 10.0, 0.1), (0.5, 0.5, 100.0, 0.3),
                                   (0.0, 1.0, 0.1, 0.0), (0.52, 0.5, 100.0, 0.05), (0.9, 0.2, 3.0, 0.25))]
print(json.dumps({"cases": cases, "likelihood": likelihood}, indent=1))
