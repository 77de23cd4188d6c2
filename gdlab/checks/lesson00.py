"""Lesson 00 exercises: three warm-ups that show how checks work.

They are deliberately small (a mean, an array of a given shape, one descent step), but each
one already meets a mistake the course keeps coming back to: sum instead of mean, a
transposed array, the wrong sign or a forgotten learning rate, a mutated input.
The references are written out here, independent of the rest of gdlab.
"""
import numpy as np

from gdlab.checks.compare import diagnose
from gdlab.checks.core import Case, Mistake, exercise


def _f(a):
    return np.asarray(a, dtype=float)


# --------------------------------------------------------------------------- 00-mean
def _mean(values):
    v = _f(values)
    return float(v.sum() / v.size)


def _mean_cases(rng):
    return [
        # No meta={"m": ...}: the generic sum-vs-mean message speaks of "samples" and "m",
        # words lesson 00 has not introduced; the Mistake below says it in this lesson's terms.
        Case(np.array([1.0, 2.0, 3.0, 4.0])),
        Case(np.array([2.5, -0.5])),   # two values: for one value the sum IS the mean
        Case(rng.normal(loc=3.0, size=50)),
        Case(np.array([-1.0, 1.0, 4.0])),
        Case(np.arange(10)),
    ]


exercise(
    id="00-mean", lesson="00", title="The mean of an array, as a float",
    target="mean_of", kind="function", points=1,
    cases=_mean_cases, reference=_mean, rtol=1e-9, atol=1e-12, returns="float",
    mistakes=[
        Mistake("sum instead of mean", lambda v: float(_f(v).sum()),
                "You return the SUM of the values: you took a sum where a mean is needed. "
                "Divide that sum by how many values there are (len(values)), or simply use "
                "np.mean(values)."),
        Mistake("divides by n - 1", lambda v: float(_f(v).sum() / (_f(v).size - 1))
                if _f(v).size > 1 else float("nan"),
                "You divide by len(values) - 1. That is the correction used for an unbiased "
                "variance; the mean divides by len(values) itself."),
        Mistake("first value only", lambda v: float(_f(v)[0]),
                "You return the first value, not the mean of all of them."),
    ],
    hints=[
        "NumPy has a function for exactly this, and it is called like the quantity you "
        "are asked for (np.____(values)).",
        "np.mean(values) is a NumPy number; the task asks for a plain Python float: wrap "
        "the result in float(...).",
        "return float(np.mean(values))",
    ],
)


# --------------------------------------------------------------------------- 00-points
def _points(xs, ys):
    return np.stack([_f(xs), _f(ys)], axis=1)


def _points_cases(rng):
    return [
        Case(np.array([0.0, 1.0, 2.0]), np.array([5.0, 6.0, 7.0])),
        Case(np.array([1.5]), np.array([-2.0])),
        Case(rng.normal(size=6), rng.normal(size=6)),
        Case(np.linspace(-1.0, 1.0, 4), np.zeros(4)),
    ]


def _compare_points(got, expected, case):
    """The generic "transposed" message talks about matrix products, which this warm-up
    has none of; name the actual slip (np.array([xs, ys]) stacks them as rows)."""
    if (isinstance(got, np.ndarray) and got.shape != expected.shape
            and got.shape == expected.shape[::-1]):
        return (f"Your array is transposed: shape {got.shape} instead of {expected.shape}. "
                "np.array([xs, ys]) puts xs and ys as ROWS; the task wants them as COLUMNS, "
                "one row per point. Add .T, or use np.column_stack([xs, ys]).")
    finding = diagnose(got, expected, returns="array", rtol=0.0, atol=0.0,
                       name="your result")
    return None if finding is None else finding.message


exercise(
    id="00-points", lesson="00", title="Stack coordinates into an (n, 2) array of points",
    target="as_points", kind="function", points=1,
    cases=_points_cases, reference=_points, rtol=0.0, atol=0.0, returns="array",
    compare=_compare_points,
    mistakes=[
        Mistake("swapped columns", lambda xs, ys: _points(ys, xs),
                "Your columns are swapped: column 0 must hold the x coordinates and "
                "column 1 the y coordinates, so that row i is the point (xs[i], ys[i])."),
        Mistake("concatenated", lambda xs, ys: np.concatenate([_f(xs), _f(ys)]),
                "You joined the two arrays end to end into one long vector of shape "
                "(2n,). The task wants a table with one ROW per point: shape (n, 2)."),
    ],
    hints=[
        "np.array([xs, ys]) puts xs and ys as ROWS, shape (2, n). You want them as columns.",
        "Either transpose that (.T) or use np.stack([...], axis=1) / np.column_stack.",
        "return np.column_stack([xs, ys])",
    ],
)


# --------------------------------------------------------------------------- 00-step
def _step(x, g, lr):
    return _f(x) - lr * _f(g)


def _step_cases(rng):
    return [
        Case(np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1),
        Case(np.array([3.0]), np.array([6.0]), 0.25),
        Case(rng.normal(size=5), rng.normal(size=5), 0.05),
        Case(np.array([-2.0, 0.0, 2.0]), np.array([4.0, 1.0, -3.0]), 0.5),
    ]


exercise(
    id="00-step", lesson="00", title="One gradient-descent step",
    forbids=["gdlab.optim", "gdlab.train"],
    target="descent_step", kind="function", points=1,
    cases=_step_cases, reference=_step, rtol=1e-12, atol=1e-12, returns="array",
    mistakes=[
        Mistake("ascent", lambda x, g, lr: _f(x) + lr * _f(g),
                "You ADD lr * g. The gradient points uphill, so a descent step moves the "
                "other way: x - lr * g."),
        Mistake("no learning rate", lambda x, g, lr: _f(x) - _f(g),
                "You subtract the whole gradient: the learning rate is missing. The step "
                "is lr * g, not g."),
        Mistake("learning rate twice", lambda x, g, lr: _f(x) - lr * lr * _f(g),
                "You multiply by the learning rate twice (lr * lr * g). Scale the gradient "
                "by lr once."),
        Mistake("step only", lambda x, g, lr: -lr * _f(g),
                "You return only the step -lr * g. Return the new POINT: x - lr * g."),
    ],
    hints=[
        "The new point is the old point moved a little in the direction opposite to the "
        "gradient.",
        "Do not write into x (x -= ...): that changes the caller's array. Build a new "
        "array with an expression instead.",
        "return x - lr * g",
    ],
)
