"""Running short descents for dashboards, stopping cleanly when they blow up.

A dashboard's run is short (at most a few hundred updates) and must stop as soon as it
leaves any sensible region, both to report *when* it diverged and to keep huge coordinates
away from the renderer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Run:
    path: np.ndarray          # (n + 1, d) iterates, start included
    loss: np.ndarray          # (n + 1,) objective values along the path
    left_at: int | None       # update index at which the run blew up / escaped, else None
    escaped_downhill: bool    # True when it left while the loss was falling (unbounded f)

    @property
    def n_updates(self):
        return len(self.path) - 1

    @property
    def diverged(self):
        return self.left_at is not None and not self.escaped_downhill


def iterate(step, x0, steps, *, lo, hi, f):
    """Apply ``x <- step(k, x)`` for k = 0..steps-1 from ``x0``.

    The run stops before recording an iterate that is non-finite or outside the plot
    window [lo, hi] widened by one window size on every side; it then "left" at that
    update index (1-based). Leaving uphill (loss above the start) is divergence; leaving
    downhill means the surface is unbounded below there (a saddle). ``f`` evaluates the
    objective on a (d, n) array of points for the loss curve.
    """
    x = np.array(x0, dtype=float).reshape(-1)
    d = x.size
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    width = hi - lo
    # Plain floats: comparing a 2-vector element by element in Python is several times
    # cheaper than numpy reductions, and NaN fails every comparison, so it is caught too.
    box = list(zip((lo - width).tolist(), (hi + width).tolist()))
    path = np.empty((steps + 1, d))
    path[0] = x
    left_at = None
    n = 0
    with np.errstate(all="ignore"):
        for k in range(steps):
            x = np.asarray(step(k, x), dtype=float).reshape(-1)
            if not all(a <= v <= b for v, (a, b) in zip(x.tolist(), box)):
                left_at = k + 1
                break
            n = k + 1
            path[n] = x
        path = path[: n + 1]
        loss = np.asarray(f(path.T), dtype=float).reshape(-1)
        escaped = False
        if left_at is not None:
            last = float(np.asarray(f(x.reshape(d, 1)), dtype=float).reshape(-1)[0])
            escaped = bool(np.isfinite(last) and last < loss[0])
    return Run(path, loss, left_at, escaped)


def optimizer_run(objective, optimizer, x0, steps, *, lo, hi):
    """A gdlab.optim optimizer on an objective (Newton gets the Hessian).

    Plain gradient descent is ``optimizer_run(objective, gdlab.optim.SGD(lr=lr), ...)``:
    every dashboard steps with gdlab's own optimizers, so what a learner sees is what the
    package computes. (A step costs a few microseconds of argument checking more than a
    bare ``x - lr * g``; for a few hundred steps that is well inside the latency budget.)
    """
    optimizer.reset()
    needs_h = getattr(optimizer, "needs_hessian", False)

    def step(k, x):
        g = objective.grad(x)
        if needs_h:
            return optimizer.step(x, g, hess=objective.hess(x), fun=objective.f)
        return optimizer.step(x, g)
    return iterate(step, x0, steps, lo=lo, hi=hi, f=objective.f)
