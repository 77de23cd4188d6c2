"""Lesson 10's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake. Below the table: the
task texts' worked examples, recomputed by hand.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson10.py.
"""
import numpy as np

from lesson_verdict import table_tests


# ------------------------------------------------------------------ right answers
def newton_step(x, g, H):
    return x - np.linalg.solve(H, g)


def damped_direction(g, H, delta0):
    # Cholesky as the test of positive definiteness; the factor then gives d by two
    # triangular solves
    eye = np.eye(len(g))
    delta = delta0
    while True:
        try:
            L = np.linalg.cholesky(H + delta * eye)
            break
        except np.linalg.LinAlgError:
            delta *= 2
    return np.linalg.solve(L.T, np.linalg.solve(L, g)), delta


def damped_direction_eig(g, H, delta0):
    # the same rule, with the smallest eigenvalue as the test and one general solve
    delta = delta0
    while np.linalg.eigvalsh(H + delta * np.eye(len(g)))[0] <= 0:
        delta = 2 * delta
    return np.linalg.solve(H + delta * np.eye(len(g)), g), delta


def _shifted(g, H, delta):
    return np.linalg.solve(H + delta * np.eye(len(g)), g)


def _damped_fixed(g, H, delta0):
    return _shifted(g, H, delta0), delta0


def _damped_first_delta(g, H, delta0):
    return damped_direction(g, H, delta0)[0], delta0


def _damped_undamped_d(g, H, delta0):
    return np.linalg.solve(H, g), damped_direction(g, H, delta0)[1]


def _damped_eig_shift(g, H, delta0):
    delta = max(delta0, delta0 - np.linalg.eigvalsh(H).min())
    return _shifted(g, H, delta), delta


def _damped_minus(g, H, delta0):
    d, delta = damped_direction(g, H, delta0)
    return -d, delta


RIGHT = [
    ("10-newton-step", "np.linalg.solve", {"newton_step": newton_step}),
    ("10-newton-step", "lstsq", {"newton_step": lambda x, g, H: x - np.linalg.lstsq(
        H, g, rcond=None)[0]}),
    ("10-damped-direction", "Cholesky, two triangular solves",
     {"damped_direction": damped_direction}),
    ("10-damped-direction", "eigenvalue test, np.linalg.solve",
     {"damped_direction": damped_direction_eig}),
    ("10-es-scaling", "four times the d = 16 count, read from the table",
     {"es_evals_at_64": 4 * 752.4}),
    ("10-es-scaling", "a line through the table, rounded", {"es_evals_at_64": 3000}),
    ("10-es-scaling", "32 times the d = 2 count", {"es_evals_at_64": 32 * 95.2}),
]


# ------------------------------------------------------------------ wrong answers
def _damped_adds_delta0(g, H, delta0):
    # the "grow it" step written as an addition: delta0, 2 delta0, 3 delta0, ...
    delta = delta0
    while True:
        try:
            np.linalg.cholesky(H + delta * np.eye(len(g)))
            return np.linalg.solve(H + delta * np.eye(len(g)), g), delta
        except np.linalg.LinAlgError:
            delta += delta0


def _damped_zero_first(g, H, delta0):
    # issue 19's first off-by-one: delta = 0 (H itself) is tried before delta0
    delta = 0.0
    while True:
        try:
            np.linalg.cholesky(H + delta * np.eye(len(g)))
            return np.linalg.solve(H + delta * np.eye(len(g)), g), delta
        except np.linalg.LinAlgError:
            delta = delta0 if delta == 0.0 else 2 * delta


def _damped_doubles_first(g, H, delta0):
    # issue 19's second off-by-one: delta is doubled before the first attempt
    delta = delta0
    while True:
        delta = 2 * delta
        try:
            np.linalg.cholesky(H + delta * np.eye(len(g)))
            return np.linalg.solve(H + delta * np.eye(len(g)), g), delta
        except np.linalg.LinAlgError:
            pass


def _damped_swapped(g, H, delta0):
    d, delta = damped_direction(g, H, delta0)
    return delta, d


