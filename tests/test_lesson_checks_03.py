"""Lesson 03's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson03.py (loops over examples, the pseudo-inverse, math.dist, ...).
"""
import math

import numpy as np

from lesson_verdict import table_tests


# ------------------------------------------------------------------ right answers
def mse_loop(theta, X, y):
    total = 0.0
    for xi, yi in zip(X, y):
        total += (float(np.dot(xi, theta)) - yi) ** 2
    return total / len(y)


def mse_grad_loop(theta, X, y):
    g = np.zeros(X.shape[1])
    for xi, yi in zip(X, y):
        g += 2 * (xi @ theta - yi) * xi
    return g / len(y)


def descent_with_list(X, y, theta0, lr, n_iters):
    theta = np.array(theta0, dtype=float)
    costs = [float(np.mean((X @ theta - y) ** 2))]
    for _ in range(n_iters):
        theta = theta - lr * 2 / len(y) * X.T @ (X @ theta - y)
        costs.append(float(np.mean((X @ theta - y) ** 2)))
    return theta, np.array(costs)


def descent_on_a_copy(X, y, theta0, lr, n_iters):
    theta = theta0.astype(float).copy()        # in-place updates are safe on the copy
    costs = np.zeros(n_iters + 1)
    for k in range(n_iters + 1):
        r = X @ theta - y
        costs[k] = r @ r / len(y)
        if k < n_iters:
            theta -= lr * (2 / len(y)) * (r @ X)
    return theta, costs


def gd_limit_by_svd(X, y, theta_start):
    # null-space basis from the SVD: the right singular vectors of the zero singular values
    U, sv, Vt = np.linalg.svd(X)
    rank = int(np.sum(sv > sv.max() * max(X.shape) * np.finfo(float).eps))
    N = Vt[rank:].T
    return np.linalg.lstsq(X, y, rcond=None)[0] + N @ (N.T @ theta_start)


def gd_limit_by_projection(X, y, theta_start):
    P = np.linalg.pinv(X)
    return P @ y + (np.eye(X.shape[1]) - P @ X) @ theta_start


RIGHT = [
    ("03-gd-limit", "null-space basis from the SVD", {"gd_limit": gd_limit_by_svd}),
    ("03-gd-limit", "projection matrix", {"gd_limit": gd_limit_by_projection}),
    ("03-mse", "np.mean", {"mse": lambda theta, X, y: float(np.mean((X @ theta - y) ** 2))}),
    ("03-mse", "loop over examples", {"mse": mse_loop}),
    ("03-mse", "squared norm", {"mse": lambda theta, X, y: float(
        np.linalg.norm(X @ theta - y) ** 2 / len(y))}),
    ("03-mse-grad", "X.T @ r", {"mse_grad": lambda theta, X, y:
                                2 / len(y) * X.T @ (X @ theta - y)}),
    ("03-mse-grad", "loop over examples", {"mse_grad": mse_grad_loop}),
    ("03-mse-grad", "einsum", {"mse_grad": lambda theta, X, y: 2 / X.shape[0] * np.einsum(
        "ij,i->j", X, np.einsum("ij,j->i", X, theta) - y)}),
    ("03-gradient-descent", "list of costs", {"gradient_descent": descent_with_list}),
    ("03-gradient-descent", "in place on a copy", {"gradient_descent": descent_on_a_copy}),
    ("03-lstsq", "lstsq and norm", {"compare_with_lstsq": lambda X, y, t: (
        np.linalg.lstsq(X, y, rcond=None)[0],
        float(np.linalg.norm(t - np.linalg.lstsq(X, y, rcond=None)[0])))}),
    ("03-lstsq", "pseudo-inverse and math.dist", {"compare_with_lstsq": lambda X, y, t: (
        np.linalg.pinv(X) @ y, math.dist(t, np.linalg.pinv(X) @ y))}),
]


# ------------------------------------------------------------------ wrong answers
def _descent(*, coordinatewise=False, lr_power=1, sign=1.0, scale=lambda m: 2.0 / m,
             first_cost=True, final=True):
    def gradient_descent(X, y, theta0, lr, n_iters):
        theta = np.array(theta0, dtype=float)
        costs = [float(np.mean((X @ theta - y) ** 2))] if first_cost else []
        for _ in range(n_iters):
            if coordinatewise:
                for j in range(theta.size):
                    theta[j] -= sign * lr ** lr_power * (scale(len(y)) * X.T @ (X @ theta - y))[j]
            else:
                theta = theta - sign * lr ** lr_power * scale(len(y)) * X.T @ (X @ theta - y)
            costs.append(float(np.mean((X @ theta - y) ** 2)))
        return (theta if final else np.array(theta0, dtype=float)), np.array(costs)
    return gradient_descent


