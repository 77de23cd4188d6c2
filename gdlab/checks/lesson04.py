"""Lesson 04 exercises: full batch, stochastic and mini-batch descent.

Randomness is part of these exercises, so the task statements fix how to use it: one
``rng.permutation(m)`` per epoch (the same convention as ``gdlab.train.fit``), which makes
the answers exact. The variance exercise is a Monte Carlo estimate; its reference is the
exact expectation and the tolerance covers the sampling error of the learner's estimate.

The cases put the row index into the data (column 0 of X is 0..m-1, y is 1000 + index), so
a wrong answer can be traced back to the order the learner used.
"""
import numpy as np

from gdlab.checks.core import Case, Mistake, Ref, exercise


def _f(a):
    return np.asarray(a, dtype=float)


def _indexed_data(m, d):
    """X with the row index in column 0 (plus d-1 smooth columns); y = 1000 + row index."""
    idx = np.arange(m, dtype=float)
    cols = [idx] + [np.cos((j + 1) * idx) for j in range(d - 1)]
    return np.column_stack(cols), 1000.0 + idx


# --------------------------------------------------------------------------- 04-minibatches
def _batches(X, y, batch_size, rng, *, order="rng", keep_last=True, shuffle_y=True):
    X, y = np.asarray(X), np.asarray(y)
    m = X.shape[0]
    perm = rng.permutation(m) if order == "rng" else np.arange(m)
    yperm = perm if shuffle_y else np.arange(m)
    out = []
    for lo in range(0, m, batch_size):
        if not keep_last and lo + batch_size > m:
            break
        out.append((X[perm[lo:lo + batch_size]], y[yperm[lo:lo + batch_size]]))
    return out


def _minibatches_ref(X, y, batch_size, rng):
    return _batches(X, y, batch_size, rng)


def _minibatch_cases(rng):
    X10, y10 = _indexed_data(10, 2)
    X12, y12 = _indexed_data(12, 3)
    X7, y7 = _indexed_data(7, 2)
    return [
        Case(X10, y10, 3, Ref("np.random.default_rng(11)")),
        Case(X12, y12, 4, Ref("np.random.default_rng(12)")),
        Case(X7, y7, 1, Ref("np.random.default_rng(13)")),
        Case(X10, y10, 10, Ref("np.random.default_rng(14)")),
        Case(X7, y7, 5, Ref("np.random.default_rng(15)")),
    ]


def _rows_of(batches, column):
    """Row indices recovered from column 0 of the X batches or from the y batches."""
    parts = []
    for Xb, yb in batches:
        parts.append(np.asarray(Xb, float)[:, 0] if column == "X" else np.asarray(yb, float) - 1000)
    return np.concatenate(parts).round().astype(int) if parts else np.empty(0, int)


