"""Lesson 03 exercises: linear regression by gradient descent.

The references are written out here (not imported from gdlab.models) so that a bug in the
package cannot make a wrong learner answer look right. Every Mistake recomputes the answer
a learner gets with one specific, common error, so the check can name it.
"""
import numpy as np

from gdlab.checks.compare import diagnose
from gdlab.checks.core import Case, Mistake, exercise

# The three-point example of the lesson: identical columns, infinitely many minimizers.
_X_TINY = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
_Y_TINY = np.array([1.0, 2.0, 3.0])


def _f(a):
    return np.asarray(a, dtype=float)


def _residual(theta, X, y):
    return _f(X) @ _f(theta) - _f(y)


# --------------------------------------------------------------------------- 03-mse
def _mse(theta, X, y):
    r = _residual(theta, X, y)
    return float(r @ r / r.shape[0])


def _mse_cases(rng):
    X1 = rng.normal(size=(50, 3))
    y1 = X1 @ np.array([1.5, -2.0, 0.5]) + rng.normal(scale=0.3, size=50)
    X2 = _with_ones(rng.uniform(0, 4, size=(20, 1)))
    y2 = 1.0 + 2.0 * X2[:, 1] + rng.normal(scale=0.5, size=20)
    return [
        Case(np.zeros(2), _X_TINY, _Y_TINY, meta={"m": 3}),
        Case(rng.normal(size=3), X1, y1, meta={"m": 50}),
        Case(np.array([0.5, 1.0]), X2, y2, meta={"m": 20}),
        Case(np.array([1.0, 2.0]), X2, y2 - 1.0, meta={"m": 20}),
    ]


def _with_ones(X):
    """Column of ones in front (kept local so the checks do not depend on gdlab.data)."""
    return np.hstack([np.ones((X.shape[0], 1)), X])


exercise(
    id="03-mse", lesson="03", title="The mean squared error",
    forbids=["gdlab.models", "gdlab.capstone"],
    target="mse", kind="function", points=2,
    cases=_mse_cases, reference=_mse, rtol=1e-7, atol=1e-10, returns="float",
    mistakes=[
        Mistake("sum instead of mean",
                lambda theta, X, y: float(np.sum(_residual(theta, X, y) ** 2)),
                "You return the SUM of squared residuals. The MSE is their MEAN: divide by "
                "the number of examples m = len(y) (or use np.mean)."),
        Mistake("missing square",
                lambda theta, X, y: float(np.mean(_residual(theta, X, y))),
                "You average the residuals without squaring them, so positive and negative "
                "errors cancel. Square each residual first: np.mean((X @ theta - y) ** 2)."),
        Mistake("absolute error",
                lambda theta, X, y: float(np.mean(np.abs(_residual(theta, X, y)))),
                "You compute the mean ABSOLUTE error. The MSE squares each residual: "
                "(X @ theta - y) ** 2."),
        Mistake("one half convention",
                lambda theta, X, y: 0.5 * _mse(theta, X, y),
                "Your value is half the expected one: you used the 1/(2m) convention. This "
                "course defines J = (1/m) * ||X theta - y||^2 (no factor 1/2)."),
        Mistake("root mean square",
                lambda theta, X, y: float(np.sqrt(_mse(theta, X, y))),
                "You return the square ROOT of the MSE (the RMSE). Drop the np.sqrt."),
        Mistake("norm not squared",
                lambda theta, X, y: float(np.linalg.norm(_residual(theta, X, y)) / len(y)),
                "You divide the norm ||X theta - y|| by m, but the norm must be squared: "
                "np.linalg.norm(r) ** 2 / m, or simply np.mean(r ** 2)."),
    ],
    hints=[
        "Compute the residual vector r = X @ theta - y first; it has one entry per example.",
        "The MSE is the average of the squared residuals: square elementwise, then average.",
        "return float(np.mean((X @ theta - y) ** 2))",
    ],
)


# --------------------------------------------------------------------------- 03-mse-grad
def _mse_grad(theta, X, y):
    X = _f(X)
    return 2.0 / X.shape[0] * X.T @ _residual(theta, X, y)


