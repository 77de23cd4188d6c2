"""Exercises of lessons 08 and 10: a right answer passes every case, and each common wrong
answer fails with the message that names its mistake (not just "wrong values").

The right and wrong answers here are written independently of gdlab/checks/lesson08.py and
lesson10.py (loops instead of matrix products where that makes them clearly different).
"""
import math

import numpy as np
import pytest

from lesson_verdict import verdict


# ------------------------------------------------------------------ right answers (08)
def logistic_grad(theta, X, y):
    m, d = X.shape
    g = np.zeros(d)
    for i in range(m):
        p = 1.0 / (1.0 + math.exp(-float(X[i] @ theta)))
        g += (p - y[i]) * X[i]
    return g / m


def soft_threshold(x, t):
    out = np.zeros_like(np.asarray(x, dtype=float))
    for k, v in np.ndenumerate(x):
        out[k] = v - t if v > t else (v + t if v < -t else 0.0)
    return out


def hinge_subgradient(w, X, y, lam):
    g = lam * np.array(w, dtype=float)
    for xi, yi in zip(X, y):
        if yi * (xi @ w) < 1:
            g = g - yi * xi / len(y)
    return g


def mf_sgd_update(u, v, r, lr, reg):
    err = float(np.dot(u, v)) - r
    return u - lr * (2 * err * v + 2 * reg * u), v - lr * (2 * err * u + 2 * reg * v)


def layer_backward(dZ, A_prev, W):
    m = len(dZ)
    dW = sum(np.outer(A_prev[i], dZ[i]) for i in range(m)) / m
    return dW, np.mean(dZ, axis=0), np.einsum("mo,io->mi", dZ, W)


# ------------------------------------------------------------------ right answers (10)
def r2_score(y_true, y_pred):
    resid = sum((a - b) ** 2 for a, b in zip(y_true, y_pred))
    total = sum((a - np.mean(y_true)) ** 2 for a in y_true)
    return float(1 - resid / total)