def _compare_minibatches(got, expected, case):
    X, y, B = case.args[0], case.args[1], case.args[2]
    m = len(y)
    n_full, n_all = m // B, -(-m // B)
    if not isinstance(got, (list, tuple)):
        kind = getattr(got, "type_name", type(got).__name__)   # Opaque: a generator, say
        return (f"minibatches must return a list of (X_batch, y_batch) pairs; got a {kind}. "
                "(If you wrote a generator with `yield`, return list(...) of it instead.)")
    for k, pair in enumerate(got):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            return f"element {k} of your list is not a pair (X_batch, y_batch)."
        Xb, yb = np.asarray(pair[0]), np.asarray(pair[1])
        if Xb.ndim != 2 or Xb.shape[1] != X.shape[1]:
            return (f"X_batch {k} has shape {Xb.shape}; expected (batch rows, {X.shape[1]}): "
                    "select whole rows, X[idx].")
        if yb.ndim != 1 or yb.shape[0] != Xb.shape[0]:
            return f"y_batch {k} has shape {yb.shape}; expected ({Xb.shape[0]},), one target per row."
    sizes = [len(pair[1]) for pair in got]
    exp_sizes = [len(pair[1]) for pair in expected]
    if len(got) == n_full and n_full < n_all:
        return (f"You return {n_full} batches for m = {m} examples and batch_size = {B}; "
                f"expected {n_all}: the last, smaller batch of {m - n_full * B} rows is dropped. "
                "Every example must be used once per epoch: keep the partial batch.")
    if sizes != exp_sizes:
        return (f"batch sizes {sizes}; expected {exp_sizes} (consecutive slices of "
                f"{B} rows, the last one may be smaller).")
    rows_x, rows_y = _rows_of(got, "X"), _rows_of(got, "y")
    if sorted(rows_x.tolist()) != list(range(m)):
        return ("The X batches do not contain every row exactly once (some repeat, some are "
                "missing). Sample WITHOUT replacement: one permutation of range(m) per epoch.")
    if not np.array_equal(rows_x, rows_y):
        return ("X and y are shuffled differently: the rows of X_batch no longer match the "
                "targets in y_batch, so the model learns from scrambled pairs. Index X and y "
                "with the SAME permutation: X[idx], y[idx].")
    exp_rows = _rows_of(expected, "X")
    if np.array_equal(rows_x, np.arange(m)) and not np.array_equal(exp_rows, np.arange(m)):
        return ("Your batches are in the original order: nothing is shuffled. Draw "
                "idx = rng.permutation(m) and slice idx into batches.")
    if not np.array_equal(rows_x, exp_rows):
        return ("Your batches are shuffled, but not in the order rng.permutation(m) gives with "
                "the generator passed in as `rng`. Use that generator (not a new "
                "np.random.default_rng(seed) made inside the function: that would give the "
                "SAME order every epoch) and call rng.permutation(m) once.")
    for (Xb, yb), (Xe, ye) in zip(got, expected):
        if not (np.allclose(Xb, Xe) and np.allclose(yb, ye)):
            return "The batch rows are right but their values differ from X[idx] and y[idx]."
    return None


exercise(
    id="04-minibatches", lesson="04", title="A shuffled mini-batch iterator",
    forbids=["gdlab.epochs", "gdlab.train"],
    target="minibatches", kind="function", points=2,
    cases=_minibatch_cases, reference=_minibatches_ref, returns="any",
    compare=_compare_minibatches,
    mistakes=[],
    hints=[
        "One epoch = one random order of the rows. idx = rng.permutation(m) gives it; then "
        "walk through idx in steps of batch_size.",
        "for start in range(0, m, batch_size): rows = idx[start:start + batch_size]; append "
        "(X[rows], y[rows]). Slicing past the end simply gives the shorter last batch.",
        "idx = rng.permutation(len(y))\nreturn [(X[idx[s:s + batch_size]], y[idx[s:s + batch_size]])\n"
        "        for s in range(0, len(y), batch_size)]",
    ],
)


# --------------------------------------------------------------------------- 04-sgd-epoch
def _epoch(theta, X, y, lr, batch_size, rng, *, shuffle=True, full_grad=False, lr_power=1,
           keep_last=True, divide_by_B=False, divide_by_m=False, stale=False, sign=1.0,
           mean=True, two=2.0):
    """Reference epoch, with switches that reproduce the common mistakes."""
    X, y = _f(X), _f(y)
    m = X.shape[0]
    idx = rng.permutation(m) if shuffle else np.arange(m)
    theta = _f(theta).copy()
    theta_start = theta.copy()
    for lo in range(0, m, batch_size):
        rows = idx[lo:lo + batch_size]
        if not keep_last and len(rows) < batch_size:
            break
        Xb, yb = (X, y) if full_grad else (X[rows], y[rows])
        count = batch_size if divide_by_B else (m if divide_by_m else Xb.shape[0])
        scale = two / count if mean else two
        at = theta_start if stale else theta
        g = scale * Xb.T @ (Xb @ at - yb)
        theta = theta - sign * lr ** lr_power * g
    return theta


def _sgd_epoch_ref(theta, X, y, lr, batch_size, rng):
    return _epoch(theta, X, y, lr, batch_size, rng)


