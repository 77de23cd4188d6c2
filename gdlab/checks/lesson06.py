"""Lesson 06 exercises: when descent struggles.

References are plain numpy written out here (not gdlab.data / gdlab.optim), so a bug in the
package cannot make a wrong answer look right. Each Mistake recomputes what a learner gets
with one specific, common error, so the check can name it.
"""
import math

import numpy as np

from gdlab.checks.core import Case, Mistake, exercise, explain_array_mismatch


def _f(a):
    return np.asarray(a, dtype=float)


# --------------------------------------------------------------------------- 06-standardize
def _col_std(X, ddof=0):
    std = _f(X).std(axis=0, ddof=ddof)
    return np.where(std == 0, 1.0, std)   # a constant column is only centred


def _standardize(X_train, X_test):
    Xtr, Xte = _f(X_train), _f(X_test)
    mean, std = Xtr.mean(axis=0), _col_std(Xtr)
    return ((Xtr - mean) / std, (Xte - mean) / std)


def _global_stats(X_train, X_test):
    Xtr, Xte = _f(X_train), _f(X_test)
    mean, std = Xtr.mean(), Xtr.std()
    return ((Xtr - mean) / std, (Xte - mean) / std)


def _not_centred(X_train, X_test):
    std = _col_std(X_train)
    return (_f(X_train) / std, _f(X_test) / std)


def _only_centred(X_train, X_test):
    mean = _f(X_train).mean(axis=0)
    return (_f(X_train) - mean, _f(X_test) - mean)


def _test_own_stats(X_train, X_test):
    Xte = _f(X_test)
    return (_standardize(X_train, X_test)[0],
            (Xte - Xte.mean(axis=0)) / _col_std(Xte))


def _pooled(X_train, X_test):
    both = np.vstack([_f(X_train), _f(X_test)])
    mean, std = both.mean(axis=0), _col_std(both)
    return ((_f(X_train) - mean) / std, (_f(X_test) - mean) / std)


def _ddof1(X_train, X_test):
    Xtr, Xte = _f(X_train), _f(X_test)
    mean, std = Xtr.mean(axis=0), _col_std(Xtr, ddof=1)
    return ((Xtr - mean) / std, (Xte - mean) / std)


def _row_stats(X_train, X_test):
    def rows(X):
        X = _f(X)
        std = X.std(axis=1, keepdims=True)
        return (X - X.mean(axis=1, keepdims=True)) / np.where(std == 0, 1.0, std)
    return (rows(X_train), rows(X_test))


def _standardize_compare(got, expected, case):
    # A NaN/inf from dividing a constant column by its zero std deserves its own message.
    if isinstance(got, (tuple, list)):
        for part in got:
            try:
                arr = np.asarray(part, dtype=float)
            except (TypeError, ValueError):
                continue
            if arr.size and not np.all(np.isfinite(arr)):
                return ("Your result contains NaN or inf. A column with the same value in "
                        "every training row has std 0, and dividing by 0 breaks it: for such "
                        "columns divide by 1 instead (np.where(std == 0, 1.0, std)), so they "
                        "are only centred.")
    return explain_array_mismatch(got, expected, rtol=1e-9, atol=1e-12, returns="tuple",
                                  name="your result")


def _standardize_cases(rng):
    scales = np.array([1.0, 100.0, 0.01])
    Xtr = rng.normal(size=(12, 3)) * scales + np.array([5.0, -300.0, 0.2])
    Xte = rng.normal(size=(5, 3)) * scales + np.array([5.0, -300.0, 0.2])
    const_tr = np.column_stack([rng.normal(size=8) * 3 + 1, np.full(8, 2.5),
                                rng.uniform(0, 10, size=8)])
    const_te = np.column_stack([rng.normal(size=4) * 3 + 1, np.array([2.5, 2.5, 3.0, 2.0]),
                                rng.uniform(0, 10, size=4)])
    return [
        Case(np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]]),
             np.array([[2.0, 30.0], [4.0, 0.0]])),
        Case(np.round(Xtr, 4), np.round(Xte, 4)),
        Case(np.round(const_tr, 4), np.round(const_te, 4)),
        # Two columns on different scales (with one column, one mean and std for all the
        # data would be the per-column ones).
        Case(np.column_stack([np.arange(6.0) ** 2, 3.0 * np.arange(6.0)]),
             np.array([[0.0, 1.0], [10.0, 5.0], [40.0, -2.0]])),
    ]


