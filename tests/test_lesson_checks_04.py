"""Lesson 04's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake.

The answers are written from the lesson's task text (one ``rng.permutation(m)`` per epoch,
``rng.choice(m, size=B, replace=False)`` per draw), independently of
gdlab/checks/lesson04.py.
"""
import itertools

import numpy as np

from lesson_verdict import table_tests


# ------------------------------------------------------------------ right answers
def minibatches_loop(X, y, batch_size, rng):
    idx = rng.permutation(len(y))
    out, start = [], 0
    while start < len(y):
        rows = idx[start:start + batch_size]
        out.append((np.take(X, rows, axis=0), np.take(y, rows)))
        start += batch_size
    return out


def minibatches_split(X, y, batch_size, rng):
    idx = rng.permutation(len(y))
    pieces = np.split(idx, np.arange(batch_size, len(y), batch_size))
    return [(X[p], y[p]) for p in pieces]


def sgd_epoch_per_example(theta, X, y, lr, batch_size, rng):
    theta = np.array(theta, dtype=float)
    idx = rng.permutation(len(y))
    for start in range(0, len(y), batch_size):
        rows = idx[start:start + batch_size]
        g = sum(2 * (X[i] @ theta - y[i]) * X[i] for i in rows) / len(rows)
        theta = theta - lr * g
    return theta


def sgd_epoch_shuffled_copies(theta, X, y, lr, batch_size, rng):
    idx = rng.permutation(len(y))
    Xs, ys = X[idx], y[idx]
    theta = theta.copy()
    for start in range(0, len(y), batch_size):
        Xb, yb = Xs[start:start + batch_size], ys[start:start + batch_size]
        theta -= lr * 2 / len(yb) * Xb.T @ (Xb @ theta - yb)
    return theta


def variance_loop(theta, X, y, batch_size, n_draws, rng):
    m = len(y)
    g_full = 2 / m * X.T @ (X @ theta - y)
    total = 0.0
    for _ in range(n_draws):
        rows = rng.choice(m, size=batch_size, replace=False)
        g = 2 / batch_size * X[rows].T @ (X[rows] @ theta - y[rows])
        total += float(np.sum((g - g_full) ** 2))
    return total / n_draws




def variance_vectorised(*, replace=False, centred=True, root=False, scale="B",
                        reduce=np.sum, full_batch=False):
    """All draws at once (vectorised), so the table stays fast: each row of `rows` is one
    batch; argsort of uniform numbers gives distinct rows, as rng.choice(replace=False)."""
    def minibatch_grad_variance(theta, X, y, batch_size, n_draws, rng):
        m = len(y)
        G = 2 * X * (X @ theta - y)[:, None]          # row i: the gradient on example i
        g_full = G.mean(axis=0)
        if full_batch:
            rows = np.tile(np.arange(m), (n_draws, 1))
        elif replace:
            rows = rng.integers(0, m, size=(n_draws, batch_size))
        else:
            rows = np.argsort(rng.random((n_draws, m)), axis=1)[:, :batch_size]
        count = m if full_batch else {"B": batch_size, "m": m, "one": 1}[scale]
        g = G[rows].sum(axis=1) / count
        result = float(np.mean(reduce((g - g_full if centred else g) ** 2, axis=1)))
        return float(np.sqrt(result)) if root else result
    return minibatch_grad_variance


def schedule_counter(theta, X, y, schedule, batch_size, epochs, rng):
    theta = np.array(theta, dtype=float)
    t = 0
    for _ in range(epochs):
        idx = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            rows = idx[start:start + batch_size]
            theta = theta - schedule(t) * 2 / len(rows) * X[rows].T @ (X[rows] @ theta - y[rows])
            t += 1
    return theta


def schedule_itertools(theta, X, y, schedule, batch_size, epochs, rng):
    theta = np.array(theta, dtype=float)
    counter = itertools.count()
    for _ in range(epochs):
        idx = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            Xb, yb = X[idx[start:start + batch_size]], y[idx[start:start + batch_size]]
            theta = theta - schedule(next(counter)) * 2 / len(yb) * Xb.T @ (Xb @ theta - yb)
    return theta


RIGHT = [
    ("04-minibatches", "while loop and np.take", {"minibatches": minibatches_loop}),
    ("04-minibatches", "np.split of the order", {"minibatches": minibatches_split}),
    ("04-sgd-epoch", "sum of per-example gradients", {"sgd_epoch": sgd_epoch_per_example}),
    ("04-sgd-epoch", "shuffled copies, in place", {"sgd_epoch": sgd_epoch_shuffled_copies}),
    ("04-grad-variance", "loop", {"minibatch_grad_variance": variance_loop}),
    ("04-grad-variance", "all draws at once", {"minibatch_grad_variance":
                                               variance_vectorised()}),
    ("04-sgd-schedule", "counter", {"sgd_with_schedule": schedule_counter}),
    ("04-sgd-schedule", "itertools.count", {"sgd_with_schedule": schedule_itertools}),
]


