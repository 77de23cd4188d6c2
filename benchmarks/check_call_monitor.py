"""What the call monitor of ``forbids`` (gdlab.checks.forbid, runner.watched) costs: the
time of check()'s kernel side (probe) on the exercises with the most Python calls, once as
declared and once with ``forbids=()`` (no monitor). Prints seconds per probe, best of 3.

    python benchmarks/check_call_monitor.py
"""
import dataclasses
import time

import numpy as np

from gdlab.checks import get_exercise, probe
from gdlab.checks.registry import _REGISTRY


def grad_variance(theta, X, y, batch_size, n_draws, rng):
    m = len(y)
    g_full = 2.0 / m * X.T @ (X @ theta - y)
    out = np.empty(n_draws)
    for k in range(n_draws):
        rows = rng.choice(m, size=batch_size, replace=False)
        g = 2.0 / batch_size * X[rows].T @ (X[rows] @ theta - y[rows])
        out[k] = np.sum((g - g_full) ** 2)
    return float(np.mean(out))


def iterations(kappa, tol=1e-6, max_iter=100_000):
    lr, x, k = 2.0 / (kappa + 1.0), np.array([1.0, 1.0]), 0
    while np.linalg.norm(x) > tol and k < max_iter:
        x = x - lr * np.array([x[0], kappa * x[1]])
        k += 1
    return k


def best_of(n, func):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


for ex_id, answer in (("04-grad-variance", grad_variance),
                      ("06-iterations-kappa", iterations)):
    ex = get_exercise(ex_id)
    watched = best_of(3, lambda: probe(ex, {ex.target: answer}))
    _REGISTRY[ex_id] = dataclasses.replace(ex, forbids=())
    try:
        plain = best_of(3, lambda: probe(ex_id, {ex.target: answer}))
    finally:
        _REGISTRY[ex_id] = ex
    print(f"{ex_id:22s} monitored {watched:6.3f} s   unmonitored {plain:6.3f} s   "
          f"ratio {watched / plain:4.2f}")