exercise(
    id="06-standardize", lesson="06", title="Standardize features with training statistics",
    forbids=["gdlab.data"],
    target="standardize_train_test", kind="function", points=3,
    cases=_standardize_cases, reference=_standardize, rtol=1e-9, atol=1e-12,
    returns=("array", "array"), compare=_standardize_compare,
    mistakes=[
        Mistake("test statistics (leakage)", _test_own_stats,
                "Your test set is scaled with its OWN mean and std. The test data must be "
                "transformed with the TRAINING mean and std: at prediction time you do not "
                "have a batch of test data to compute statistics from, and using them leaks "
                "information about the test set into the model."),
        Mistake("pooled statistics (leakage)", _pooled,
                "You computed the mean and std on training and test data together. Use the "
                "training rows only (X_train.mean(axis=0), X_train.std(axis=0)); otherwise "
                "the test set leaks into the preprocessing."),
        Mistake("one mean and std for all data", _global_stats,
                "You used one mean and one std for the whole matrix. Each column (feature) "
                "has its own scale: use axis=0, X_train.mean(axis=0) and X_train.std(axis=0)."),
        Mistake("rows instead of columns", _row_stats,
                "You standardized each ROW (axis=1). Features are the columns: use axis=0."),
        Mistake("not centred", _not_centred,
                "You divided by the std but did not subtract the mean: standardizing is "
                "(X - mean) / std, with the training mean."),
        Mistake("not scaled", _only_centred,
                "You subtracted the mean but did not divide by the std: the columns are "
                "centred but keep their different scales. Standardizing is "
                "(X - mean) / std, with the training mean and std."),
        Mistake("sample std (ddof=1)", _ddof1,
                "You used the sample standard deviation (ddof=1). This exercise uses the "
                "population std, np.std's default (ddof=0), like gdlab.data.standardize and "
                "scikit-learn's StandardScaler."),
    ],
    hints=[
        "Compute mean = X_train.mean(axis=0) and std = X_train.std(axis=0): one number per "
        "column, from the training rows only.",
        "Columns with std == 0 would divide by zero: replace their std by 1 with "
        "np.where(std == 0, 1.0, std). Then transform BOTH sets with these training "
        "statistics.",
        "mean = X_train.mean(axis=0)\nstd = X_train.std(axis=0)\n"
        "std = np.where(std == 0, 1.0, std)\n"
        "return (X_train - mean) / std, (X_test - mean) / std",
    ],
)


# --------------------------------------------------------------------------- 06-iterations-kappa
def _count(kappa, tol, max_iter, *, lr_rule="best", stop="norm", offset=0, cap=True):
    """Updates of gradient descent on 0.5 (x0^2 + kappa x1^2) from (1, 1) until the
    stopping quantity is <= tol (max_iter if never; with cap=False, keep going)."""
    kappa = float(kappa)
    lr = 2.0 / (kappa + 1.0) if lr_rule == "best" else 1.0 / kappa
    # Plain floats, not arrays: the mistakes re-run this thousands of steps per check, and
    # scalar arithmetic is several times faster (the same operations, the same rounding).
    step0, step1 = lr * 1.0, lr * kappa
    x0 = x1 = 1.0

    def done(a, b):
        if stop == "norm":
            return math.sqrt(a * a + b * b) <= tol
        if stop == "loss":
            return 0.5 * (a * a + kappa * b * b) <= tol
        if stop == "max-abs":
            return max(abs(a), abs(b)) <= tol
        return math.sqrt(a * a + (kappa * b) ** 2) <= tol

    k = 0
    while not done(x0, x1) and (k < max_iter or not cap):
        x0, x1 = x0 - step0 * x0, x1 - step1 * x1
        k += 1
    return k + offset if k < max_iter else k


def _iterations(kappa, tol=1e-6, max_iter=100_000):
    return _count(kappa, tol, max_iter)


def _iter_cases(rng):
    return [
        Case(3.0, 1e-6),   # not kappa = 1: one step lands on the minimum, any test agrees
        Case(2.0, 1e-6),
        Case(10.0, 1e-6),
        Case(10.0, 1e-3),
        Case(50.0, 1e-4),
        Case(100.0, 1e-6),
        Case(1000.0, 1e-6),
        Case(300.0, 1e-2, max_iter=50),
        Case(5.0, 2.0),              # ||(1, 1)|| = 1.414 <= 2 already: no update needed
    ]