def _grad_cases(rng):
    X1 = rng.normal(size=(40, 3))
    y1 = X1 @ np.array([2.0, -1.0, 0.5]) + rng.normal(scale=0.2, size=40)
    # A square, non-symmetric X: the only shape for which X @ r instead of X.T @ r runs,
    # so this case is what lets the check recognise the transposed-X mistake.
    Xsq = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]])
    ysq = np.array([1.0, -2.0, 0.5])
    return [
        # First, so that a transposed X is reported with its explanation rather than as the
        # shape error it causes on the other cases.
        Case(np.array([0.5, -1.0, 2.0]), Xsq, ysq, meta={"m": 3}),
        Case(np.zeros(2), _X_TINY, _Y_TINY, meta={"m": 3}),
        Case(rng.normal(size=3), X1, y1, meta={"m": 40}),
        Case(np.array([1.0, 1.0, 1.0]), X1, y1, meta={"m": 40}),
    ]


def _x_not_transposed(theta, X, y):
    X = _f(X)
    return 2.0 / X.shape[0] * X @ _residual(theta, X, y)  # only runs for square X


exercise(
    id="03-mse-grad", lesson="03", title="The gradient of the MSE",
    forbids=["gdlab.models", "gdlab.gradcheck"],
    target="mse_grad", kind="function", points=2,
    cases=_grad_cases, reference=_mse_grad, rtol=1e-7, atol=1e-10, returns="array",
    mistakes=[
        Mistake("missing 1/m",
                lambda theta, X, y: 2.0 * _f(X).T @ _residual(theta, X, y),
                "Your gradient is m times too large: you sum over the examples but forget to "
                "divide by m = len(y). The cost is a mean, so its gradient is (2/m) X^T r."),
        Mistake("missing factor 2",
                lambda theta, X, y: _f(X).T @ _residual(theta, X, y) / len(y),
                "Your gradient is half the expected one: the derivative of r^2 is 2 r, so the "
                "gradient of (1/m)||r||^2 is (2/m) X^T r. (The 1/(2m) convention has no 2, but "
                "this course uses 1/m.)"),
        Mistake("sign",
                lambda theta, X, y: -_mse_grad(theta, X, y),
                "Your gradient has the wrong sign: with r = X theta - y (prediction minus "
                "target) the gradient is +(2/m) X^T r. Did you use y - X theta?"),
        Mistake("X instead of X transposed", _x_not_transposed,
                "You multiply the residual by X instead of X.T. The residual has one entry "
                "per example (shape (m,)); X.T has shape (d, m), so X.T @ r has one entry per "
                "parameter. (With a square X both run, which is why this case caught it.)"),
        Mistake("divides by d",
                lambda theta, X, y: 2.0 / _f(X).shape[1] * _f(X).T @ _residual(theta, X, y),
                "You divide by the number of parameters d = X.shape[1]. Divide by the number "
                "of EXAMPLES m = X.shape[0] (= len(y))."),
    ],
    hints=[
        "Shapes guide you: the residual r = X @ theta - y has shape (m,), the gradient must "
        "have shape (d,). Which matrix turns an (m,) vector into a (d,) vector?",
        "X.T has shape (d, m), so X.T @ r has shape (d,). Do not forget the factor 2/m.",
        "return 2 / len(y) * X.T @ (X @ theta - y)",
    ],
)


# --------------------------------------------------------------------------- 03-gradient-descent
def _descent(X, y, theta0, lr, n_iters, *, lr_power=1, sign=1.0, coordinatewise=False,
             grad_scale=None):
    """Reference loop, with switches that reproduce the common mistakes."""
    X, y = _f(X), _f(y)
    m = X.shape[0]
    scale = 2.0 / m if grad_scale is None else grad_scale(m)
    theta = _f(theta0).copy()
    costs = [_mse(theta, X, y)]
    for _ in range(int(n_iters)):
        if coordinatewise:
            # Each coordinate sees the already-updated earlier ones (not a simultaneous update).
            for j in range(theta.size):
                g = scale * X.T @ (X @ theta - y)
                theta[j] = theta[j] - sign * lr ** lr_power * g[j]
        else:
            g = scale * X.T @ (X @ theta - y)
            theta = theta - sign * lr ** lr_power * g
        costs.append(_mse(theta, X, y))
    return theta, np.array(costs)