# ------------------------------------------------------------------ wrong answers
# (04-grad-variance's wrong answers are variance_vectorised with one switch set)
def _batches(*, order="rng", keep_last=True, y_order="same", as_generator=False):
    def minibatches(X, y, batch_size, rng):
        m = len(y)
        idx = {"rng": lambda: rng.permutation(m), "none": lambda: np.arange(m),
               "own": lambda: np.random.default_rng(0).permutation(m),
               "replace": lambda: rng.choice(m, size=m, replace=True)}[order]()
        idy = rng.permutation(m) if y_order == "other" else idx
        stop = m - m % batch_size if not keep_last else m
        pairs = ((X[idx[s:s + batch_size]], y[idy[s:s + batch_size]])
                 for s in range(0, stop, batch_size))
        return pairs if as_generator else list(pairs)
    return minibatches


def _epoch(*, shuffle=True, full=False, lr_power=1, keep_last=True, divide_by="rows",
           stale=False, sign=1.0, two=2.0):
    def sgd_epoch(theta, X, y, lr, batch_size, rng):
        m = len(y)
        idx = rng.permutation(m) if shuffle else np.arange(m)
        theta = np.array(theta, dtype=float)
        start_theta = theta.copy()
        for s in range(0, m, batch_size):
            rows = idx[s:s + batch_size]
            if not keep_last and len(rows) < batch_size:
                break
            Xb, yb = (X, y) if full else (X[rows], y[rows])
            count = {"rows": len(yb), "B": batch_size, "m": m, "one": 1}[divide_by]
            at = start_theta if stale else theta
            theta = theta - sign * lr ** lr_power * two / count * Xb.T @ (Xb @ at - yb)
        return theta
    return sgd_epoch


def _epoch_in_place(theta, X, y, lr, batch_size, rng):
    idx = rng.permutation(len(y))
    for s in range(0, len(y), batch_size):
        rows = idx[s:s + batch_size]
        theta -= lr * 2 / len(rows) * X[rows].T @ (X[rows] @ theta - y[rows])
    return theta


def _schedule(*, shuffle_once=False, clock="update", start=0):
    def sgd_with_schedule(theta, X, y, schedule, batch_size, epochs, rng):
        theta = np.array(theta, dtype=float)
        t = start
        idx = rng.permutation(len(y)) if shuffle_once else None
        for epoch in range(epochs):
            if not shuffle_once:
                idx = rng.permutation(len(y))
            for k, s in enumerate(range(0, len(y), batch_size)):
                rows = idx[s:s + batch_size]
                step = {"update": t, "epoch": epoch, "in-epoch": k, "first": 0}[clock]
                g = 2 / len(rows) * X[rows].T @ (X[rows] @ theta - y[rows])
                theta = theta - schedule(step) * g
                t += 1
        return theta
    return sgd_with_schedule


WRONG = [
    ("04-minibatches", {"minibatches": _batches(order="none")}, "original order"),
    ("04-minibatches", {"minibatches": _batches(keep_last=False)}, "keep the partial batch"),
    ("04-minibatches", {"minibatches": _batches(y_order="other")},
     "X and y are shuffled differently"),
    ("04-minibatches", {"minibatches": _batches(order="own")},
     "not in the order rng.permutation(m) gives"),
    ("04-minibatches", {"minibatches": _batches(order="replace")}, "exactly once"),
    ("04-minibatches", {"minibatches": _batches(as_generator=True)}, "yield"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(shuffle=False)}, "stored order"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(full=True)}, "ALL examples"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(lr_power=2)}, "applied twice"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(keep_last=False)}, "skip the last, smaller batch"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(divide_by="B")}, "still divide its gradient"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(divide_by="one")}, "SUM over the batch"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(divide_by="m")}, "WHOLE data set"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(stale=True)}, "STARTED from"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(two=1.0)}, "factor 2"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch(sign=-1.0)}, "You add the gradient"),
    ("04-sgd-epoch", {"sgd_epoch": _epoch_in_place}, "in place"),
    ("04-grad-variance", {"minibatch_grad_variance": variance_vectorised(replace=True)},
     "WITH replacement"),
    ("04-grad-variance", {"minibatch_grad_variance": variance_vectorised(centred=False)},
     "second moment"),
    ("04-grad-variance", {"minibatch_grad_variance": variance_vectorised(root=True)},
     "square root"),
    ("04-grad-variance", {"minibatch_grad_variance": variance_vectorised(scale="one")},
     "missing 1/B"),
    ("04-grad-variance", {"minibatch_grad_variance": variance_vectorised(scale="m")},
     "divides by m (all examples)"),
    ("04-grad-variance", {"minibatch_grad_variance": variance_vectorised(reduce=np.mean)},
     "SUM over the coordinates"),
    ("04-grad-variance", {"minibatch_grad_variance": variance_vectorised(full_batch=True)},
     "Your estimate is 0"),
    ("04-sgd-schedule", {"sgd_with_schedule": _schedule(shuffle_once=True)},
     "same order"),
    ("04-sgd-schedule", {"sgd_with_schedule": _schedule(clock="epoch")}, "epoch number"),
    ("04-sgd-schedule", {"sgd_with_schedule": _schedule(clock="in-epoch")},
     "starts again at 0"),
    ("04-sgd-schedule", {"sgd_with_schedule": _schedule(start=1)}, "schedule(1)"),
    ("04-sgd-schedule", {"sgd_with_schedule": _schedule(clock="first")}, "never changes"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)