exercise(
    id="06-iterations-kappa", lesson="06", title="Iterations against the condition number",
    forbids=["gdlab.train", "gdlab.optim"],
    target="iterations_to_converge", kind="function", points=3,
    # Counts are whole numbers: any tolerance below 0.5 only forgives float rounding (at
    # 0.5, half of a count of 1 would pass).
    cases=_iter_cases, reference=_iterations, rtol=0.0, atol=0.25, returns="float",
    compare=lambda got, expected, case: explain_array_mismatch(
        got, expected, rtol=0.0, atol=0.25, returns="float", name="your count"),
    mistakes=[
        Mistake("lr = 1/L",
                lambda kappa, tol=1e-6, max_iter=100_000: _count(kappa, tol, max_iter,
                                                                lr_rule="1/L"),
                "Your count matches the learning rate 1/L = 1/kappa. The task uses the best "
                "constant rate 2/(L + mu) = 2/(kappa + 1) (with L = kappa, mu = 1)."),
        Mistake("one too many",
                lambda kappa, tol=1e-6, max_iter=100_000: _count(kappa, tol, max_iter,
                                                                offset=1),
                "Off by one: your count is one too high. Count the updates taken: check "
                "the stopping test BEFORE each update (0 if the start already satisfies it)."),
        Mistake("one too few",
                lambda kappa, tol=1e-6, max_iter=100_000: _count(kappa, tol, max_iter,
                                                                offset=-1),
                "Off by one: your count is one too low. Return the number of updates after "
                "which ||x|| <= tol holds for the first time."),
        Mistake("loss instead of distance",
                lambda kappa, tol=1e-6, max_iter=100_000: _count(kappa, tol, max_iter,
                                                                stop="loss"),
                "You stop when the LOSS is below tol. The task stops on the distance to the "
                "minimizer, np.linalg.norm(x) <= tol."),
        Mistake("gradient norm instead of distance",
                lambda kappa, tol=1e-6, max_iter=100_000: _count(kappa, tol, max_iter,
                                                                stop="grad"),
                "You stop when the GRADIENT norm is below tol. The task stops on the "
                "distance to the minimizer, np.linalg.norm(x) <= tol."),
        Mistake("largest coordinate instead of norm",
                lambda kappa, tol=1e-6, max_iter=100_000: _count(kappa, tol, max_iter,
                                                                stop="max-abs"),
                "You stop when the largest |coordinate| is below tol. The task uses the "
                "Euclidean length of x, np.linalg.norm(x) (sqrt(x0^2 + x1^2)), which is up "
                "to sqrt(2) times larger here."),
        Mistake("max_iter ignored",
                lambda kappa, tol=1e-6, max_iter=100_000: _count(kappa, tol, max_iter,
                                                                cap=False),
                "Your loop ignores max_iter: it kept going past the limit. Stop after at "
                "most max_iter updates and return max_iter when ||x|| <= tol has not been "
                "reached by then."),
    ],
    hints=[
        "f(x) = 0.5 (x0^2 + kappa x1^2) has gradient (x0, kappa x1), so L = kappa and "
        "mu = 1; the learning rate is 2 / (kappa + 1).",
        "Start from x = np.array([1.0, 1.0]) and k = 0; while np.linalg.norm(x) > tol and "
        "k < max_iter: take one step and add 1 to k. Return k.",
        "lr = 2.0 / (kappa + 1.0)\nx = np.array([1.0, 1.0])\nk = 0\n"
        "while np.linalg.norm(x) > tol and k < max_iter:\n"
        "    x = x - lr * np.array([x[0], kappa * x[1]])\n    k += 1\nreturn k",
    ],
)


# --------------------------------------------------------------------------- 06-clip-global
def _global_norm(grads):
    return float(np.sqrt(sum(float(np.sum(_f(g) ** 2)) for g in grads)))


def _clip_global(grads, max_norm):
    total = _global_norm(grads)
    scale = 1.0 if total <= max_norm else max_norm / total
    return [_f(g) * scale for g in grads]


def _clip_each(grads, max_norm):
    out = []
    for g in grads:
        n = float(np.linalg.norm(_f(g)))
        out.append(_f(g) * (1.0 if n <= max_norm else max_norm / n))
    return out


def _clip_always(grads, max_norm):
    total = _global_norm(grads)
    return [_f(g) * (max_norm / total) for g in grads]


def _clip_values(grads, max_norm):
    return [np.clip(_f(g), -max_norm, max_norm) for g in grads]


