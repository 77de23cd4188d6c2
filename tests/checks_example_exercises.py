"""A small exercise set used only by tests/test_checks.py (lesson "97" is not a real lesson).

Each reference is written out by hand here, independent of the lesson files.
"""
import numpy as np

from gdlab.checks.core import Case, Mistake, Ref, exercise


def _dfdx(x):
    # f(x) = 3x^2 - 2x + 1  ->  f'(x) = 6x - 2
    return 6 * np.asarray(x, dtype=float) - 2


DERIVATIVE = exercise(
    id="97-derivative", lesson="97", title="Derivative of a parabola", target="dfdx",
    points=2, returns="array",
    cases=lambda rng: [Case(0.5), Case(1.5), Case(np.array([-1.0, 2.0])),
                       Case(rng.normal(size=3) + 3.0), Case(np.array([3.0, 4.0, 5.0]))],
    reference=_dfdx,
    mistakes=[Mistake("power rule without the factor",
                      lambda x: 3 * np.asarray(x, dtype=float) - 2,
                      "You forgot to bring the exponent down: d/dx 3x^2 = 6x.")],
    hints=["Use the power rule.", "d/dx x^n = n x^(n-1).", "The answer is 6x - 2."],
)


def _mean_grad(X, y, theta):
    # gradient of (1/(2m)) ||X theta - y||^2 = (1/m) X^T (X theta - y)
    return X.T @ (X @ theta - y) / len(y)


_X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 4.0], [2.0, 2.0]])
_Y = np.array([1.0, -2.0, 3.0, 0.5])

MEAN_GRAD = exercise(
    id="97-mean-grad", lesson="97", title="Gradient of the half mean squared error",
    target="mean_grad", points=3, returns="array",
    cases=[Case(_X, _Y, np.array([0.5, -1.0]), meta={"m": 4}),
           Case(_X[:3], _Y[:3], np.array([1.0, 1.0]), meta={"m": 3})],
    reference=_mean_grad,
)


def _outer(u, v):
    return np.outer(u, v)


OUTER = exercise(
    id="97-outer", lesson="97", title="Outer product", target="outer", points=1,
    returns="array", cases=[Case(np.array([1.0, 2.0, 3.0]), np.array([4.0, -5.0]))],
    reference=_outer,
)

SCALE = exercise(
    id="97-scale", lesson="97", title="Scale a vector", target="scale", points=1,
    returns="array", cases=[Case(Ref("np.arange(1.0, 4.0)"), 2.0)],
    reference=lambda v, c: c * v,
)

VALUE = exercise(
    id="97-learning-rate", lesson="97", title="Pick the learning rate", target="lr_best",
    kind="value", points=1, returns="float", reference=lambda: 0.25,
)

STATS = exercise(
    id="97-stats", lesson="97", title="Mean and standard deviation", target="stats",
    points=2, returns="tuple", cases=[Case(np.array([1.0, 2.0, 4.0]))],
    reference=lambda x: (float(np.mean(x)), float(np.std(x))),
)
