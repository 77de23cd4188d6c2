"""Lesson 01's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake. Below the table:
wrong answers quoted in issue 11 that must earn nothing.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson01.py.
"""
import math

import numpy as np
import pytest

from lesson_verdict import table_tests, verdict


def dfdx(x):
    return x ** 3 - 4 * x + 1


def descend(grad, x0, lr, steps, *, sign=-1, lr_power=1, keep=slice(None), extra=0,
            as_list=False):
    xs = [x0]
    for _ in range(steps + extra):
        xs.append(xs[-1] + sign * lr ** lr_power * grad(xs[-1]))
    xs = xs[keep]
    return xs if as_list else np.array(xs, dtype=float)


def descend_preallocated(grad, x0, lr, steps):
    xs = np.empty(steps + 1)
    xs[0] = x0
    for k in range(steps):
        xs[k + 1] = xs[k] - lr * grad(xs[k])
    return xs


def largest_stable_lr(objective, x0, lrs, steps=50, *, pick="largest"):
    ok = []
    for lr in lrs:
        x = x0
        for _ in range(steps):
            x = x - lr * objective.grad(x)
        ok.append(bool(objective.f(x) < objective.f(x0)))
    ok = np.array(ok)
    if pick == "largest":
        return float(np.asarray(lrs)[ok].max())
    if pick == "first bad":
        return float(np.asarray(lrs)[~ok].min())
    if pick == "smallest":
        return float(np.asarray(lrs)[ok].min())
    if pick == "index":
        return int(np.flatnonzero(ok).max())


def largest_stable_lr_with_gdlab(objective, x0, lrs, steps=50):
    import warnings

    from gdlab.optim import SGD
    from gdlab.train import minimize
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lr in lrs:
            h = minimize(objective, x0, SGD(lr=float(lr)), steps=steps, max_loss=np.inf)
            if h.loss[-1] < objective.f(x0):
                best = float(lr)
    return best


RIGHT = [
    ("01-derivative", "power rule", {"dfdx": dfdx}),
    ("01-derivative", "np.polyval", {"dfdx": lambda x: np.polyval([1.0, 0.0, -4.0, 1.0], x)}),
    ("01-descent", "list then array", {"descend": descend}),
    ("01-descent", "preallocated", {"descend": descend_preallocated}),
    ("01-max-lr", "plain loop", {"largest_stable_lr": largest_stable_lr}),
    ("01-max-lr", "gdlab.minimize", {"largest_stable_lr": largest_stable_lr_with_gdlab}),
]