WRONG = [
    ("10-newton-step", {"newton_step": lambda x, g, H: x - H @ g}, "solve"),
    ("10-newton-step", {"newton_step": lambda x, g, H: x - g / np.diag(H)}, "diagonal"),
    ("10-damped-direction", {"damped_direction": _damped_fixed}, "always use delta0"),
    ("10-damped-direction", {"damped_direction": _damped_first_delta}, "the first value tried"),
    ("10-damped-direction", {"damped_direction": _damped_undamped_d}, "undamped system"),
    ("10-damped-direction", {"damped_direction": _damped_eig_shift}, "smallest eigenvalue"),
    ("10-damped-direction", {"damped_direction": _damped_minus}, "wrong sign"),
    ("10-damped-direction", {"damped_direction": _damped_adds_delta0}, "adding delta0"),
    ("10-damped-direction", {"damped_direction": _damped_zero_first}, "try delta = 0"),
    ("10-damped-direction", {"damped_direction": _damped_doubles_first},
     "double delta before the first"),
    ("10-damped-direction", {"damped_direction": lambda g, H, delta0: _damped_swapped(g, H, delta0)},
     "in the wrong order"),
    ("10-damped-direction", {"damped_direction": lambda g, H, delta0: _shifted(g, H, delta0)},
     "tuple"),
    ("10-es-scaling", {"es_evals_at_64": 752.4}, "did not depend on d"),
    ("10-es-scaling", {"es_evals_at_64": 1500}, "sqrt(d)"),
    ("10-es-scaling", {"es_evals_at_64": 16 * 752.4}, "like d^2"),
    ("10-es-scaling", {"es_evals_at_64": 48000}, "exponential"),
    ("10-es-scaling", {"es_evals_at_64": 2000}, "too low"),
    ("10-es-scaling", {"es_evals_at_64": 6000}, "too high"),
    ("10-es-scaling", {"es_evals_at_64": "3000"}, "one number"),
]

test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


def test_task_examples_hold_for_the_right_answers():
    assert np.allclose(newton_step(np.array([1.0, 2.0]), np.array([2.0, 3.0]),
                                   np.diag([2.0, 3.0])), [0.0, 1.0])
    d, delta = damped_direction(np.array([1.0, 1.0]), np.diag([-3.0, 1.0]), 1.0)
    assert delta == 4.0 and np.allclose(d, [1.0, 0.2])


def test_damped_direction_key_agrees_with_gdlab_newton():
    """The key of 10-damped-direction is the rule gdlab.optim.Newton(damping=delta0) uses:
    the same delta (state["damping_used"]) and the same step x - d, on every case and on
    hidden ones."""
    from gdlab.checks import get_exercise
    from gdlab.optim import Newton
    ex = get_exercise("10-damped-direction")
    cases = ex.make_cases() + ex.hidden_cases(seed=1) + ex.hidden_cases(seed=2)
    assert len(cases) >= 14
    for case in cases:
        (g, H, delta0), _ = case.resolved()
        d, delta = ex.reference(g, H, delta0)
        opt = Newton(damping=delta0)
        x = np.linspace(-1.0, 1.0, len(g))
        x_new = opt.step(x, g, hess=H)
        assert opt.state["damping_used"] == delta
        assert np.allclose(x_new, x - d, rtol=1e-9, atol=1e-12)


def test_es_prediction_key_is_linear_in_d_and_the_wrong_laws_are_far_from_it():
    """10-es-scaling: the measured count at d = 64 lies within 25 % of four times the d = 16
    count (so reading the table as linear passes), and outside 25 % of every other law."""
    from gdlab.checks.lesson10 import es_mean_evals
    c8, c16, c64 = es_mean_evals(8), es_mean_evals(16), es_mean_evals(64)
    assert abs(4 * c16 - c64) <= 0.1 * c64
    for wrong in [c16, 2 * c16, 16 * c16, c16 * (c16 / c8) ** 6]:
        assert abs(wrong - c64) > 0.25 * c64


def _points(exercise_id, **namespace):
    from gdlab.checks import ExerciseFailed, check
    try:
        partly = check(exercise_id, namespace=namespace)
    except ExerciseFailed:
        return 0.0
    return 2.0 if partly is None else float(partly)


def test_off_by_one_rules_earn_no_more_than_a_wrong_formula():
    """Issue 19: the two off-by-ones (delta = 0 tried first: 1.71/2 before; doubling before
    the first try) get named mistakes, and their credit is no higher than that of a wrong
    formula (d solved from H alone, not H + delta I)."""
    wrong_formula = _points("10-damped-direction", damped_direction=_damped_undamped_d)
    for slip in [_damped_zero_first, _damped_doubles_first, _damped_fixed, _damped_adds_delta0]:
        assert _points("10-damped-direction", damped_direction=slip) <= wrong_formula
    assert _points("10-damped-direction", damped_direction=damped_direction) == 2.0