def max_epochs(m, batch_size, budget):
    per_epoch = 1 if batch_size is None else -(-m // batch_size)
    epochs = 0
    while (epochs + 1) * per_epoch <= budget:
        epochs += 1
    return epochs


def choose_config():
    return {"model": "linear", "standardize": True, "optimizer": "sgd", "lr": 0.1,
            "epochs": 25}


@pytest.mark.parametrize("exercise_id, namespace", [
    ("08-logistic-grad", {"logistic_grad": logistic_grad}),
    ("08-soft-threshold", {"soft_threshold": soft_threshold}),
    ("08-hinge-subgrad", {"hinge_subgradient": hinge_subgradient}),
    ("08-mf-update", {"mf_sgd_update": mf_sgd_update}),
    ("08-backprop-layer", {"layer_backward": layer_backward}),
    ("10-r2", {"r2_score": r2_score}),
    ("10-epochs", {"max_epochs": max_epochs}),
    ("10-config", {"choose_config": choose_config}),
])
def test_right_answer_passes(exercise_id, namespace, capsys):
    assert verdict(exercise_id, **namespace) == "PASS"
    assert f"✔ {exercise_id}: all" in capsys.readouterr().out


# ------------------------------------------------------------------ wrong answers
def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _mf_fresh(u, v, r, lr, reg):
    u2 = u - lr * (2 * (u @ v - r) * v + 2 * reg * u)
    v2 = v - lr * (2 * (u2 @ v - r) * u2 + 2 * reg * v)
    return u2, v2


@pytest.mark.parametrize("exercise_id, namespace, expected", [
    # 08-logistic-grad
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: X.T @ (X @ t - y) / len(y)},
     "Pass the scores through the sigmoid"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: X.T @ (y - _sig(X @ t)) / len(y)},
     "wrong sign"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: X.T @ (_sig(X @ t) - y)},
     "sum where a mean"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: X @ (_sig(X @ t) - y) / len(y)},
     "X where X.T belongs"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: -X.T @ (y * _sig(-y * (X @ t))) / len(y)},
     "labels in {-1, +1}"),
    # 08-soft-threshold
    ("08-soft-threshold", {"soft_threshold": lambda x, t: x - t * np.sign(x)}, "overshoot"),
    ("08-soft-threshold", {"soft_threshold": lambda x, t: np.clip(x - t, 0, None)},
     "negative entries all became 0"),
    ("08-soft-threshold", {"soft_threshold": lambda x, t: np.where(abs(x) > t, x, 0.0)},
     "HARD thresholding"),
    # 08-hinge-subgrad
    ("08-hinge-subgrad",
     {"hinge_subgradient": lambda w, X, y, lam: -X.T @ (y * (y * (X @ w) <= 1)) / len(y) + lam * w},
     "strictly"),
    ("08-hinge-subgrad",
     {"hinge_subgradient": lambda w, X, y, lam: -X.T @ (y * (y * (X @ w) < 1)) / len(y)},
     "lam * w is missing"),
    ("08-hinge-subgrad",
     {"hinge_subgradient": lambda w, X, y, lam: X.T @ (y * (y * (X @ w) < 1)) / len(y) - lam * w},
     "wrong sign"),
    # 08-mf-update
    ("08-mf-update", {"mf_sgd_update": _mf_fresh}, "UPDATED user vector"),
    ("08-mf-update", {"mf_sgd_update": lambda u, v, r, lr, reg: mf_sgd_update(u, v, r, lr, 0.0)},
     "penalty reg"),
    ("08-mf-update", {"mf_sgd_update": lambda u, v, r, lr, reg: (
        u + lr * (2 * (u @ v - r) * v + 2 * reg * u), v + lr * (2 * (u @ v - r) * u + 2 * reg * v))},
     "step UP the loss"),
    # 08-backprop-layer
    ("08-backprop-layer", {"layer_backward": lambda dZ, A, W: (A.T @ dZ / len(dZ), dZ / len(dZ), dZ @ W.T)},
     "one row per example"),
    ("08-backprop-layer", {"layer_backward": lambda dZ, A, W: (dZ.T @ A / len(dZ), dZ.mean(0), dZ @ W.T)},
     "transposed"),
    ("08-backprop-layer", {"layer_backward": lambda dZ, A, W: (A.T @ dZ, dZ.sum(0), dZ @ W.T)},
     "sums over the batch"),
    ("08-backprop-layer", {"layer_backward": lambda dZ, A, W: (A.T @ dZ / len(dZ), dZ.mean(0), dZ @ W.T / len(dZ))},
     "dA_prev is divided by m"),
    # 10-r2
    ("10-r2", {"r2_score": lambda y, p: float(np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))},
     "NOT explained"),
    ("10-r2", {"r2_score": lambda y, p: float(np.corrcoef(y, p)[0, 1] ** 2)}, "squared correlation"),
    ("10-r2", {"r2_score": lambda y, p: float(1 - np.sum((y - p) ** 2) / np.sum((p - p.mean()) ** 2))},
     "spread of the TRUE values"),
    # 09-early-stopping (lesson09.py): an answer that never stops must be told so,
    # not be mistaken for "compares with the previous epoch"
    ("09-early-stopping", {"early_stopping": lambda v, p: (int(np.argmin(v)), len(v) - 1)},
     "never stops early"),
    # 10-epochs
    ("10-epochs", {"max_epochs": lambda m, B, budget: budget // (m // (B or m))}, "ceil(m / batch_size)"),
    ("10-epochs", {"max_epochs": lambda m, B, budget: math.ceil(budget / math.ceil(m / (B or m)))},
     "rounded up"),
    # 10-config
    ("10-config", {"choose_config": lambda: {"model": "linear", "standardize": False,
                                             "optimizer": "sgd", "lr": 1e-5, "epochs": 25}},
     "exact least squares reaches"),
    ("10-config", {"choose_config": lambda: {"model": "linear", "standardize": True,
                                             "optimizer": "sgd", "lr": 0.1, "epochs": 50}},
     "over the budget of 25"),
    ("10-config", {"choose_config": lambda: {"model": "linear", "standardize": True,
                                             "optimizer": "sgd", "learning_rate": 0.1, "epochs": 25}},
     "unknown key(s) ['learning_rate']"),
    ("10-config", {"choose_config": lambda: {"model": "linear", "standardize": True,
                                             "optimizer": "sgd", "lr": 5.0, "epochs": 25}},
     "diverged"),
    ("10-config", {"choose_config": lambda: {"model": "svm", "standardize": True,
                                             "optimizer": "sgd", "lr": 0.1, "epochs": 25}},
     "Invalid model: 'svm'"),
    ("10-config", {"choose_config": lambda: [("model", "linear")]}, "must return a dict"),
])
def test_mistake_is_named(exercise_id, namespace, expected):
    message = verdict(exercise_id, **namespace)
    assert message != "PASS"
    assert expected in message, message


def test_config_partial_credit_counts_splits():
    """A configuration that reaches the target on some grader splits only gets partial
    points: the points are per split."""
    from gdlab.checks import evaluate, probe, decode_probe
    from gdlab import capstone

    # Adam on the raw target at lr 10: near the ceiling on one published split, far below
    # it on the others
    config = {"model": "linear", "standardize": True, "optimizer": "adam", "lr": 10.0,
              "epochs": 25}
    verdicts = [capstone.verdict(capstone.evaluate_config(config, s).score,
                                 capstone.ceiling(*capstone.load_split(s)))
                for s in capstone.SPLIT_SEEDS]
    expected_passes = sum(v != "below" for v in verdicts)
    assert 0 < expected_passes < 3, verdicts
    namespace = {"choose_config": lambda: dict(config)}
    result = evaluate("10-config", decode_probe(probe("10-config", namespace)))
    assert result.passed_cases == expected_passes
    assert result.points == round(4 * expected_passes / 3, 2)


def test_grader_counts_gradient_evaluations_itself():
    from gdlab import capstone as lesson10
    run = lesson10.evaluate_config({"model": "linear", "standardize": True, "optimizer": "sgd",
                                    "lr": 0.1, "batch_size": 100, "epochs": 6}, 1)
    # ceil(332 / 100) = 4 updates per epoch, 6 epochs
    assert run.grad_evals == 24
    with pytest.raises(ValueError, match="plans 28 gradient evaluations"):
        lesson10.evaluate_config({"model": "linear", "standardize": True, "optimizer": "sgd",
                                  "lr": 0.1, "batch_size": 100, "epochs": 7}, 1)