WRONG = [
    ("01-derivative", {"dfdx": lambda x: x ** 3 - 4 * x}, "linear term"),
    ("01-derivative", {"dfdx": lambda x: x ** 4 / 4 - 2 * x ** 2 + x}, "f(x) itself"),
    ("01-derivative", {"dfdx": lambda x: x ** 3 - 2 * x + 1}, "-4x"),
    ("01-derivative", {"dfdx": lambda x: x ** 3 / 4 - 4 * x + 1}, "1/4"),
    ("01-derivative", {"dfdx": lambda x: x ** 3 - 2 * x + 1}, "coefficient"),
    ("01-derivative", {"dfdx": lambda x: x ** 3 / 4 - 4 * x + 1}, "coefficient"),
    ("01-derivative", {"dfdx": lambda x: [v ** 3 - 4 * v + 1 for v in np.ravel(x)]
                       if np.ndim(x) else x ** 3 - 4 * x + 1}, "Python list"),
    ("01-derivative", {"dfdx": lambda x: [v ** 3 - 4 * v + 1 for v in np.ravel(x)]
                       if np.ndim(x) else x ** 3 - 4 * x + 1}, "x**3 - 4*x + 1"),
    ("01-derivative", {"dfdx": lambda x: math.pow(x, 3) - 4 * x + 1},
     "works on single numbers"),
    ("01-derivative", {"dfdx": lambda x: math.pow(x, 3) - 4 * x + 1}, "np."),
    ("01-descent", {"descend": lambda *a, **k: descend(*a, **k, sign=1)}, "UPHILL"),
    ("01-descent", {"descend": lambda *a, **k: descend(*a, **k, lr_power=2)},
     "applied twice"),
    ("01-descent", {"descend": lambda *a, **k: descend(*a, **k, keep=slice(1, None))},
     "leaves out the starting point"),
    ("01-descent", {"descend": lambda *a, **k: descend(*a, **k, keep=slice(None, -1))},
     "one value too few"),
    ("01-descent", {"descend": lambda *a, **k: descend(*a, **k, extra=1)},
     "one update too many"),
    ("01-descent", {"descend": lambda *a, **k: descend(*a, **k, as_list=True)},
     "Python list"),
    ("01-descent", {"descend": lambda *a, **k: descend(*a, **k, as_list=True)}, "np.array("),
    ("01-max-lr", {"largest_stable_lr": lambda *a, **k: largest_stable_lr(*a, **k,
                                                                          pick="first bad")},
     "FAILS"),
    ("01-max-lr", {"largest_stable_lr": lambda *a, **k: largest_stable_lr(*a, **k,
                                                                          pick="index")},
     "POSITION"),
    ("01-max-lr", {"largest_stable_lr": lambda o, x0, lrs, steps=50: 2 / o.smoothness},
     "from the formula"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


def test_stub_is_not_attempted():
    def dfdx(x):
        raise NotImplementedError()
    assert "not attempted" in verdict("01-derivative", dfdx=dfdx)


def test_descent_list_advice_agrees_with_the_hints():
    from gdlab.checks import get_exercise
    text = verdict("01-descent", descend=lambda *a, **k: descend(*a, **k, as_list=True))
    assert "instead of a loop" not in text, text
    hints = " ".join(get_exercise("01-descent").hints)
    assert "np.array(" in hints and "for _ in range(steps)" in hints


# ------------------------------------------- wrong answers quoted in issue 11 earn nothing
def points_of(exercise_id, **namespace):
    from gdlab.checks import decode_probe, evaluate, probe
    return evaluate(exercise_id, decode_probe(probe(exercise_id, namespace)))


def one_step_stable_lr(objective, x0, lrs, steps=50):
    """Ignores `steps`: judges each rate by a single update."""
    best = None
    for lr in lrs:
        if objective.f(x0 - lr * objective.grad(x0)) < objective.f(x0):
            best = lr
    return float(best)


def closed_form_in_grid(curvature):
    """The forbidden shortcut: the largest grid rate below 2 / f''."""
    def largest(objective, x0, lrs, steps=50):
        limit = 2.0 / curvature(objective, x0)
        return float(max(lr for lr in lrs if lr < limit))
    return largest


def descend_scaled(grad, x0, lr, steps):
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - grad(lr * xs[-1]))
    return np.array(xs, dtype=float)


@pytest.mark.parametrize("wrong", [
    one_step_stable_lr,
    closed_form_in_grid(lambda o, x0: o.smoothness),
    closed_form_in_grid(lambda o, x0: abs(float(o.hess(x0))) + 1e-9),
    lambda o, x0, lrs, steps=50: largest_stable_lr(o, x0, lrs),   # always 50 steps
], ids=["one step", "2/L in the grid", "2/f''(x0) in the grid", "steps ignored"])
def test_max_lr_rejects_answers_that_skip_the_experiment(wrong):
    result = points_of("01-max-lr", largest_stable_lr=wrong)
    assert result.status == "failed" and result.points == 0, result.message


def test_max_lr_names_the_one_step_shortcut():
    assert "one update" in verdict("01-max-lr", largest_stable_lr=one_step_stable_lr)


def test_max_lr_names_the_closed_form_in_the_grid():
    text = verdict("01-max-lr", largest_stable_lr=closed_form_in_grid(lambda o, x0: o.smoothness))
    assert "2/f''" in text and "EXPERIMENT" in text, text


def test_derivative_with_math_pow_earns_nothing():
    result = points_of("01-derivative", dfdx=lambda x: math.pow(x, 3) - 4 * x + 1)
    assert result.status == "failed" and result.points == 0, result.message


def test_descent_with_grad_of_lr_times_x_earns_nothing():
    result = points_of("01-descent", descend=descend_scaled)
    assert result.status == "failed" and result.points == 0, result.message


def test_descent_names_the_gradient_taken_at_lr_times_x():
    assert "grad(lr * x)" in verdict("01-descent", descend=descend_scaled)
