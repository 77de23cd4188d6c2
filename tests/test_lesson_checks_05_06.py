"""Exercises of lessons 05 and 06, solved the way a learner would, from the task text.

A right answer passes every case, and each plausible wrong answer fails with the message
that names its mistake (not only "wrong values"). The answers are written independently of
gdlab/checks/lesson05.py and lesson06.py, and deliberately in a different style from the
references there (singular values instead of eigenvalues, a loop instead of a power, one
flattened vector instead of a sum over arrays), so a shared slip cannot hide.
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest

import gdlab
from lesson_verdict import verdict

LESSONS = Path(__file__).resolve().parents[1] / "lessons"


# ------------------------------------------------------------------ right answers, lesson 05
def stability_limit(A):
    # For a symmetric positive definite matrix the singular values are the eigenvalues.
    L = float(np.linalg.svd(np.asarray(A, dtype=float), compute_uv=False)[0])
    return L, 2 / L


def step_decay_lr(step, lr, step_size, gamma):
    rate = lr
    for _ in range(step_size, step + 1, step_size):   # one drop at every multiple
        rate *= gamma
    return rate


def cosine_lr(step, lr, total_steps, min_lr=0.0):
    t = min(step, total_steps)            # cos(pi) = -1 exactly: the rate rests at min_lr
    return float(min_lr + (lr - min_lr) * (1 + np.cos(np.pi * t / total_steps)) / 2)


def warmup_lr(step, schedule, warmup_steps):
    if step < warmup_steps:
        return float(np.interp(step, [0, warmup_steps], [0.0, schedule(0)]))
    return schedule(step - warmup_steps)


# ------------------------------------------------------------------ right answers, lesson 06
def standardize_train_test(X_train, X_test):
    m = X_train.shape[0]
    mean = X_train.sum(axis=0) / m
    std = np.sqrt(((X_train - mean) ** 2).sum(axis=0) / m)
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_test - mean) / std


def iterations_to_converge(kappa, tol=1e-6, max_iter=100_000):
    a = b = 1.0                            # the two coordinates, updated as scalars
    lr = 2 / (kappa + 1)
    updates = 0
    while math.hypot(a, b) > tol:
        if updates == max_iter:
            return max_iter
        a, b = a - lr * a, b - lr * kappa * b
        updates += 1
    return updates


def clip_by_global_norm(grads, max_norm):
    flat = np.concatenate([np.ravel(g) for g in grads])
    norm = float(np.linalg.norm(flat))
    factor = max_norm / norm if norm > max_norm else 1.0
    return [np.array(g, dtype=float) * factor for g in grads]


RIGHT = [
    ("05-stability-limit", {"stability_limit": stability_limit}),
    ("05-step-decay", {"step_decay_lr": step_decay_lr}),
    ("05-cosine", {"cosine_lr": cosine_lr}),
    ("05-warmup", {"warmup_lr": warmup_lr}),
    ("06-standardize", {"standardize_train_test": standardize_train_test}),
    ("06-iterations-kappa", {"iterations_to_converge": iterations_to_converge}),
    ("06-clip-global", {"clip_by_global_norm": clip_by_global_norm}),
]


@pytest.mark.parametrize("exercise_id, namespace", RIGHT, ids=[r[0] for r in RIGHT])
def test_right_answer_passes(exercise_id, namespace, capsys):
    assert verdict(exercise_id, **namespace) == "PASS"
    assert f"✔ {exercise_id}: all" in capsys.readouterr().out


# ------------------------------------------------------------------ the task texts' examples
def _lesson_text(name):
    nb = json.loads((LESSONS / name).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


EXAMPLES_05 = [   # (value computed by the right answer, how the lesson's task text states it)
    (stability_limit(np.array([[10.0, 0.0], [0.0, 1.0]])), (10.0, 0.2), "`(10.0, 0.2)`"),
    (stability_limit(np.array([[3.0, 1.0], [1.0, 2.0]])), (3.618, 0.5528),
     "`(3.618, 0.5528)`"),
    (step_decay_lr(25, 0.1, 10, 0.5), 0.025, "step 25 gives `0.025`"),
    (cosine_lr(50, 0.1, 100), 0.05, "`cosine_lr(50, 0.1, 100)` is `0.05`"),
    (cosine_lr(25, 1.0, 100, min_lr=0.1), 0.8682,
     "`cosine_lr(25, 1.0, 100, min_lr=0.1)` is about `0.8682`"),
    (cosine_lr(73, 0.5, 40, min_lr=0.05), 0.05, "`cosine_lr(73, 0.5, 40, min_lr=0.05)` is `0.05`"),
    (warmup_lr(4, gdlab.schedules.cosine(0.1, total_steps=50), 10), 0.04, "`0.04`"),
    (warmup_lr(30, gdlab.schedules.cosine(0.1, total_steps=50), 10), 0.0655, "≈ `0.0655`"),
]
EXAMPLES_06 = [
    (standardize_train_test(np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]]),
                            np.array([[2.0, 30.0]]))[1], [[0.0, 0.0]], "`[[0.0, 0.0]]`"),
    (iterations_to_converge(1.0), 1, "`iterations_to_converge(1.0)` is `1`"),
    (iterations_to_converge(10.0, 1e-3), 37, "`iterations_to_converge(10.0, 1e-3)` is `37`"),
    (iterations_to_converge(5.0, 2.0), 0, "`iterations_to_converge(5.0, 2.0)` is `0`"),
    (clip_by_global_norm([np.array([3.0, 4.0]), np.array([12.0])], 6.5),
     [[1.5, 2.0], [6.0]], "`[array([1.5, 2.0]), array([6.0])]`"),
]


@pytest.mark.parametrize("lesson, examples", [("05_learning_rate.ipynb", EXAMPLES_05),
                                              ("06_when_descent_struggles.ipynb", EXAMPLES_06)])
def test_the_task_texts_examples_are_true(lesson, examples):
    """A learner tests their code against the examples in the task text, so those must
    be right (an earlier cosine example said 0.9182 where the formula gives 0.8682)."""
    text = _lesson_text(lesson)
    for got, stated, wording in examples:
        assert wording in text, f"the lesson no longer states {wording}"
        for g, s in zip(np.ravel(np.asarray(got, dtype=object)),
                        np.ravel(np.asarray(stated, dtype=object))):
            np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(s, dtype=float),
                                       atol=5e-5)


# ------------------------------------------------------------------ wrong answers, lesson 05
def _eig(A):
    return np.linalg.eigvalsh(A)


def _limit_from(L):
    return float(L), 2 / float(L)


def _cosine_variant(formula, clamp=True):
    def cosine_lr(step, lr, total_steps, min_lr=0.0):
        if clamp and step >= total_steps:
            return min_lr
        return formula(step, lr, total_steps, min_lr)
    return cosine_lr


def _warmup_variant(ramp, after):
    def warmup_lr(step, schedule, warmup_steps):
        if step < warmup_steps:
            return ramp(step, schedule, warmup_steps)
        return after(step, schedule, warmup_steps)
    return warmup_lr


_right_ramp = lambda t, s, W: s(0) * t / W          # noqa: E731
_right_after = lambda t, s, W: s(t - W)             # noqa: E731

WRONG_05 = [
    ("05-stability-limit", {"stability_limit": lambda A: _limit_from(_eig(A)[0])}, "SMALLEST"),
    ("05-stability-limit", {"stability_limit": lambda A: (float(_eig(A)[-1]),
                                                          1 / float(_eig(A)[-1]))}, "not 1/L"),
    ("05-stability-limit", {"stability_limit": lambda A: (float(_eig(A)[-1]),
                                                          2 / float(_eig(A)[-1] + _eig(A)[0]))},
     "BEST constant rate"),
    ("05-stability-limit", {"stability_limit": lambda A: _limit_from(np.abs(A).max())},
     "largest entry"),
    ("05-stability-limit", {"stability_limit": lambda A: _limit_from(np.linalg.norm(A))},
     "Frobenius"),
    ("05-stability-limit", {"stability_limit": lambda A: _limit_from(np.trace(A))}, "trace"),
    ("05-step-decay", {"step_decay_lr": lambda step, lr, step_size, gamma:
                       lr * gamma ** (step / step_size)}, "floor division"),
    ("05-step-decay", {"step_decay_lr": lambda step, lr, step_size, gamma:
                       lr * gamma ** ((step + 1) // step_size)}, "too early"),
    ("05-step-decay", {"step_decay_lr": lambda step, lr, step_size, gamma:
                       lr * gamma ** (step // step_size + 1)}, "already dropped once"),
    ("05-step-decay", {"step_decay_lr": lambda step, lr, step_size, gamma:
                       lr * gamma * (step // step_size)}, "lr * gamma**k"),
    ("05-cosine", {"cosine_lr": _cosine_variant(
        lambda t, lr, T, m: m + (lr - m) * (1 + math.cos(math.pi * t / T)) / 2, clamp=False)},
     "climbs again"),
    ("05-cosine", {"cosine_lr": _cosine_variant(
        lambda t, lr, T, m: lr * (1 + math.cos(math.pi * t / T)) / 2)}, "ignores min_lr"),
    ("05-cosine", {"cosine_lr": _cosine_variant(
        lambda t, lr, T, m: m + (lr - m) * (1 + math.cos(180 * t / T)) / 2)}, "degrees"),
    ("05-cosine", {"cosine_lr": _cosine_variant(
        lambda t, lr, T, m: m + (lr - m) * (1 + math.cos(t / T)) / 2)}, "without pi"),
    ("05-cosine", {"cosine_lr": _cosine_variant(
        lambda t, lr, T, m: m + (lr - m) * (1 - math.cos(math.pi * t / T)) / 2)}, "RISES"),
    ("05-cosine", {"cosine_lr": _cosine_variant(
        lambda t, lr, T, m: m + (lr - m) * (1 + math.cos(math.pi * (t + 1) / T)) / 2)},
     "one step ahead"),
    ("05-warmup", {"warmup_lr": _warmup_variant(_right_ramp, lambda t, s, W: s(t))},
     "Restart its clock"),
    ("05-warmup", {"warmup_lr": _warmup_variant(lambda t, s, W: s(0) * (t + 1) / W,
                                                _right_after)}, "one step ahead"),
    ("05-warmup", {"warmup_lr": _warmup_variant(lambda t, s, W: s(t) * t / W, _right_after)},
     "ramp towards schedule(step)"),
    ("05-warmup", {"warmup_lr": _warmup_variant(lambda t, s, W: s(0), _right_after)},
     "no ramp"),
    ("05-warmup", {"warmup_lr": _warmup_variant(lambda t, s, W: s(0) * t / (W + 1),
                                                _right_after)}, "does not reach"),
]


# ------------------------------------------------------------------ wrong answers, lesson 06
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


WRONG_06 = [
    ("06-standardize", {"standardize_train_test": _scaled(
        lambda X: X.mean(axis=0), lambda X: X.std(axis=0), test_own=True)}, "OWN mean and std"),
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
        clip_by_global_norm(grads, c))}, "not a list"),
]


@pytest.mark.parametrize("exercise_id, namespace, expected", WRONG_05 + WRONG_06,
                         ids=[f"{w[0]}:{w[2]}" for w in WRONG_05 + WRONG_06])
def test_mistake_is_named(exercise_id, namespace, expected):
    message = verdict(exercise_id, **namespace)
    assert message != "PASS"
    assert expected in message, message


def test_wrong_answers_lose_points_only_where_wrong(capsys):
    """Skipping the "0 if it already holds at the start" rule costs exactly one case."""
    message = verdict("06-iterations-kappa", iterations_to_converge=_counting(test_first=False))
    assert "8 of 9 cases pass" in message, message


@pytest.mark.parametrize("exercise_id, target", [("05-cosine", "cosine_lr"),
                                                 ("06-clip-global", "clip_by_global_norm")])
def test_stub_is_not_attempted(exercise_id, target):
    def stub(*args, **kwargs):
        raise NotImplementedError()
    assert "not attempted" in verdict(exercise_id, **{target: stub})
