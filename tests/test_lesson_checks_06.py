"""Lesson 06's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake. Below the table: the
task texts' worked examples must be true, and a slip costs only the cases it affects.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson06.py (one flattened vector instead of a sum over arrays, scalar
coordinates instead of an array, ...), so a shared slip cannot hide.
"""
import json
import math
from pathlib import Path

import numpy as np

from lesson_verdict import table_tests, verdict

LESSONS = Path(__file__).resolve().parents[1] / "lessons"


# ------------------------------------------------------------------ right answers
def standardize_by_sums(X_train, X_test):
    m = X_train.shape[0]
    mean = X_train.sum(axis=0) / m
    std = np.sqrt(((X_train - mean) ** 2).sum(axis=0) / m)
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_test - mean) / std


def standardize_with_numpy(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std


def iterations_scalar(kappa, tol=1e-6, max_iter=100_000):
    a = b = 1.0                            # the two coordinates, updated as scalars
    lr = 2 / (kappa + 1)
    updates = 0
    while math.hypot(a, b) > tol:
        if updates == max_iter:
            return max_iter
        a, b = a - lr * a, b - lr * kappa * b
        updates += 1
    return updates


def iterations_array(kappa, tol=1e-6, max_iter=100_000):
    x, lr = np.array([1.0, 1.0]), 2.0 / (kappa + 1.0)
    for k in range(max_iter + 1):
        if np.linalg.norm(x) <= tol:
            return k
        x = x - lr * np.array([x[0], kappa * x[1]])
    return max_iter


def clip_flattened(grads, max_norm):
    flat = np.concatenate([np.ravel(g) for g in grads])
    norm = float(np.linalg.norm(flat))
    factor = max_norm / norm if norm > max_norm else 1.0
    return [np.array(g, dtype=float) * factor for g in grads]


def clip_sum_of_squares(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    scale = 1.0 if total <= max_norm else max_norm / total
    return [g * scale for g in grads]


RIGHT = [
    ("06-standardize", "sums", {"standardize_train_test": standardize_by_sums}),
    ("06-standardize", "mean and std", {"standardize_train_test": standardize_with_numpy}),
    ("06-iterations-kappa", "scalar coordinates", {"iterations_to_converge":
                                                   iterations_scalar}),
    ("06-iterations-kappa", "array and for loop", {"iterations_to_converge":
                                                   iterations_array}),
    ("06-clip-global", "flattened vector", {"clip_by_global_norm": clip_flattened}),
    ("06-clip-global", "sum of squares", {"clip_by_global_norm": clip_sum_of_squares}),
]


# ------------------------------------------------------------------ wrong answers
def _scaled(mean_of, std_of, *, test_own=False):
    def standardize_train_test(X_train, X_test):
        def apply(X, ref):
            std = std_of(ref)
            return (X - mean_of(ref)) / np.where(std == 0, 1.0, std)
        return apply(X_train, X_train), apply(X_test, X_test if test_own else X_train)
    return standardize_train_test


def _pooled(X_train, X_test):
    both = np.vstack([X_train, X_test])
    mean, std = both.mean(axis=0), both.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std


def _no_zero_guard(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std


def _in_place(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    X_train -= mean
    X_train /= std
    return X_train, (X_test - mean) / std


def _counting(*, lr_of=lambda k: 2 / (k + 1), done=lambda x, k: np.linalg.norm(x),
              test_first=True, offset=0, cap=True):
    def iterations_to_converge(kappa, tol=1e-6, max_iter=100_000):
        x, k = np.array([1.0, 1.0]), 0
        while True:
            if test_first and done(x, kappa) <= tol:
                return k + offset
            if cap and k == max_iter:
                return max_iter
            x = x - lr_of(kappa) * np.array([1.0, kappa]) * x
            k += 1
            if not test_first and done(x, kappa) <= tol:
                return k
    return iterations_to_converge


def _global(grads):
    return math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))


def _clip_in_place(grads, max_norm):
    total = _global(grads)
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
    return grads


WRONG = [
    ("06-standardize", {"standardize_train_test": _scaled(
        lambda X: X.mean(axis=0), lambda X: X.std(axis=0), test_own=True)}, "OWN mean and std"),
    ("06-standardize", {"standardize_train_test": lambda a, b: (
        (a - a.mean(0)) / a.std(0), (b - b.mean(0)) / b.std(0))}, "OWN mean and std"),
    ("06-standardize", {"standardize_train_test": _pooled}, "together"),
    ("06-standardize", {"standardize_train_test": _scaled(
        lambda X: X.mean(), lambda X: X.std())}, "whole matrix"),
    ("06-standardize", {"standardize_train_test": _scaled(
        lambda X: X.mean(axis=0), lambda X: X.std(axis=0, ddof=1))}, "ddof=1"),
    ("06-standardize", {"standardize_train_test": _scaled(
        lambda X: 0.0, lambda X: X.std(axis=0))}, "did not subtract the mean"),
    ("06-standardize", {"standardize_train_test": _scaled(
        lambda X: X.mean(axis=0), lambda X: np.ones(X.shape[1]))}, "did not divide by the std"),
    ("06-standardize", {"standardize_train_test": _no_zero_guard}, "std 0"),
    ("06-standardize", {"standardize_train_test": _in_place}, "in place"),
    ("06-iterations-kappa", {"iterations_to_converge": _counting(lr_of=lambda k: 1 / k)},
     "1/L"),
    ("06-iterations-kappa", {"iterations_to_converge": _counting(offset=1)}, "one too high"),
    ("06-iterations-kappa", {"iterations_to_converge": _counting(offset=-1)}, "one too low"),
    # tests only after an update: wrong exactly when the start already satisfies tol
    ("06-iterations-kappa", {"iterations_to_converge": _counting(test_first=False)},
     "0 if the start already satisfies it"),
    ("06-iterations-kappa", {"iterations_to_converge": _counting(
        done=lambda x, k: 0.5 * (x[0] ** 2 + k * x[1] ** 2))}, "LOSS"),
    ("06-iterations-kappa", {"iterations_to_converge": _counting(
        done=lambda x, k: np.linalg.norm(x * np.array([1.0, k])))}, "GRADIENT"),
    ("06-iterations-kappa", {"iterations_to_converge": _counting(
        done=lambda x, k: np.abs(x).max())}, "largest |coordinate|"),
    ("06-iterations-kappa", {"iterations_to_converge": _counting(cap=False)},
     "ignores max_iter"),
    ("06-clip-global", {"clip_by_global_norm": lambda grads, c: [
        g * min(1.0, c / np.linalg.norm(g)) for g in grads]}, "on its own"),
    ("06-clip-global", {"clip_by_global_norm": lambda grads, c: [
        g * (c / _global(grads)) for g in grads]}, "blows small gradients UP"),
    ("06-clip-global", {"clip_by_global_norm": lambda grads, c: [
        np.clip(g, -c, c) for g in grads]}, "clipping by VALUE"),
    ("06-clip-global", {"clip_by_global_norm": lambda grads, c: [
        g * min(1.0, c / _global(grads) ** 2) for g in grads]}, "square root"),
    ("06-clip-global", {"clip_by_global_norm": lambda grads, c: [
        g * min(1.0, c / sum(np.linalg.norm(h) for h in grads)) for g in grads]},
     "added up the norms"),
    ("06-clip-global", {"clip_by_global_norm": lambda grads, c: [
        g * max(1.0, _global(grads) / c) for g in grads]}, "upside down"),
    ("06-clip-global", {"clip_by_global_norm": _clip_in_place}, "in place"),
    ("06-clip-global", {"clip_by_global_norm": lambda grads, c: np.concatenate(
        clip_flattened(grads, c))}, "not a list"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


def test_wrong_answers_lose_points_only_where_wrong():
    """Skipping the "0 if it already holds at the start" rule costs exactly one case."""
    message = verdict("06-iterations-kappa", iterations_to_converge=_counting(test_first=False))
    assert "8 of 9 cases pass" in message, message


def test_stub_is_not_attempted():
    def stub(*args, **kwargs):
        raise NotImplementedError()
    assert "not attempted" in verdict("06-clip-global", clip_by_global_norm=stub)


# ------------------------------------------------------------------ the task texts' examples
def _lesson_text(name):
    nb = json.loads((LESSONS / name).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


EXAMPLES = [   # (value computed by a right answer, how the lesson's task text states it)
    (standardize_by_sums(np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]]),
                         np.array([[2.0, 30.0]]))[1], [[0.0, 0.0]], "`[[0.0, 0.0]]`"),
    (iterations_scalar(1.0), 1, "`iterations_to_converge(1.0)` is `1`"),
    (iterations_scalar(10.0, 1e-3), 37, "`iterations_to_converge(10.0, 1e-3)` is `37`"),
    (iterations_scalar(5.0, 2.0), 0, "`iterations_to_converge(5.0, 2.0)` is `0`"),
    (clip_flattened([np.array([3.0, 4.0]), np.array([12.0])], 6.5),
     [[1.5, 2.0], [6.0]], "`[array([1.5, 2.0]), array([6.0])]`"),
]


def test_the_task_texts_examples_are_true():
    text = _lesson_text("06_when_descent_struggles.ipynb")
    for got, stated, wording in EXAMPLES:
        assert wording in text, f"the lesson no longer states {wording}"
        for g, s in zip(np.ravel(np.asarray(got, dtype=object)),
                        np.ravel(np.asarray(stated, dtype=object))):
            np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(s, dtype=float),
                                       atol=5e-5)