def _epoch_cases(rng):
    Xr = np.hstack([np.ones((22, 1)), rng.normal(size=(22, 2))])
    yr = Xr @ np.array([1.0, -1.0, 2.0]) + rng.normal(scale=0.3, size=22)
    # Every batch size leaves a smaller last batch (22 rows), and none is 1 or 22: with
    # one row a sum equals a mean, and with all rows order and staleness do not matter.
    return [
        Case(np.zeros(3), Xr, yr, 0.05, 5, Ref("np.random.default_rng(21)")),
        Case(np.array([0.5, 0.5, 0.5]), Xr, yr, 0.1, 3, Ref("np.random.default_rng(22)")),
        Case(np.zeros(3), Xr, yr, 0.2, 8, Ref("np.random.default_rng(23)")),
        Case(np.array([1.0, -1.0, 0.0]), Xr, yr, 0.1, 6, Ref("np.random.default_rng(24)")),
    ]


exercise(
    id="04-sgd-epoch", lesson="04", title="One epoch of mini-batch SGD",
    forbids=["gdlab.epochs", "gdlab.train", "gdlab.optim", "gdlab.models"],
    target="sgd_epoch", kind="function", points=3,
    cases=_epoch_cases, reference=_sgd_epoch_ref, rtol=1e-7, atol=1e-10, returns="array",
    mistakes=[
        Mistake("no shuffle",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, shuffle=False),
                "You visit the examples in their stored order. Shuffle at the start of the "
                "epoch: idx = rng.permutation(m), then take the batches from idx."),
        Mistake("full gradient",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, full_grad=True),
                "Each of your updates uses the gradient on ALL examples. A mini-batch update "
                "uses only the batch: (2/b) X_b^T (X_b theta - y_b) with b = len(y_b)."),
        Mistake("learning rate applied twice",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, lr_power=2),
                "Your steps are lr times too small: the learning rate is applied twice. "
                "One update is theta = theta - lr * grad."),
        Mistake("drops the last partial batch",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, keep_last=False),
                "You skip the last, smaller batch. One epoch uses every example: the final "
                "batch simply has fewer rows."),
        Mistake("divides by batch_size in the last batch",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, divide_by_B=True),
                "The last batch is smaller than batch_size, but you still divide its gradient "
                "by batch_size. Divide by the number of rows actually in the batch, len(y_b)."),
        Mistake("sum gradient",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, mean=False),
                "Your batch gradient is a SUM over the batch (missing 1/b): use the batch MSE "
                "gradient (2/b) X_b^T (X_b theta - y_b), b = len(y_b)."),
        Mistake("divides by m",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, divide_by_m=True),
                "You divide each batch gradient by m, the size of the WHOLE data set, so "
                "every step is about b/m times too short. A batch gradient averages over the "
                "batch: (2/b) X_b^T (X_b theta - y_b) with b = len(y_b)."),
        Mistake("gradient at the epoch's start point",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, stale=True),
                "Every batch gradient is computed at the theta the epoch STARTED from. Each "
                "update must use the current theta, the one the previous batch produced: "
                "compute the gradient from the same variable you update."),
        Mistake("missing factor 2",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, two=1.0),
                "Your batch gradient misses the factor 2: the derivative of the square "
                "(x_i theta - y_i)^2 is 2 x_i (x_i theta - y_i), so the batch MSE gradient is "
                "(2/b) X_b^T (X_b theta - y_b). Without it every step is half as long."),
        Mistake("ascent",
                lambda t, X, y, lr, B, rng: _epoch(t, X, y, lr, B, rng, sign=-1.0),
                "You add the gradient: descent subtracts it, theta = theta - lr * grad."),
    ],
    hints=[
        "Shuffle once at the start (idx = rng.permutation(m)), then for each batch of rows "
        "compute the batch gradient and take one step. Work on a copy of theta.",
        "For rows = idx[s:s + batch_size]: Xb, yb = X[rows], y[rows]; "
        "grad = 2 / len(yb) * Xb.T @ (Xb @ theta - yb); theta = theta - lr * grad.",
        "theta = np.array(theta, dtype=float)\nidx = rng.permutation(len(y))\n"
        "for s in range(0, len(y), batch_size):\n    rows = idx[s:s + batch_size]\n"
        "    Xb, yb = X[rows], y[rows]\n    theta = theta - lr * 2 / len(yb) * Xb.T @ (Xb @ theta - yb)\n"
        "return theta",
    ],
)


