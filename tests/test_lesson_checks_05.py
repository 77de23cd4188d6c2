"""Lesson 05's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake. Below the table: the
task texts' worked examples must be true.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson05.py, and deliberately in other styles than the references there
(singular values instead of eigenvalues, a loop instead of a power), so a shared slip
cannot hide.
"""
import json
import math
from pathlib import Path

import numpy as np

import gdlab
from lesson_verdict import table_tests, verdict

LESSONS = Path(__file__).resolve().parents[1] / "lessons"


# ------------------------------------------------------------------ right answers
def stability_limit_svd(A):
    # For a symmetric positive definite matrix the singular values are the eigenvalues.
    L = float(np.linalg.svd(np.asarray(A, dtype=float), compute_uv=False)[0])
    return L, 2 / L


def step_decay_loop(step, lr, step_size, gamma):
    rate = lr
    for _ in range(step_size, step + 1, step_size):   # one drop at every multiple
        rate *= gamma
    return rate


def cosine_clamped(step, lr, total_steps, min_lr=0.0):
    t = min(step, total_steps)            # cos(pi) = -1 exactly: the rate rests at min_lr
    return float(min_lr + (lr - min_lr) * (1 + np.cos(np.pi * t / total_steps)) / 2)


def cosine_branch(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return min_lr
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * step / total_steps))


def warmup_interp(step, schedule, warmup_steps):
    if step < warmup_steps:
        return float(np.interp(step, [0, warmup_steps], [0.0, schedule(0)]))
    return schedule(step - warmup_steps)


def warmup_branch(step, schedule, warmup_steps):
    if step < warmup_steps:
        return schedule(0) * step / warmup_steps
    return schedule(step - warmup_steps)


RIGHT = [
    ("05-stability-limit", "singular values", {"stability_limit": stability_limit_svd}),
    ("05-stability-limit", "eigvalsh", {"stability_limit": lambda A: (
        float(np.linalg.eigvalsh(A)[-1]), 2.0 / float(np.linalg.eigvalsh(A)[-1]))}),
    ("05-step-decay", "loop of drops", {"step_decay_lr": step_decay_loop}),
    ("05-step-decay", "power", {"step_decay_lr": lambda step, lr, step_size, gamma:
                                lr * gamma ** (step // step_size)}),
    ("05-cosine", "clamped step", {"cosine_lr": cosine_clamped}),
    ("05-cosine", "branch", {"cosine_lr": cosine_branch}),
    ("05-warmup", "np.interp", {"warmup_lr": warmup_interp}),
    ("05-warmup", "branch", {"warmup_lr": warmup_branch}),
    # predictions a learner can make without running the 1/11 run (the sweep's count at the
    # best rate was 98): "twice as many", and the ratio of the two logarithms of rho
    ("05-predict-half-rate", "twice the fewest", {"steps_at_half_rate": 2 * 98}),
    ("05-predict-half-rate", "ratio of ln rho", {"steps_at_half_rate":
                                                 98 * math.log(9 / 11) / math.log(10 / 11)}),
    ("05-predict-half-rate", "ln(tol / ||g0||) / ln rho", {"steps_at_half_rate": math.log(
        1e-8 / np.linalg.norm(gdlab.objectives.ill_conditioned(10.0, angle=0.5).grad(
            np.array([2.0, 1.5])))) / math.log(10 / 11)}),
    ("05-predict-half-rate", "a numpy integer", {"steps_at_half_rate": np.int64(200)}),
]


# ------------------------------------------------------------------ wrong answers
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

WRONG = [
    ("05-stability-limit", {"stability_limit": lambda A: _limit_from(_eig(A)[0])}, "SMALLEST"),
    ("05-stability-limit", {"stability_limit": lambda A: (float(_eig(A)[0]),
                                                          2.0 / float(_eig(A)[0]))},
     "SMALLEST eigenvalue"),
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
                       lr * gamma ** ((step + 1) // step_size)}, "Off by one"),
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
    ("05-predict-half-rate", {"steps_at_half_rate": 98}, "about as many steps as at the best"),
    ("05-predict-half-rate", {"steps_at_half_rate": 49}, "FEWER steps"),
    ("05-predict-half-rate", {"steps_at_half_rate": 8}, "steep direction"),
    ("05-predict-half-rate", {"steps_at_half_rate": 4 * 98}, "not like 1/lr^2"),
    ("05-predict-half-rate", {"steps_at_half_rate": 150}, "too low"),
    ("05-predict-half-rate", {"steps_at_half_rate": 260}, "too high"),
    ("05-predict-half-rate", {"steps_at_half_rate": "200"}, "must be one number"),
    ("05-predict-half-rate", {"steps_at_half_rate": float("inf")}, "finite number of steps"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


def test_stub_is_not_attempted():
    def stub(*args, **kwargs):
        raise NotImplementedError()
    assert "not attempted" in verdict("05-cosine", cosine_lr=stub)


# ------------------------------------------------------------------ the task texts' examples
def _lesson_text(name):
    nb = json.loads((LESSONS / name).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


EXAMPLES = [   # (value computed by a right answer, how the lesson's task text states it)
    (stability_limit_svd(np.array([[10.0, 0.0], [0.0, 1.0]])), (10.0, 0.2), "`(10.0, 0.2)`"),
    (stability_limit_svd(np.array([[3.0, 1.0], [1.0, 2.0]])), (3.618, 0.5528),
     "`(3.618, 0.5528)`"),
    (step_decay_loop(25, 0.1, 10, 0.5), 0.025, "step 25 gives `0.025`"),
    (cosine_clamped(50, 0.1, 100), 0.05, "`cosine_lr(50, 0.1, 100)` is `0.05`"),
    (cosine_clamped(25, 1.0, 100, min_lr=0.1), 0.8682,
     "`cosine_lr(25, 1.0, 100, min_lr=0.1)` is about `0.8682`"),
    (cosine_clamped(73, 0.5, 40, min_lr=0.05), 0.05,
     "`cosine_lr(73, 0.5, 40, min_lr=0.05)` is `0.05`"),
    (warmup_interp(4, gdlab.schedules.cosine(0.1, total_steps=50), 10), 0.04, "`0.04`"),
    (warmup_interp(30, gdlab.schedules.cosine(0.1, total_steps=50), 10), 0.0655, "≈ `0.0655`"),
]


def test_the_task_texts_examples_are_true():
    """A learner tests their code against the examples in the task text, so those must
    be right (an earlier cosine example said 0.9182 where the formula gives 0.8682)."""
    text = _lesson_text("05_learning_rate.ipynb")
    for got, stated, wording in EXAMPLES:
        assert wording in text, f"the lesson no longer states {wording}"
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(stated, dtype=float),
                                   atol=5e-5)
