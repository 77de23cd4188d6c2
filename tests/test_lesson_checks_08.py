"""Lesson 08's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson08.py (loops instead of matrix products where that makes them clearly
different).
"""
import math

import numpy as np

from lesson_verdict import table_tests, verdict


# ------------------------------------------------------------------ right answers
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


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


RIGHT = [
    ("08-read-adam-sgd", "the letter", {"adam_vs_sgd_conclusion": lambda: "C"}),
    ("08-read-adam-sgd", "lower case with spaces", {"adam_vs_sgd_conclusion": lambda: " c"}),
    ("08-logistic-grad", "loop over examples", {"logistic_grad": logistic_grad}),
    ("08-logistic-grad", "matrix form", {"logistic_grad": lambda t, X, y:
                                         X.T @ (_sig(X @ t) - y) / len(y)}),
    ("08-soft-threshold", "loop", {"soft_threshold": soft_threshold}),
    ("08-soft-threshold", "sign times shrink", {"soft_threshold": lambda x, t: np.sign(x)
                                                * np.maximum(np.abs(x) - t, 0.0)}),
    ("08-hinge-subgrad", "loop", {"hinge_subgradient": hinge_subgradient}),
    ("08-hinge-subgrad", "mask", {"hinge_subgradient": lambda w, X, y, lam:
                                  -X.T @ (y * (y * (X @ w) < 1)) / len(y) + lam * w}),
    ("08-mf-update", "error first", {"mf_sgd_update": mf_sgd_update}),
    ("08-mf-update", "gradients first", {"mf_sgd_update": lambda u, v, r, lr, reg: (
        u - lr * 2 * ((u @ v - r) * v + reg * u), v - lr * 2 * ((u @ v - r) * u + reg * v))}),
    ("08-backprop-layer", "outer products", {"layer_backward": layer_backward}),
    ("08-backprop-layer", "matrix products", {"layer_backward": lambda dZ, A, W: (
        A.T @ dZ / len(dZ), dZ.mean(axis=0), dZ @ W.T)}),
]


# ------------------------------------------------------------------ wrong answers
def _mf_fresh(u, v, r, lr, reg):
    u2 = u - lr * (2 * (u @ v - r) * v + 2 * reg * u)
    v2 = v - lr * (2 * (u2 @ v - r) * u2 + 2 * reg * v)
    return u2, v2


WRONG = [
    ("08-read-adam-sgd", {"adam_vs_sgd_conclusion": lambda: "A"}, "cannot be told from the split"),
    ("08-read-adam-sgd", {"adam_vs_sgd_conclusion": lambda: "b"}, "Agreeing with a paper"),
    ("08-read-adam-sgd", {"adam_vs_sgd_conclusion": lambda: "D"}, "LOWER than"),
    ("08-read-adam-sgd", {"adam_vs_sgd_conclusion": lambda: "C and A"}, "one of the letters"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: X.T @ (X @ t - y) / len(y)},
     "Pass the scores through the sigmoid"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: X.T @ (y - _sig(X @ t)) / len(y)},
     "wrong sign"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: X.T @ (_sig(X @ t) - y)},
     "sum where a mean"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y: X @ (_sig(X @ t) - y) / len(y)},
     "X where X.T belongs"),
    ("08-logistic-grad", {"logistic_grad": lambda t, X, y:
                          -X.T @ (y * _sig(-y * (X @ t))) / len(y)}, "labels in {-1, +1}"),
    ("08-soft-threshold", {"soft_threshold": lambda x, t: x - t * np.sign(x)}, "overshoot"),
    ("08-soft-threshold", {"soft_threshold": lambda x, t: np.clip(x - t, 0, None)},
     "negative entries all became 0"),
    ("08-soft-threshold", {"soft_threshold": lambda x, t: np.where(abs(x) > t, x, 0.0)},
     "HARD thresholding"),
    ("08-hinge-subgrad", {"hinge_subgradient": lambda w, X, y, lam:
                          -X.T @ (y * (y * (X @ w) <= 1)) / len(y) + lam * w}, "strictly"),
    ("08-hinge-subgrad", {"hinge_subgradient": lambda w, X, y, lam:
                          -X.T @ (y * (y * (X @ w) < 1)) / len(y)}, "lam * w is missing"),
    ("08-hinge-subgrad", {"hinge_subgradient": lambda w, X, y, lam:
                          X.T @ (y * (y * (X @ w) < 1)) / len(y) - lam * w}, "wrong sign"),
    ("08-mf-update", {"mf_sgd_update": _mf_fresh}, "UPDATED user vector"),
    ("08-mf-update", {"mf_sgd_update": lambda u, v, r, lr, reg: mf_sgd_update(
        u, v, r, lr, 0.0)}, "penalty reg"),
    ("08-mf-update", {"mf_sgd_update": lambda u, v, r, lr, reg: (
        u + lr * (2 * (u @ v - r) * v + 2 * reg * u),
        v + lr * (2 * (u @ v - r) * u + 2 * reg * v))}, "step UP the loss"),
    ("08-backprop-layer", {"layer_backward": lambda dZ, A, W: (
        A.T @ dZ / len(dZ), dZ / len(dZ), dZ @ W.T)}, "one row per example"),
    ("08-backprop-layer", {"layer_backward": lambda dZ, A, W: (
        dZ.T @ A / len(dZ), dZ.mean(0), dZ @ W.T)}, "transposed"),
    ("08-backprop-layer", {"layer_backward": lambda dZ, A, W: (
        A.T @ dZ, dZ.sum(0), dZ @ W.T)}, "sums over the batch"),
    ("08-backprop-layer", {"layer_backward": lambda dZ, A, W: (
        A.T @ dZ / len(dZ), dZ.mean(0), dZ @ W.T / len(dZ))}, "dA_prev is divided by m"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


# ------------------------------------------------------------------ issue 19: no answer in view
def _exercise_cells():
    import nbformat
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "lessons" / "08_applications.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    i = next(k for k, c in enumerate(cells) if c.cell_type == "markdown" and "**C.**" in c.source)
    return cells, i


def test_read_adam_sgd_options_do_not_restate_the_printout():
    # Issue 19: "08-read-adam-sgd's option C restates the printout". No option quotes a
    # printed number or the words that describe the printed differences.
    cells, i = _exercise_cells()
    options = [line for line in cells[i].source.splitlines() if line.startswith("* **")]
    assert [o[4] for o in options] == ["A", "B", "C", "D"]
    for option in options:
        assert not any(ch.isdigit() for ch in option), option
        assert "spread" not in option and "example" not in option, option


def test_the_reading_is_revealed_by_a_pass_not_by_the_text_after_the_exercise(capsys):
    cells, i = _exercise_cells()
    after = " ".join(c.source for c in cells[i + 1:] if c.cell_type == "markdown"
                     and "## Recap" not in c.source)
    assert "did not matter" not in after and "What we measured" not in after
    assert verdict("08-read-adam-sgd", adam_vs_sgd_conclusion=lambda: "C") == "PASS"
    assert "did not matter" in capsys.readouterr().out