# --------------------------------------------------------------------------- 04-grad-variance
def _per_example_grads(theta, X, y):
    X, y = _f(X), _f(y)
    return 2.0 * X * (X @ _f(theta) - y)[:, None]     # row i = gradient on example i alone


def _spread(theta, X, y):
    """(1/m) sum_i ||g_i - g||^2: the variance of a one-example gradient (B = 1)."""
    G = _per_example_grads(theta, X, y)
    return float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))


def _variance_exact(theta, X, y, batch_size, n_draws, rng):
    """E ||g_B - g||^2 for a batch of B distinct rows drawn uniformly (without replacement).

    Sampling without replacement from m rows: Var = (s2 / B) * (m - B) / (m - 1), where s2 is
    the one-example spread; the factor (m - B)/(m - 1) is the finite-population correction
    (it makes the variance 0 when B = m, the full gradient).
    """
    m = len(y)
    return _spread(theta, X, y) / batch_size * (m - batch_size) / (m - 1)


def _full_grad_sq(theta, X, y):
    return float(np.sum(_per_example_grads(theta, X, y).mean(axis=0) ** 2))


def _variance_cases(rng):
    X = np.hstack([np.ones((40, 1)), rng.normal(size=(40, 2))])
    y = X @ np.array([0.5, 2.0, -1.0]) + rng.normal(scale=0.5, size=40)
    theta = np.array([-1.0, 0.5, 1.0])    # far from the fit, so the gradient is not ~0
    # Batches of at least a quarter of the 40 rows: for small B, sampling with and without
    # replacement differ by less than the Monte Carlo tolerance (and for B = 1 not at all).
    return [
        Case(theta, X, y, 12, 4000, Ref("np.random.default_rng(31)")),
        Case(theta, X, y, 20, 4000, Ref("np.random.default_rng(32)")),
        # Far out, so that the value is well away from 1 (where a square root would pass).
        Case(np.array([-3.0, 3.0, 3.0]), X, y, 30, 4000, Ref("np.random.default_rng(33)")),
        Case(np.zeros(3), X, y, 10, 4000, Ref("np.random.default_rng(34)")),
    ]


