"""Shape and value checks shared by the models.

Every model validates its inputs in the public ``loss``/``grad``/``predict`` methods, with
messages that name the bad shape and say what would be valid. ``gdlab.train.fit`` validates
once up front and then calls the unchecked ``_loss_grad`` in its inner loop, so the checks
cost nothing per update.
"""
import numpy as np

from gdlab._validation import Interval, check


def as_float_array(a, name):
    """Return ``a`` as a float array (float32 stays float32, integers become float64)."""
    arr = np.asarray(a)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a numeric array; got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def check_X(X, name="X"):
    X = as_float_array(X, name)
    if X.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D with shape (m, n_features); got shape {X.shape}. "
            f"For a single feature use {name}.reshape(-1, 1); for a single example "
            f"use {name}.reshape(1, -1).")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D with shape (m, n_features); got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} has no rows (shape {X.shape}); need at least one example")
    return X


def check_y(y, m, name="y"):
    y = as_float_array(y, name)
    if y.ndim == 2 and y.shape[1] == 1 and y.shape[0] == m:
        raise ValueError(
            f"{name} has shape {y.shape}, a column vector; pass a 1-D array of shape ({m},), "
            f"e.g. {name}.ravel(). (With shape (m, 1), X @ theta - y would broadcast to (m, m).)")
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D with shape ({m},); got shape {y.shape}")
    if y.shape[0] != m:
        raise ValueError(
            f"X and {name} disagree on the number of examples: X has {m} rows but "
            f"{name} has {y.shape[0]} entries")
    return y


def check_params(params, d, model_name):
    params = as_float_array(params, "params")
    if params.ndim == 2 and 1 in params.shape and params.size == d:
        raise ValueError(
            f"params has shape {params.shape}; {model_name} uses a flat vector of shape ({d},). "
            f"Use params.ravel().")
    if params.shape != (d,):
        raise ValueError(f"params must have shape ({d},) for {model_name}; got shape {params.shape}")
    return params


def check_labels(y, allowed, model_name, hint):
    """Check that y only holds the values in ``allowed`` (e.g. (0, 1) or (-1, 1))."""
    ok = np.zeros(y.shape, dtype=bool)
    for v in allowed:
        ok |= y == v
    if not ok.all():
        found = np.unique(y[~ok])[:5]
        raise ValueError(
            f"{model_name} expects labels in {set(allowed)}; found {found.tolist()}. {hint}")


NONNEG = Interval(0, None)
POSITIVE_INT = Interval(1, None, integer=True)


def check_nonneg(value, name):
    """A finite real number >= 0 (not a bool, not a string), as float."""
    return check(value, name, NONNEG)


def check_positive_int(value, name):
    return check(value, name, POSITIVE_INT)


def check_n_features(n_features, model_name):
    return check(n_features, "n_features", POSITIVE_INT, label=f"n_features for {model_name}",
                 none_ok=True)