def _descent_in_place(X, y, theta0, lr, n_iters):
    costs = [float(np.mean((X @ theta0 - y) ** 2))]
    for _ in range(n_iters):
        theta0 -= lr * 2 / len(y) * X.T @ (X @ theta0 - y)
        costs.append(float(np.mean((X @ theta0 - y) ** 2)))
    return theta0, np.array(costs)


def _ls(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def gd_limit_by_running_descent(X, y, theta_start, steps=20_000):
    # issue 19: "03-gd-limit gives 10/10 to 20 000 descent steps though it asks for the
    # formula 'without running descent'"; a safe rate 1/L, as lesson 03 uses
    L = np.linalg.eigvalsh(2 * X.T @ X / len(y))[-1]
    theta = np.array(theta_start, dtype=float)
    for _ in range(steps):
        theta = theta - 1.0 / L * 2 / len(y) * X.T @ (X @ theta - y)
    return theta


WRONG = [
    ("03-gd-limit", {"gd_limit": lambda X, y, t: np.linalg.pinv(X) @ y}, "whatever the start"),
    ("03-gd-limit", {"gd_limit": lambda X, y, t: np.linalg.pinv(X) @ y + t},
     "whole start"),
    ("03-gd-limit", {"gd_limit": lambda X, y, t: np.linalg.pinv(X) @ (y + X @ t)},
     "row-space part"),
    ("03-gd-limit", {"gd_limit": gd_limit_by_running_descent}, "without running descent"),
    # pinv with a cut-off that drops the tiny singular value ends where descent stalls
    ("03-gd-limit", {"gd_limit": lambda X, y, t: np.linalg.pinv(X, rcond=1e-3) @ y + t
                     - np.linalg.pinv(X, rcond=1e-3) @ X @ t}, "rcond"),
    ("03-mse", {"mse": lambda t, X, y: float(np.sum((X @ t - y) ** 2))}, "SUM of squared"),
    ("03-mse", {"mse": lambda t, X, y: float(np.mean(X @ t - y))}, "without squaring"),
    ("03-mse", {"mse": lambda t, X, y: float(np.mean(np.abs(X @ t - y)))}, "ABSOLUTE"),
    ("03-mse", {"mse": lambda t, X, y: float(np.mean((X @ t - y) ** 2) / 2)}, "1/(2m)"),
    ("03-mse", {"mse": lambda t, X, y: float(np.sqrt(np.mean((X @ t - y) ** 2)))}, "RMSE"),
    ("03-mse", {"mse": lambda t, X, y: float(np.linalg.norm(X @ t - y) / len(y))},
     "must be squared"),
    ("03-mse-grad", {"mse_grad": lambda t, X, y: 2 * X.T @ (X @ t - y)}, "m times too large"),
    ("03-mse-grad", {"mse_grad": lambda t, X, y: X.T @ (X @ t - y) / len(y)},
     "half the expected"),
    ("03-mse-grad", {"mse_grad": lambda t, X, y: 2 / len(y) * X.T @ (y - X @ t)},
     "wrong sign"),
    ("03-mse-grad", {"mse_grad": lambda t, X, y: 2 / len(y) * X @ (X @ t - y)},
     "instead of X.T"),
    ("03-mse-grad", {"mse_grad": lambda t, X, y: 2 / X.shape[1] * X.T @ (X @ t - y)},
     "number of parameters"),
    ("03-mse-grad", {"mse_grad": lambda t, X, y: (2 / len(y) * X.T @ (X @ t - y))[:, None]},
     "(a column)"),
    ("03-gradient-descent", {"gradient_descent": _descent(coordinatewise=True)},
     "one coordinate at a time"),
    ("03-gradient-descent", {"gradient_descent": _descent(lr_power=2)}, "applied twice"),
    ("03-gradient-descent", {"gradient_descent": _descent(sign=-1.0)}, "goes UP"),
    ("03-gradient-descent", {"gradient_descent": _descent(scale=lambda m: 2.0)},
     "m times too large"),
    ("03-gradient-descent", {"gradient_descent": _descent(scale=lambda m: 1.0 / m)},
     "half the expected size"),
    ("03-gradient-descent", {"gradient_descent": _descent(first_cost=False)},
     "costs[0] is the cost at theta0"),
    ("03-gradient-descent", {"gradient_descent": _descent(final=False)},
     "not the final one"),
    ("03-gradient-descent", {"gradient_descent": lambda *a: _descent()(*a)[0]},
     "must return a tuple (theta, costs)"),
    ("03-gradient-descent", {"gradient_descent": _descent_in_place}, "in place"),
    ("03-lstsq", {"compare_with_lstsq": lambda X, y, t: (
        np.linalg.lstsq(X, y, rcond=None), 0.0)}, "whole result of np.linalg.lstsq"),
    ("03-lstsq", {"compare_with_lstsq": lambda X, y, t: np.linalg.lstsq(X, y, rcond=None)},
     "You return 4 things"),
    ("03-lstsq", {"compare_with_lstsq": lambda X, y, t: (
        _ls(X, y), float(np.sum((t - _ls(X, y)) ** 2)))}, "SQUARED norm"),
    ("03-lstsq", {"compare_with_lstsq": lambda X, y, t: (
        _ls(X, y), float(np.max(np.abs(t - _ls(X, y)))))}, "largest coordinate difference"),
    ("03-lstsq", {"compare_with_lstsq": lambda X, y, t: (
        _ls(X, y), float(np.sum(np.abs(t - _ls(X, y)))))}, "sum of absolute differences"),
    # The normal equations with an inverse: singular on the lesson's rank-deficient data.
    ("03-lstsq", {"compare_with_lstsq": lambda X, y, t: (
        np.linalg.inv(X.T @ X) @ X.T @ y,
        float(np.linalg.norm(t - np.linalg.inv(X.T @ X) @ X.T @ y)))}, "LinAlgError"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


def _tiny_singular_value(X):
    sv = np.linalg.svd(X, compute_uv=False)
    return bool(np.any((sv > 1e-12 * sv.max()) & (sv < 1e-3 * sv.max())))


def test_gd_limit_is_where_descent_really_ends():
    """The key of 03-gd-limit is checked against descent itself: gdlab.fit, run to
    convergence from each case's start, ends where the reference says (to 1e-9). Cases with
    a tiny singular value cannot be run to convergence (that is their point): there the key
    is checked against what characterises the limit, a zero gradient and a move from the
    start that lies in the row space of X (descent never leaves start + row space)."""
    import gdlab
    from gdlab.checks import get_exercise
    ex = get_exercise("03-gd-limit")
    model = gdlab.models.LinearRegression()
    slow_cases = 0
    for case in ex.make_cases() + ex.hidden_cases(7):
        (X, y, start), _ = case.resolved()
        limit = ex.call_with(ex.reference, case)
        if _tiny_singular_value(X):
            slow_cases += 1
            _, sv, Vt = np.linalg.svd(X)
            null = Vt[int(np.sum(sv > 1e-12 * sv.max())):]
            assert np.linalg.norm(X.T @ (X @ limit - y)) < 1e-9 * np.linalg.norm(X.T @ y)
            assert np.allclose(null @ (limit - start), 0.0, atol=1e-9)
            continue
        L = np.linalg.eigvalsh(2 * X.T @ X / len(y))[-1]
        run = gdlab.train.fit(model, X, y, gdlab.optim.SGD(lr=1.0 / L), batch_size=None,
                              epochs=20000, params0=start.copy(), record_path=False)
        assert np.allclose(run.x, limit, atol=1e-9)
    assert slow_cases >= 4          # two in the lesson, two among the hidden ones


def test_gd_limit_slow_cases_are_out_of_reach_of_descent():
    """The premise the exercise text states: in the tiny-singular-value cases even the best
    constant rate 2/(L + mu) needs more than 10^8 steps to shrink the error 1e7-fold, and
    20 000 steps at 1/L leave the end point far outside the check's tolerance."""
    from gdlab.checks import get_exercise
    ex = get_exercise("03-gd-limit")
    for case in ex.make_cases():
        (X, y, start), _ = case.resolved()
        if not _tiny_singular_value(X):
            continue
        eig = np.linalg.eigvalsh(2 * X.T @ X / len(y))
        L, mu = eig[-1], eig[eig > 1e-12 * eig[-1]][0]
        best_factor = (L - mu) / (L + mu)
        assert np.log(1e-7) / np.log(best_factor) > 1e8
        limit = ex.call_with(ex.reference, case)
        got = gd_limit_by_running_descent(X, y, start)
        assert not np.allclose(got, limit, rtol=1e-3)
