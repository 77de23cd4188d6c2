"""Every exercise's cases separate the right answer from each wrong one it knows about.

For every declared Mistake of every lesson, an answer that makes exactly that mistake
fails EVERY case (0 points: a partly right score would mean some cases cannot tell the
mistake from the right answer) and the learner reads that mistake's own message, not a
generic "expected/got" or another mistake's explanation. The common generic slips (wrong
sign, a stray factor 2 or 1/2) must also fail every case.

The answers are computed with the same kernel-side path the notebook's check() uses
(probe -> JSON -> evaluate), so what is asserted here is what a learner sees.
"""
import numpy as np
import pytest

from gdlab.checks import decode_probe, evaluate, exercises, probe
from gdlab.checks.registry import available_lessons


def _all_exercises():
    return [ex for lesson in available_lessons() for ex in exercises(lesson)]


def _mistakes():
    return [pytest.param(ex, m, id=f"{ex.id}:{m.name}")
            for ex in _all_exercises() for m in ex.mistakes]


def judged(ex, func):
    return evaluate(ex, decode_probe(probe(ex, {ex.target: func})))


def test_there_are_mistakes_to_check():
    assert len(_mistakes()) > 100


@pytest.mark.parametrize("ex, mistake", _mistakes())
def test_each_declared_mistake_fails_every_case_with_its_own_message(ex, mistake):
    result = judged(ex, mistake.func)
    assert result.status == "failed", f"{mistake.name!r} passes"
    assert result.points == 0, (
        f"{mistake.name!r} still earns {result.points} of {result.max_points} points: "
        f"cases {[i for i, m in enumerate(result.case_messages) if m is None]} cannot tell "
        "it from the right answer")
    assert mistake.message in result.message, result.message


def _scaled(value, factor):
    """The reference result with every number multiplied by ``factor``."""
    if isinstance(value, tuple):
        return tuple(_scaled(v, factor) for v in value)
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, float, np.generic)):
        return type(value)(value * factor) if not isinstance(value, int) else value * factor
    return np.asarray(value, dtype=float) * factor


# Exercises whose answer is not a quantity that a sign or factor-2 slip can change.
# Each entry says why.
_NOT_SCALABLE = {
}

_SLIPS = {"sign": -1.0, "twice": 2.0, "half": 0.5}


def _slip_params():
    out = []
    for ex in _all_exercises():
        if ex.id in _NOT_SCALABLE:
            continue
        for name, factor in _SLIPS.items():
            out.append(pytest.param(ex, factor, id=f"{ex.id}:{name}"))
    return out


@pytest.mark.parametrize("ex, factor", _slip_params())
def test_generic_slips_fail_every_case(ex, factor):
    def slipped(*args, **kwargs):
        return _scaled(ex.reference(*args, **kwargs), factor)
    if ex.kind == "value":
        slipped = _scaled(ex.reference(), factor)
    result = judged(ex, slipped) if ex.kind == "function" else \
        evaluate(ex, decode_probe(probe(ex, {ex.target: slipped})))
    assert result.status == "failed"
    assert result.points == 0, (
        f"{result.points} of {result.max_points} points; passing cases: "
        f"{[i for i, m in enumerate(result.case_messages) if m is None]}")


# ------------------------------------------ common slips named by issue 11, as learners write
def _epoch_without_2(theta, X, y, lr, batch_size, rng):
    theta = np.array(theta, dtype=float)
    idx = rng.permutation(len(y))
    for s in range(0, len(y), batch_size):
        rows = idx[s:s + batch_size]
        Xb, yb = X[rows], y[rows]
        theta = theta - lr / len(yb) * Xb.T @ (Xb @ theta - yb)   # the 2 is missing
    return theta


def _variance_mean_over_coordinates(theta, X, y, batch_size, n_draws, rng):
    m = len(y)
    g_full = 2 / m * X.T @ (X @ theta - y)
    out = []
    for _ in range(n_draws):
        rows = rng.choice(m, size=batch_size, replace=False)
        g = 2 / batch_size * X[rows].T @ (X[rows] @ theta - y[rows])
        out.append(np.mean((g - g_full) ** 2))                     # mean, not sum
    return float(np.mean(out))


def _adam_with_abs(x, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * np.abs(g)                         # |g|, not g**2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@pytest.mark.parametrize("exercise_id, target, wrong, phrase", [
    ("04-sgd-epoch", "sgd_epoch", _epoch_without_2, "factor 2"),
    ("04-grad-variance", "minibatch_grad_variance", _variance_mean_over_coordinates,
     "SUM over the coordinates"),
    ("07-adam-step", "adam_step", _adam_with_abs, "|g|"),
    ("01-derivative", "dfdx", lambda x: x ** 3 - 2 * x + 1, "coefficient of x"),
])
def test_common_slip_is_named_and_earns_nothing(exercise_id, target, wrong, phrase):
    from gdlab.checks import get_exercise
    result = judged(get_exercise(exercise_id), wrong)
    assert result.points == 0, result.message
    assert phrase in result.message, result.message
