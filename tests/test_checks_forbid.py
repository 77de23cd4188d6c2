"""Write it, don't call it (issue 19, item 4): an answer that calls gdlab's own
implementation of what its exercise asks for scores 0, with a message that names the
function to write, however the call is spelled. The call is seen as the function runs (the
kernel records which functions of the forbidden modules were entered), so aliases,
re-imports, class methods and helpers are all caught; gdlab used for the surrounding work
(an objective passed in, a schedule handed to warmup) is not.

Each one-liner is quoted from the issue; each would pass every case if nothing were
forbidden (asserted too, so a test here cannot pass because the values are wrong).
"""
import dataclasses
import math

import numpy as np
import pytest

import gdlab.capstone
import gdlab.data
import gdlab.gradcheck
import gdlab.models
import gdlab.objectives
import gdlab.optim
import gdlab.schedules
from gdlab.checks import decode_probe, evaluate, get_exercise, probe
from lesson_verdict import verdict


def judged(exercise, func):
    return evaluate(exercise, decode_probe(probe(exercise, {exercise.target: func})))


def _wrong_coords_by_check_grad(f, grad, x, tol=1e-6):
    r = gdlab.gradcheck.check_grad(f, grad, x, tol=tol)
    a, n = np.asarray(r.analytic), np.asarray(r.numerical)
    with np.errstate(invalid="ignore"):
        return [int(i) for i in np.flatnonzero(np.abs(a - n) / (np.abs(a) + np.abs(n)) > tol)]


def _standardize_by_standardizer(X_train, X_test):
    s = gdlab.data.Standardizer().fit(X_train)
    return s.transform(X_train), s.transform(X_test)


def _logistic_by_model(theta, X, y):
    return gdlab.models.LogisticRegression().grad(theta, X, y)


from gdlab.objectives import rosenbrock as banana   # renamed on import: still seen
from gdlab.gradcheck import numerical_grad as ng

ONE_LINERS = [   # (exercise, the call, the name the message must give)
    ("02-quadratic-grad", lambda A, b, x: gdlab.objectives.quadratic(A, b).grad(x),
     "gdlab.objectives.quadratic"),
    ("02-numerical-grad", lambda f, x, h=1e-5: ng(f, x, h), "gdlab.gradcheck.numerical_grad"),
    ("02-rosenbrock-grad", lambda p, a=1.0, b=100.0: banana(a, b).grad(p),
     "gdlab.objectives.rosenbrock"),
    ("02-wrong-coords", _wrong_coords_by_check_grad, "gdlab.gradcheck.check_grad"),
    ("03-mse", lambda theta, X, y: float(gdlab.models.LinearRegression().loss(theta, X, y)),
     "gdlab.models"),
    ("03-mse-grad", lambda theta, X, y: gdlab.models.LinearRegression().grad(theta, X, y),
     "gdlab.models"),
    ("05-step-decay", lambda step, lr, step_size, gamma: float(gdlab.schedules.step_decay(
        lr, step_size=step_size, gamma=gamma)(step)), "gdlab.schedules.step_decay"),
    ("05-cosine", lambda step, lr, total_steps, min_lr=0.0: float(gdlab.schedules.cosine(
        lr, total_steps=total_steps, min_lr=min_lr)(step)), "gdlab.schedules.cosine"),
    ("05-warmup", lambda step, schedule, warmup_steps: float(gdlab.schedules.warmup(
        schedule, warmup_steps=warmup_steps)(step)), "gdlab.schedules.warmup"),
    ("06-clip-global", lambda grads, max_norm: gdlab.optim.clip_grad_norm(
        [np.array(g, dtype=float) for g in grads], max_norm), "gdlab.optim"),
    ("06-standardize", _standardize_by_standardizer, "gdlab.data.Standardizer"),
    ("08-soft-threshold", lambda x, t: gdlab.models.soft_threshold(x, t),
     "gdlab.models.linear.soft_threshold"),
    ("08-logistic-grad", _logistic_by_model, "gdlab.models.LogisticRegression"),
    ("11-r2", lambda y_true, y_pred: float(gdlab.capstone.r2(y_true, y_pred)),
     "gdlab.capstone.r2"),
    ("11-epochs", lambda m, batch_size, budget: budget // gdlab.capstone.planned_updates(
        m, batch_size, 1), "gdlab.capstone.planned_updates"),
]


@pytest.mark.parametrize("exercise_id, call, name", ONE_LINERS,
                         ids=[row[0] for row in ONE_LINERS])
def test_calling_gdlabs_own_implementation_scores_zero(exercise_id, call, name):
    ex = get_exercise(exercise_id)
    result = judged(ex, call)
    assert result.points == 0 and result.status == "failed", result.message
    assert result.forbidden and result.finding.startswith("forbidden:"), result.message
    assert name in result.message, result.message
    assert f"write `{ex.target}` yourself" in result.message, result.message


@pytest.mark.parametrize("exercise_id, call, name", ONE_LINERS,
                         ids=[row[0] for row in ONE_LINERS])