exercise(
    id="04-grad-variance", lesson="04", title="Variance of the mini-batch gradient",
    forbids=["gdlab.models", "gdlab.epochs"],
    target="minibatch_grad_variance", kind="function", points=3,
    cases=_variance_cases, reference=_variance_exact,
    # A Monte Carlo estimate from 4000 draws is within a few percent of the exact value;
    # 15 % leaves room for that and still separates every mistake below (all >= 35 % off).
    rtol=0.15, atol=1e-9, returns="float",
    mistakes=[
        Mistake("with replacement",
                lambda t, X, y, B, n, rng: _spread(t, X, y) / B,
                "Your estimate matches sampling WITH replacement (rows may repeat inside a "
                "batch). A mini-batch holds B distinct rows: rng.choice(m, size=B, "
                "replace=False). Without replacement the variance is smaller, and exactly 0 "
                "when B = m."),
        Mistake("not centred",
                lambda t, X, y, B, n, rng: _variance_exact(t, X, y, B, n, rng)
                + float(np.sum(_per_example_grads(t, X, y).mean(axis=0) ** 2)),
                "You average ||g_B||^2, the second moment. The variance measures the spread "
                "AROUND the full gradient: average ||g_B - g_full||^2."),
        # Also what averaging the distances ||g_B - g_full|| (not squared) gives: by Jensen's
        # inequality that is below the square root, but only by about 8 %, inside the
        # Monte Carlo tolerance, so one message names both.
        Mistake("standard deviation",
                lambda t, X, y, B, n, rng: float(np.sqrt(_variance_exact(t, X, y, B, n, rng))),
                "Your value is about the square root of the variance: either you take a "
                "square root at the end, or you average the distances ||g_B - g_full|| "
                "themselves. The variance is the mean SQUARED distance: "
                "np.sum((g_B - g_full) ** 2) for each draw, then the mean over the draws."),
        Mistake("sum gradient",
                # E||B g_B - g||^2 = B^2 Var(g_B) + (B - 1)^2 ||g||^2
                lambda t, X, y, B, n, rng: _variance_exact(t, X, y, B, n, rng) * B ** 2
                + (B - 1) ** 2 * float(np.sum(_per_example_grads(t, X, y).mean(axis=0) ** 2)),
                "Your batch gradient is a SUM over the batch (missing 1/B), which multiplies "
                "the variance by B^2. Use the batch MSE gradient (2/B) X_b^T (X_b theta - y_b)."),
        Mistake("batch gradient divided by m",
                # E||(B/m) g_B - g||^2 = (B/m)^2 Var(g_B) + (B/m - 1)^2 ||g||^2
                lambda t, X, y, B, n, rng: (B / len(y)) ** 2 * _variance_exact(t, X, y, B, n, rng)
                + (B / len(y) - 1) ** 2 * _full_grad_sq(t, X, y),
                "Your batch gradient divides by m (all examples) instead of by the batch size "
                "B. The batch gradient averages over its own rows: "
                "(2/B) X_b^T (X_b theta - y_b)."),
        Mistake("mean over coordinates",
                lambda t, X, y, B, n, rng: _variance_exact(t, X, y, B, n, rng) / _f(X).shape[1],
                "You average the squared differences over the d coordinates "
                "(np.mean((g_B - g_full) ** 2)), which divides the result by d. The squared "
                "distance ||g_B - g_full||^2 is the SUM over the coordinates: "
                "np.sum((g_B - g_full) ** 2) for each draw, then the mean over the draws."),
        Mistake("full gradient in every draw",
                lambda t, X, y, B, n, rng: 0.0,
                "Your estimate is 0: every draw uses the full gradient. Each draw must "
                "compute the gradient on its own batch rows only, X[rows] and y[rows]."),
    ],
    hints=[
        "First compute the full gradient g_full on all rows. Then repeat n_draws times: draw "
        "B distinct rows, compute the gradient g_B on them, and record ||g_B - g_full||^2.",
        "rows = rng.choice(m, size=batch_size, replace=False); "
        "g_B = 2 / batch_size * X[rows].T @ (X[rows] @ theta - y[rows]); "
        "return the mean of np.sum((g_B - g_full) ** 2) over the draws, as a float.",
        "m = len(y)\ng_full = 2 / m * X.T @ (X @ theta - y)\nsq = []\nfor _ in range(n_draws):\n"
        "    rows = rng.choice(m, size=batch_size, replace=False)\n"
        "    g = 2 / batch_size * X[rows].T @ (X[rows] @ theta - y[rows])\n"
        "    sq.append(np.sum((g - g_full) ** 2))\nreturn float(np.mean(sq))",
    ],
)


# --------------------------------------------------------------------------- 04-sgd-schedule
def _run_schedule(theta, X, y, schedule, batch_size, epochs, rng, *, shuffle_once=False,
                  lr_index="update", offset=0):
    """Reference multi-epoch SGD with a schedule; the switches reproduce common mistakes.

    lr_index: "update" (the global 0-based update counter, correct), "epoch" (the epoch
    number), "in-epoch" (a counter that restarts every epoch) or "first" (schedule(0) always).
    """
    X, y = _f(X), _f(y)
    m = X.shape[0]
    theta = _f(theta).copy()
    t = 0
    idx = rng.permutation(m) if shuffle_once else None
    for epoch in range(epochs):
        if not shuffle_once:
            idx = rng.permutation(m)
        for k, lo in enumerate(range(0, m, batch_size)):
            rows = idx[lo:lo + batch_size]
            Xb, yb = X[rows], y[rows]
            step = {"update": t, "epoch": epoch, "in-epoch": k, "first": 0}[lr_index]
            lr = schedule(step + offset)
            theta = theta - lr * 2.0 / len(yb) * Xb.T @ (Xb @ theta - yb)
            t += 1
    return theta