def _gd_cases(rng):
    X1 = np.hstack([np.ones((30, 1)), rng.normal(size=(30, 2))])
    X1[:, 2] += 0.8 * X1[:, 1]          # correlated columns: coordinate-wise updates differ
    y1 = X1 @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=30)
    return [
        Case(_X_TINY, _Y_TINY, np.zeros(2), 0.01, 50),
        Case(X1, y1, rng.normal(size=3), 0.1, 25),
        Case(X1, y1, np.array([0.5, 0.5, 0.5]), 0.05, 1),
        # (Not 0 iterations: there every wrong update passes too.)
        Case(X1, y1, np.array([1.0, 0.0, -1.0]), 0.1, 3),
    ]


def _compare_descent(got, expected, case):
    """Check the (theta, costs) pair part by part, so the message says which part is wrong."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = type(got).__name__
        return (f"gradient_descent must return a tuple (theta, costs); got a {kind}"
                + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "") + ".")
    theta, costs = (np.asarray(v, dtype=float) for v in got)
    exp_theta, exp_costs = expected
    n_iters = case.args[4]
    if theta.shape != exp_theta.shape:
        return f"theta has shape {theta.shape}; expected {exp_theta.shape}, like theta0."
    if costs.shape != exp_costs.shape:
        if costs.shape == (n_iters,):
            return (f"costs has {n_iters} entries; expected {n_iters + 1}: costs[0] is the cost "
                    "at theta0, before any update, and costs[k] the cost after k updates.")
        return f"costs has shape {costs.shape}; expected ({n_iters + 1},) (n_iters + 1 entries)."
    if not np.allclose(costs, exp_costs, rtol=1e-6, atol=1e-9):
        k = int(np.argmax(~np.isclose(costs, exp_costs, rtol=1e-6, atol=1e-9)))
        if np.allclose(theta, exp_theta, rtol=1e-6, atol=1e-9):
            return (f"theta is right but costs[{k}] = {costs[k]:.6g}, expected "
                    f"{exp_costs[k]:.6g}. Record the MSE (1/m)||X theta - y||^2 at theta0 and "
                    "after each update.")
        return (f"costs[{k}] = {costs[k]:.6g}, expected {exp_costs[k]:.6g} (the first "
                f"difference); final theta {np.round(theta, 4)}, expected {np.round(exp_theta, 4)}.")
    if not np.allclose(theta, exp_theta, rtol=1e-6, atol=1e-9):
        return (f"the costs are right but the returned theta {np.round(theta, 4)} is not the "
                f"final one {np.round(exp_theta, 4)}. Return theta after the last update.")
    return None


exercise(
    id="03-gradient-descent", lesson="03", title="The full-batch gradient-descent loop",
    forbids=["gdlab.train", "gdlab.optim", "gdlab.epochs", "gdlab.models"],
    target="gradient_descent", kind="function", points=3,
    cases=_gd_cases, reference=_descent, returns=("array", "array"), compare=_compare_descent,
    mistakes=[
        Mistake("coordinate-wise stale updates",
                lambda X, y, t0, lr, n: _descent(X, y, t0, lr, n, coordinatewise=True),
                "You update the parameters one coordinate at a time, recomputing the gradient "
                "with the coordinates you already changed. Gradient descent moves ALL "
                "coordinates at once using the gradient at the old point: "
                "theta = theta - lr * grad (one vector operation)."),
        Mistake("learning rate applied twice",
                lambda X, y, t0, lr, n: _descent(X, y, t0, lr, n, lr_power=2),
                "Your steps are lr times too small: the learning rate is applied twice "
                "(e.g. step = lr * grad and then theta -= lr * step). Use theta - lr * grad."),
        Mistake("ascent",
                lambda X, y, t0, lr, n: _descent(X, y, t0, lr, n, sign=-1.0),
                "Your cost goes UP: you add the gradient. Descent subtracts it: "
                "theta = theta - lr * grad."),
        Mistake("sum gradient",
                lambda X, y, t0, lr, n: _descent(X, y, t0, lr, n, grad_scale=lambda m: 2.0),
                "Your steps are m times too large: the gradient inside the loop is missing "
                "the 1/m, (2/m) X^T (X theta - y)."),
        Mistake("half gradient",
                lambda X, y, t0, lr, n: _descent(X, y, t0, lr, n, grad_scale=lambda m: 1.0 / m),
                "Your steps are half the expected size: the gradient of (1/m)||r||^2 is "
                "(2/m) X^T r, with the factor 2."),
    ],
    hints=[
        "Copy theta0 first (theta = np.array(theta0, dtype=float)), record the cost at the "
        "start, then loop n_iters times: gradient, update, record the cost.",
        "Inside the loop: grad = 2 / m * X.T @ (X @ theta - y); theta = theta - lr * grad; "
        "then append the MSE at the new theta. Return theta and np.array(costs).",
        "theta = np.array(theta0, dtype=float)   # a copy: theta0 stays untouched\n"
        "costs = [mse(theta, X, y)]\nfor _ in range(n_iters):\n    theta = theta - lr * "
        "mse_grad(theta, X, y)\n    costs.append(mse(theta, X, y))\nreturn theta, np.array(costs)",
    ],
)


# --------------------------------------------------------------------------- 03-lstsq
def _lstsq(X, y, theta_gd):
    theta_ls = np.linalg.lstsq(_f(X), _f(y), rcond=None)[0]
    return theta_ls, float(np.linalg.norm(_f(theta_gd) - theta_ls))


def _lstsq_cases(rng):
    X1 = np.hstack([np.ones((25, 1)), rng.normal(size=(25, 2))])
    y1 = X1 @ np.array([0.5, 1.0, -1.5]) + rng.normal(scale=0.2, size=25)
    return [
        Case(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 3.0]),
             np.array([1.0, 2.5])),
        Case(X1, y1, np.zeros(3)),
        Case(X1, y1, np.array([0.5, 1.0, -1.5])),
        # Rank-deficient: only lstsq / pinv cope (the normal equations are singular).
        Case(_X_TINY, _Y_TINY, np.array([0.25, 0.75])),
    ]


def _compare_lstsq(got, expected, case):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        if isinstance(got, (tuple, list)) and len(got) == 4:
            return ("You return 4 things: np.linalg.lstsq returns (solution, residuals, rank, "
                    "singular_values). Keep only the solution, element [0], and add the distance.")
        return (f"compare_with_lstsq must return a tuple (theta_ls, distance); got "
                f"{type(got).__name__}.")
    theta_ls, dist = got
    exp_theta, exp_dist = expected
    if isinstance(theta_ls, (tuple, list)) and any(np.ndim(part) > 0 for part in theta_ls):
        return ("theta_ls is the whole result of np.linalg.lstsq, a tuple (solution, "
                "residuals, rank, singular_values). Keep only the solution: "
                "np.linalg.lstsq(X, y, rcond=None)[0].")
    theta_ls = np.asarray(theta_ls, dtype=float)
    if theta_ls.shape != exp_theta.shape:
        return (f"theta_ls has shape {theta_ls.shape}; expected {exp_theta.shape}. "
                "np.linalg.lstsq(X, y, rcond=None)[0] is the solution vector.")
    if not np.allclose(theta_ls, exp_theta, rtol=1e-6, atol=1e-9):
        return (f"theta_ls = {np.round(theta_ls, 4)}, expected {np.round(exp_theta, 4)}. "
                "Use np.linalg.lstsq(X, y, rcond=None)[0] (it also handles rank-deficient X, "
                "where the normal equations X^T X theta = X^T y are singular).")
    if np.ndim(dist) != 0:
        return (f"distance must be a single number; got an array of shape {np.shape(dist)}. "
                "Take the norm of the difference vector: np.linalg.norm(theta_gd - theta_ls).")
    dist = float(dist)
    diff = np.asarray(case.args[2], dtype=float) - exp_theta
    if np.isclose(dist, exp_dist, rtol=1e-6, atol=1e-9):
        return None
    if np.isclose(dist, exp_dist ** 2, rtol=1e-6, atol=1e-9):
        return ("Your distance is the SQUARED norm. Take the square root: "
                "np.linalg.norm(theta_gd - theta_ls).")
    if np.isclose(dist, np.max(np.abs(diff)), rtol=1e-6, atol=1e-9):
        return ("Your distance is the largest coordinate difference. Use the Euclidean "
                "norm: np.linalg.norm(theta_gd - theta_ls).")
    if np.isclose(dist, np.sum(np.abs(diff)), rtol=1e-6, atol=1e-9):
        return ("Your distance is the sum of absolute differences (L1). Use the Euclidean "
                "norm: np.linalg.norm(theta_gd - theta_ls).")
    return f"distance = {dist:.6g}, expected {exp_dist:.6g} = ||theta_gd - theta_ls||_2."


exercise(
    id="03-lstsq", lesson="03", title="Compare with np.linalg.lstsq",
    target="compare_with_lstsq", kind="function", points=2,
    cases=_lstsq_cases, reference=_lstsq, returns=("array", "float"), compare=_compare_lstsq,
    mistakes=[],
    hints=[
        "np.linalg.lstsq(X, y, rcond=None) returns a tuple of four things; the first is the "
        "least-squares solution.",
        "The distance between two vectors a and b is np.linalg.norm(a - b); return it as a float.",
        "theta_ls = np.linalg.lstsq(X, y, rcond=None)[0]\n"
        "return theta_ls, float(np.linalg.norm(theta_gd - theta_ls))",
    ],
)


# --------------------------------------------------------------------------- 03-gd-limit
# Where full-batch descent on the MSE ends, for any X (any rank) and any start: the
# minimum-norm solution X^+ y plus the part of the start that lies in the null space of X
# (the gradient, a combination of the rows of X, never changes that part).
def _gd_limit(X, y, theta_start, *, start_part="null"):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    theta_start = np.asarray(theta_start, dtype=float)
    P = np.linalg.pinv(X)
    row_part = P @ (X @ theta_start)
    kept = {"null": theta_start - row_part, "none": 0.0 * theta_start,
            "all": theta_start, "row": row_part}[start_part]
    return P @ y + kept


# A singular value this much smaller than the largest one makes descent hopeless in that
# direction: at a stable rate its error shrinks by at most a factor 1 - 2 mu / (L + mu) per
# step, with mu / L = SLOW**2 = 1e-8, so reaching the check's tolerance (rtol 1e-7) takes
# more than 1e8 steps. Only the formula gets there; the text of the exercise says so.
_SLOW = 1e-4


def _with_singular_values(rng, m, d, singular_values):
    """An (m, d) matrix whose nonzero singular values are the given ones (random singular
    vectors); fewer values than min(m, d) leave a null space."""
    k = len(singular_values)
    U = np.linalg.qr(rng.normal(size=(m, k)))[0]
    V = np.linalg.qr(rng.normal(size=(d, k)))[0]
    return U @ np.diag(singular_values) @ V.T


def _gd_limit_cases(rng):
    t = rng.normal(size=3)
    A = rng.normal(size=(6, 2))
    dependent = np.column_stack([A, A[:, 0] + 2.0 * A[:, 1]])   # rank 2 of 3 columns
    zero_col = np.column_stack([rng.normal(size=5), np.zeros(5), rng.normal(size=5)])
    # a tiny singular value AND a null space, so both parts of the answer matter
    slow = _with_singular_values(rng, 8, 4, [2.0, 1.2, 2.0 * _SLOW])
    slow_wide = _with_singular_values(rng, 3, 5, [2.0, 1.0, 2.0 * _SLOW])
    return [
        # the lesson's identical columns, started at (2, 0): ends at (1.5, -0.5)
        Case(np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]), np.array([1.0, 2.0, 3.0]),
             np.array([2.0, 0.0])),
        Case(dependent, rng.normal(size=6), t),
        # more parameters than examples: a two-dimensional null space
        Case(rng.normal(size=(2, 4)), rng.normal(size=2), rng.normal(size=4)),
        # a column of zeros: its coordinate never moves
        Case(zero_col, rng.normal(size=5), np.array([0.5, -3.0, 1.0])),
        # full column rank: the null space is {0}, every start ends at the same point
        Case(rng.normal(size=(7, 3)), rng.normal(size=7), rng.normal(size=3)),
        # a singular value 1e-4 times the largest: descent cannot get there, the formula can
        Case(slow, rng.normal(size=8), rng.normal(size=4)),
        Case(slow_wide, rng.normal(size=3), rng.normal(size=5)),
    ]


def _slow_directions(X):
    """(right singular vectors of X whose singular value is tiny but not zero, the largest
    ratio of the top singular value to theirs)."""
    _, sv, Vt = np.linalg.svd(_f(X))
    top = sv.max(initial=0.0)
    zero = top * max(np.shape(X)) * np.finfo(float).eps
    tiny = (sv > zero) & (sv <= 1e-3 * top)
    return Vt[: sv.size][tiny], (top / sv[tiny].min() if tiny.any() else 1.0)


def _compare_gd_limit(got, expected, case):
    finding = diagnose(got, expected, returns="array", rtol=1e-7, atol=1e-9)
    if finding is None or finding.code != "values":
        return None if finding is None else finding.message
    slow, ratio = _slow_directions(case.args[0])
    diff = _f(got) - expected
    off_slow = diff - slow.T @ (slow @ diff)
    if slow.size and np.linalg.norm(off_slow) <= 1e-4 * np.linalg.norm(diff):
        return ("your result is right in every direction but one: along the direction "
                f"where X has a singular value {ratio:,.0f} times smaller than its largest "
                f"it is off by {np.linalg.norm(diff):.3g}. That is what running descent "
                f"gives: there the curvature is {ratio ** 2:.0e} times smaller than the "
                "largest one, so at any stable rate each step removes at most a fraction "
                f"{2 / ratio ** 2:.0e} of the error, and reaching the answer would take "
                "more than 10^8 steps. (A cut-off in pinv or lstsq, rcond, that treats the "
                "tiny singular value as zero does the same.) The exercise asks for the "
                "formula: compute the limit with np.linalg.pinv(X) at its default "
                "cut-off, without running descent.")
    return finding.message


exercise(
    id="03-gd-limit", lesson="03", title="Predict where descent ends",
    forbids=["gdlab.train", "gdlab.optim", "gdlab.epochs", "gdlab.models"],
    target="gd_limit", kind="function", points=3,
    cases=_gd_limit_cases, reference=_gd_limit, rtol=1e-7, atol=1e-9, returns="array",
    compare=_compare_gd_limit,
    mistakes=[
        Mistake("start ignored", lambda X, y, t: _gd_limit(X, y, t, start_part="none"),
                "You return the minimum-norm solution X^+ y whatever the start. That is where "
                "descent ends from theta_start = 0; from elsewhere it keeps the part of the "
                "start that X cannot see (its null-space part), because the gradient never "
                "changes it."),
        Mistake("whole start added", lambda X, y, t: _gd_limit(X, y, t, start_part="all"),
                "You add the whole start to X^+ y. Only the start's null-space part survives "
                "descent: its row-space part, pinv(X) @ X @ theta_start, is corrected by the "
                "gradient like any other error. Keep theta_start - pinv(X) @ X @ theta_start."),
        Mistake("row-space part kept", lambda X, y, t: _gd_limit(X, y, t, start_part="row"),
                "You kept the start's row-space part pinv(X) @ X @ theta_start. That is the "
                "part descent corrects; the part it never touches is the rest, "
                "theta_start - pinv(X) @ X @ theta_start (the null-space part)."),
    ],
    hints=[
        "Split the start into two parts: the part in the row space of X (which descent "
        "corrects) and the part in the null space (X v = 0, which the gradient never "
        "changes). The end point is a minimizer plus the part that never changes.",
        "pinv(X) @ X projects onto the row space, so the null-space part of a vector v is "
        "v - pinv(X) @ X @ v. The minimizer with nothing in the null space is pinv(X) @ y.",
        "P = np.linalg.pinv(X)\nreturn P @ y + theta_start - P @ (X @ theta_start)",
    ],
)
