"""What the text asks is what the check enforces (issue 19, items 3 and 5, generic part).

* Where the text asks for a numpy array, the declaration says "array" (also per part of a
  tuple result), and a list there fails with the "is a Python list" message, also for
  exercises that compare with their own ``compare``.
* A numeric mismatch shows enough digits to see the difference, and the relative error.
* Partial credit: passing cases that a named mistake passes too earn nothing, so a wrong
  rule (an off-by-one in a loop) earns no more than a wrong formula.
"""
import dataclasses

import numpy as np
import pytest

from gdlab.checks import Mistake, decode_probe, evaluate, exercises, get_exercise, probe
from gdlab.checks.registry import available_lessons


def judged(ex, func):
    return evaluate(ex, decode_probe(probe(ex, {ex.target: func})))


def _listed(value, kind):
    return value.tolist() if kind == "array" and isinstance(value, np.ndarray) else value


def _array_parts():
    """(exercise, indices of the parts declared "array") for every tuple result."""
    out = []
    for lesson in available_lessons():
        for ex in exercises(lesson):
            if isinstance(ex.returns, tuple):
                out.append(pytest.param(ex, id=ex.id))
    return out


def test_the_exercises_the_issue_names_declare_array_parts():
    assert get_exercise("03-gradient-descent").returns == ("array", "array")
    assert get_exercise("07-adam-step").returns == ("array", "array", "array")


@pytest.mark.parametrize("ex", _array_parts())
def test_a_list_where_an_array_is_declared_fails_as_a_python_list(ex):
    """The reference's own answer with one "array" part turned into a list fails, part by
    part, with the existing message (issue 19: 03-gradient-descent's `costs` and
    07-adam-step's `x_new` as lists were accepted)."""
    for k, kind in enumerate(ex.returns):
        if kind != "array":
            continue

        def answer(*args, _k=k, **kwargs):
            value = list(ex.reference(*args, **kwargs))
            value[_k] = _listed(np.asarray(value[_k]), "array")
            return tuple(value)
        result = judged(ex, answer)
        assert result.points == 0, result.message
        assert f"part {k} of the result" in result.message.lower(), result.message
        assert "is a Python list" in result.message, result.message


def test_a_whole_array_result_as_a_list_fails_too():
    result = judged(get_exercise("10-newton-step"),
                    lambda x, g, H: list(x - np.linalg.solve(H, g)))
    assert "is a Python list" in result.message and result.points == 0


def test_a_tuple_of_kinds_is_validated():
    from gdlab.checks import Case, exercise
    with pytest.raises(ValueError, match="a tuple of them"):
        exercise(id="93-bad-returns", lesson="93", title="t", target="f", points=1,
                 reference=lambda: 1, cases=[Case()], returns=("array", "matrix"))


# ------------------------------------------------------------------ digits in messages
def _eps_inside_sqrt(g, k, lr, alpha, eps):
    return (-lr * g / np.sqrt(k * g ** 2 + eps),
            -lr * g / np.sqrt((1 - alpha ** k) * g ** 2 + eps))


def _eps_tripled(g, k, lr, alpha, eps):
    # a slip no mistake names: eps counted three times (differs from the right answer in
    # the 6th-8th digit, where the old message printed identical numbers)
    return (-lr * g / (np.sqrt(k * g ** 2) + 3 * eps),
            -lr * g / (np.sqrt((1 - alpha ** k) * g ** 2) + 3 * eps))


def test_eps_inside_the_square_root_is_now_a_named_mistake():
    """Issue 19: "is -0.00316228, but the expected value is -0.00316228"."""
    message = judged(get_exercise("07-adaptive-steps"), _eps_inside_sqrt).message
    assert "square root" in message, message


def test_a_numeric_mismatch_shows_the_digits_that_differ_and_the_relative_error():
    message = judged(get_exercise("07-adaptive-steps"), _eps_tripled).message
    line = next(ln for ln in message.splitlines() if "the expected value is" in ln)
    got, expected = line.split(" is ")[1].split(",")[0], line.split("expected value is ")[1]
    expected = expected.split(" (")[0]
    assert got != expected, line
    assert "relative error" in line, line


def test_an_array_mismatch_shows_distinct_digits_at_the_worst_index():
    from gdlab.checks.compare import explain_array_mismatch
    text = explain_array_mismatch(np.array([1.0, 2.0000001]), np.array([1.0, 2.0]),
                                  rtol=1e-9, atol=0)
    assert "expected 2, got 2.0000001 (relative error 5e-08)" in text, text


# ------------------------------------------------------------------ partial credit
def _damped(g, H, delta0, first):
    """The doubling rule of 10-damped-direction, starting from delta = first."""
    eye = np.eye(len(g))
    delta = first
    while True:
        try:
            np.linalg.cholesky(H + delta * eye)
            break
        except np.linalg.LinAlgError:
            delta = delta0 if delta == 0 else 2 * delta
    return np.linalg.solve(H + delta * eye, g), delta


def _zero_first(g, H, delta0):            # the loop tries delta = 0 first: off by one
    return _damped(g, H, delta0, 0.0)


def _doubled_first(g, H, delta0):         # doubles before the first try: off by one
    return _damped(g, H, delta0, 2 * delta0)


def _wrong_formula(g, H, delta0):         # right delta, but solves (H - delta I) d = g
    d, delta = _damped(g, H, delta0, delta0)
    return np.linalg.solve(H - delta * np.eye(len(g)), g), delta


@pytest.mark.parametrize("slip", [_zero_first, _doubled_first], ids=["delta 0 first",
                                                                   "doubled first"])
def test_a_named_wrong_rule_earns_no_more_than_a_wrong_formula(slip):
    """Issue 19: 10-damped-direction's two off-by-ones earned 1.71/2 (the cases where the
    first shift already works cannot tell them apart). Named as mistakes, the cases they
    pass by coincidence earn nothing, so they score no more than a wrong formula."""
    base = get_exercise("10-damped-direction")
    unnamed = judged(base, slip)
    assert 0 < unnamed.passed_cases < unnamed.n_cases, unnamed.message  # passes some
    named = dataclasses.replace(base, mistakes=base.mistakes + (
        Mistake("the slip", slip, "Your loop starts from the wrong shift."),))
    result = judged(named, slip)
    formula = judged(named, _wrong_formula)
    assert result.passed_cases == unnamed.passed_cases     # the cases still pass ...
    assert result.points <= formula.points, (result.message, formula.message)
    assert result.points == 0                               # ... but earn nothing
    assert "earn no points" in result.message, result.message


def test_an_honest_partial_answer_keeps_its_credit():
    """A slip that is no known mistake keeps the points of the cases it gets right."""
    ex = get_exercise("06-iterations-kappa")

    def never_at_start(kappa, tol=1e-6, max_iter=100_000):
        lr, x, k = 2.0 / (kappa + 1.0), np.array([1.0, 1.0]), 0
        while True:                       # updates once even when the start is inside tol
            x = x - lr * np.array([x[0], kappa * x[1]])
            k += 1
            if np.linalg.norm(x) <= tol or k >= max_iter:
                return k
    result = judged(ex, never_at_start)
    assert result.status == "failed" and result.points > 0, result.message