def _sgd_schedule_ref(theta, X, y, schedule, batch_size, epochs, rng):
    return _run_schedule(theta, X, y, schedule, batch_size, epochs, rng)


def _schedule_cases(rng):
    X = np.hstack([np.ones((20, 1)), rng.normal(size=(20, 2))])
    y = X @ np.array([-1.0, 1.5, 0.5]) + rng.normal(scale=0.3, size=20)
    return [
        Case(np.zeros(3), X, y, Ref("gdlab.schedules.inverse_time(0.2, decay=0.3)"), 4, 3,
             Ref("np.random.default_rng(41)")),
        Case(np.zeros(3), X, y, Ref("gdlab.schedules.step_decay(0.2, step_size=3, gamma=0.5)"),
             7, 2, Ref("np.random.default_rng(42)")),
        # Every schedule decays from the first update on (not a constant rate: there any
        # way of counting updates would pass).
        Case(np.array([1.0, 0.0, 0.0]), X, y, Ref("gdlab.schedules.exponential(0.1, gamma=0.9)"),
             5, 3, Ref("np.random.default_rng(43)")),
    ]


exercise(
    id="04-sgd-schedule", lesson="04", title="Several SGD epochs with a decaying learning rate",
    forbids=["gdlab.epochs", "gdlab.train", "gdlab.optim", "gdlab.models"],
    target="sgd_with_schedule", kind="function", points=2,
    cases=_schedule_cases, reference=_sgd_schedule_ref, rtol=1e-7, atol=1e-10,
    returns="array",
    mistakes=[
        Mistake("shuffles once",
                lambda *a: _run_schedule(*a, shuffle_once=True),
                "You draw the permutation once, before the epoch loop, so every epoch visits "
                "the batches in the same order. Draw idx = rng.permutation(m) at the start "
                "of EACH epoch."),
        Mistake("schedule indexed by epoch",
                lambda *a: _run_schedule(*a, lr_index="epoch"),
                "You call the schedule with the epoch number. Schedules here count UPDATES: "
                "use lr = schedule(t) with t = 0, 1, 2, ... increased after every update, "
                "across epochs."),
        Mistake("counter restarts every epoch",
                lambda *a: _run_schedule(*a, lr_index="in-epoch"),
                "Your update counter starts again at 0 in every epoch, so the rate jumps back "
                "up. Keep one counter t for the whole run, set to 0 before the epoch loop."),
        Mistake("counter starts at 1",
                lambda *a: _run_schedule(*a, offset=1),
                "Your first update uses schedule(1). Step indices start at 0: the first "
                "update uses schedule(0), then increase t after the update."),
        Mistake("rate never changes",
                lambda *a: _run_schedule(*a, lr_index="first"),
                "Your learning rate never changes: every update uses schedule(0). Call the "
                "schedule with the current update index t."),
    ],
    hints=[
        "Two loops: epochs outside, batches inside. Keep one counter t = 0 before both loops "
        "and add 1 after each update.",
        "At the start of each epoch: idx = rng.permutation(m). For each batch: "
        "lr = schedule(t); theta = theta - lr * grad; t += 1.",
        "theta = np.array(theta, dtype=float); t = 0\nfor _ in range(epochs):\n"
        "    idx = rng.permutation(len(y))\n    for s in range(0, len(y), batch_size):\n"
        "        rows = idx[s:s + batch_size]; Xb, yb = X[rows], y[rows]\n"
        "        theta = theta - schedule(t) * 2 / len(yb) * Xb.T @ (Xb @ theta - yb)\n"
        "        t += 1\nreturn theta",
    ],
)