def test_the_one_liners_are_right_apart_from_the_call(exercise_id, call, name):
    """Without its forbids the exercise would give the one-liner points: it is the call,
    not the values, that costs them."""
    ex = dataclasses.replace(get_exercise(exercise_id), forbids=())
    result = judged(ex, call)
    assert result.points > 0, result.message


# ------------------------------------------------------------- how the call is spelled
def test_an_alias_a_helper_and_a_kept_bound_method_are_all_seen():
    from gdlab.schedules import cosine as my_schedule     # renamed on import

    def helper(step, lr, total_steps, min_lr):
        return my_schedule(lr, total_steps=total_steps, min_lr=min_lr)(step)

    kept = gdlab.schedules.cosine(0.1, total_steps=10).__call__   # made before the check
    for answer in (lambda step, lr, total_steps, min_lr=0.0: float(
                       helper(step, lr, total_steps, min_lr)),
                   lambda step, lr, total_steps, min_lr=0.0: float(kept(0)) * 0 + float(
                       helper(step, lr, total_steps, min_lr))):
        result = judged(get_exercise("05-cosine"), answer)
        assert result.points == 0 and "gdlab.schedules.cosine" in result.message, \
            result.message


def test_surrounding_use_of_gdlab_is_allowed():
    """05-warmup's cases hand the learner gdlab's cosine schedule: calling it is the task;
    only gdlab's warmup is forbidden. 02-numerical-grad is given gdlab objectives' f."""
    def warmup_lr(step, schedule, warmup_steps):
        if step >= warmup_steps:
            return float(schedule(step - warmup_steps))
        return float(schedule(0)) * step / warmup_steps
    assert judged(get_exercise("05-warmup"), warmup_lr).status == "passed"

    def numerical_gradient(f, x, h=1e-5):
        x = np.array(x, dtype=float)
        out = np.zeros_like(x)
        for i in range(x.size):
            e = np.zeros_like(x)
            e[i] = h
            out[i] = (f(x + e) - f(x - e)) / (2 * h)
        return out
    assert judged(get_exercise("02-numerical-grad"), numerical_gradient).status == "passed"


def test_switching_the_monitor_off_scores_zero_too():
    import sys

    def cosine_lr(step, lr, total_steps, min_lr=0.0):
        sys.setprofile(None)
        return float(gdlab.schedules.cosine(lr, total_steps=total_steps, min_lr=min_lr)(step))
    result = judged(get_exercise("05-cosine"), cosine_lr)
    assert result.points == 0 and "sys.setprofile" in result.message, result.message
    assert sys.getprofile() is None


def test_an_earlier_profiler_is_restored_after_the_check():
    import sys
    calls = []

    def profiler(frame, event, arg):
        calls.append(event)
    sys.setprofile(profiler)
    try:
        judged(get_exercise("05-cosine"), lambda step, lr, total_steps, min_lr=0.0: 0.0)
        assert sys.getprofile() is profiler
    finally:
        sys.setprofile(None)


# ---------------------------------------------------- a method the text rules out
@pytest.mark.parametrize("answer", [
    lambda x, g, H: x - np.linalg.inv(H) @ g,                       # quoted in issue 19
    lambda x, g, H: x - np.linalg.pinv(H) @ g,
], ids=["inv", "pinv"])
def test_newton_step_through_the_inverse_loses_the_stated_half(answer):
    result = judged(get_exercise("10-newton-step"), answer)
    assert result.points == 1 and result.max_points == 2, result.message
    assert "H^-1" in result.message and "np.linalg.solve" in result.message
    assert "half the points" in result.message


def test_newton_step_by_a_solve_keeps_full_marks():
    result = judged(get_exercise("10-newton-step"),
                    lambda x, g, H: x - np.linalg.solve(H, g))
    assert result.status == "passed", result.message


# -------------------------------------------------------------- the grader's probe
def test_the_graders_probe_sees_the_same_calls_as_check():
    """The probe pasted into a submission's kernel records the same entered functions as
    the in-notebook check (the sandboxed run is in test_grading_forbid.py)."""
    import contextlib
    import io
    import json
    from gdlab.grading.probe import case_spec, make_probe, new_nonce, parse_probe_output
    ex = get_exercise("02-quadratic-grad")
    ns = {"np": np, "gdlab": gdlab,
          "quadratic_grad": lambda A, b, x: gdlab.objectives.quadratic(A, b).grad(x)}
    nonce = new_nonce()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(make_probe(case_spec(ex), nonce), dict(ns))
    mine = parse_probe_output(buf.getvalue(), nonce)
    assert json.loads(mine) == json.loads(probe(ex, dict(ns)))
    assert evaluate(ex, decode_probe(mine)).forbidden == ("gdlab.objectives.quadratic",)


def test_a_forbid_must_name_something_real():
    from gdlab.checks import Forbid
    with pytest.raises(ValueError, match="does not exist"):
        Forbid("gdlab.schedules.no_such_schedule")
    with pytest.raises(ValueError, match="need a message"):
        Forbid("numpy.linalg.inv")
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Forbid("gdlab.schedules", keep=1.0)