def _clip_sum_of_norms(grads, max_norm):
    total = sum(float(np.linalg.norm(_f(g))) for g in grads)
    scale = 1.0 if total <= max_norm else max_norm / total
    return [_f(g) * scale for g in grads]


def _clip_squared(grads, max_norm):
    total = _global_norm(grads) ** 2
    scale = 1.0 if total <= max_norm else max_norm / total
    return [_f(g) * scale for g in grads]


def _clip_inverted(grads, max_norm):
    total = _global_norm(grads)
    scale = 1.0 if total <= max_norm else total / max_norm
    return [_f(g) * scale for g in grads]


def _clip_compare(got, expected, case):
    if not isinstance(got, (list, tuple)):
        return (f"Your result should be a list with one array per input array "
                f"({len(expected)} of them), but it is not a list.")
    if len(got) != len(expected):
        return (f"Your result has {len(got)} parts, but there are {len(expected)} input "
                "arrays: return one (clipped) array for each, in the same order.")
    for i, (g, e) in enumerate(zip(got, expected)):
        text = explain_array_mismatch(g, e, rtol=1e-6, atol=1e-12, returns="array",
                                      name=f"array {i} of your result")
        if text is not None:
            return text
    return None


def _clip_cases(rng):
    W = rng.normal(size=(3, 2))
    b = rng.normal(size=2)
    return [
        Case([np.array([3.0, 4.0]), np.array([12.0])], 6.5),          # norm 13 -> halve
        # Below the limit, unchanged; the sum of the norms (17) and the squared norm are not.
        Case([np.array([3.0, 4.0]), np.array([12.0])], 15.0),
        Case([np.array([[6.0, 0.0], [0.0, 8.0]]), np.array([0.5, 0.5])], 1.0),
        Case([W * 10, b], 2.0),
        Case([W * 0.5, b * 0.5], 1.8),   # global norm 1.54 < 1.8 < 2.13 (sum of norms), 2.36
        Case([np.array([0.0, 3.0, 4.0]), np.array([-1.0, 2.0])], 1.0),
        Case([np.array([0.3, -0.4]), np.array([[1.0, 2.0], [2.0, -4.0]]), np.array([10.0])],
             3.0),
    ]


exercise(
    id="06-clip-global", lesson="06", title="Gradient clipping by global norm",
    forbids=["gdlab.optim"],
    target="clip_by_global_norm", kind="function", points=3,
    cases=_clip_cases, reference=_clip_global, rtol=1e-6, atol=1e-12, returns="any",
    compare=_clip_compare,
    mistakes=[
        Mistake("per-array clipping", _clip_each,
                "You clipped every array to max_norm on its own. Clipping by GLOBAL norm "
                "computes one norm over all arrays together, sqrt(sum of all squared "
                "entries), and scales every array by the same factor, so the overall "
                "direction of the gradient is kept."),
        Mistake("always rescaled", _clip_always,
                "You rescale even when the global norm is already below max_norm, which "
                "blows small gradients UP to max_norm. Only shrink: the factor is "
                "min(1, max_norm / norm)."),
        Mistake("clipped values", _clip_values,
                "You clipped each entry to [-max_norm, max_norm] (np.clip). That is clipping "
                "by VALUE and changes the direction; clipping by norm multiplies all arrays "
                "by one factor max_norm / norm."),
        Mistake("sum of norms", _clip_sum_of_norms,
                "You added up the norms of the arrays. The global norm is "
                "sqrt(sum over arrays of np.sum(g**2)): the norm of all entries as one long "
                "vector, which is smaller than the sum of the norms."),
        Mistake("squared norm", _clip_squared,
                "Your norm is squared: you forgot the square root in sqrt(sum of squares)."),
        Mistake("factor upside down", _clip_inverted,
                "Your factor is upside down: you multiply by norm / max_norm, which makes a "
                "large gradient even LARGER. Multiply by max_norm / norm (below 1 when "
                "clipping acts)."),
    ],
    hints=[
        "First compute one number, the global norm: the square root of the sum of the "
        "squares of ALL entries of ALL arrays.",
        "If that norm is at most max_norm return copies unchanged; otherwise multiply every "
        "array by max_norm / norm. Build new arrays (g * scale), do not use g *= scale.",
        "norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))\n"
        "scale = min(1.0, max_norm / norm) if norm > 0 else 1.0\n"
        "return [g * scale for g in grads]",
    ],
)
