"""One rule for arguments across gdlab: what is a number, and one message shape.

Issue 13 found ``Ridge(alpha="0.1")`` and ``Ridge(alpha=True)`` accepted while
``SGD(weight_decay="0.1")`` was a TypeError. These tests hold every public entry point
to the same rule: a string or a bool where a number belongs is a TypeError, a number out
of range is a ValueError, and both read ``Invalid <name>: <value> (must be <rule>...)``.
"""
import numpy as np
import pytest

from gdlab import gradcheck, models, objectives, optim, schedules, train
from gdlab._validation import Interval, Options, check

# The message shape, written out independently of the code: name, quoted value, rule.
SHAPE = r"^Invalid {label}: {value} \(must be .+\)$"


def _shape(label, value):
    import re
    return SHAPE.format(label=re.escape(label), value=re.escape(value))


# --------------------------------------------------------------------------- the cases
def test_ridge_rejects_a_string_alpha_like_sgd_rejects_a_string_weight_decay():
    with pytest.raises(TypeError, match=_shape("alpha", "'0.1'")):
        models.Ridge(alpha="0.1")
    with pytest.raises(TypeError, match=_shape("weight_decay value", "'0.1'")):
        optim.SGD(weight_decay="0.1")


def test_ridge_rejects_a_bool_alpha():
    with pytest.raises(TypeError, match=_shape("alpha", "True")):
        models.Ridge(alpha=True)


# one string and one bool per module family, all with the same shape
X, y = np.ones((4, 2)), np.ones(4)
WRONG_KIND = [
    (lambda v: optim.Adam(eps=v), "epsilon value"),
    (lambda v: optim.RMSprop(alpha=v), "alpha value"),
    (lambda v: optim.SGD(dampening=v), "dampening value"),
    (lambda v: optim.clip_grad_norm(np.ones(2), v), "max_norm"),
    (lambda v: schedules.exponential(0.1, gamma=v), "gamma"),
    (lambda v: schedules.cosine(0.1, total_steps=v), "total_steps"),
    (lambda v: train.minimize(objectives.booth(), [0.0, 0.0], optim.SGD(lr=0.1), tol=v), "tol"),
    (lambda v: train.fit(models.LinearRegression(), X, y, optim.SGD(lr=0.1), epochs=v), "epochs"),
    (lambda v: objectives.rosenbrock(b=v), "b"),
    (lambda v: models.LogisticRegression(alpha=v), "alpha"),
    (lambda v: models.MatrixFactorization(2, 3, rank=v), "rank"),
    (lambda v: gradcheck.numerical_grad(lambda x: float(x @ x), np.ones(2), eps=v), "eps"),
]


@pytest.mark.parametrize("make, label", WRONG_KIND)
@pytest.mark.parametrize("bad, shown, kind", [("0.1", "'0.1'", "str"), (True, "True", "bool")])
def test_strings_and_bools_are_type_errors_everywhere(make, label, bad, shown, kind):
    with pytest.raises(TypeError, match=_shape(label, shown)) as info:
        make(bad)
    assert f", not {kind}" in str(info.value)


@pytest.mark.parametrize("make, label, shown", [
    (lambda: optim.SGD(momentum=-0.5), "momentum value", "-0.5"),
    (lambda: schedules.exponential(0.1, gamma=-0.5), "gamma", "-0.5"),
    (lambda: train.fit(models.LinearRegression(), X, y, optim.SGD(lr=0.1), clip_norm=0),
     "clip_norm", "0.0"),
    (lambda: objectives.parabola(a=0.0), "a", "0.0"),
    (lambda: models.Ridge(alpha=float("nan")), "alpha", "nan"),
    (lambda: gradcheck.check_grad(lambda x: 0.0, lambda x: x, np.ones(2), tol=-1), "tol", "-1.0"),
])
def test_out_of_range_numbers_are_value_errors_with_the_same_shape(make, label, shown):
    with pytest.raises(ValueError, match=_shape(label, shown)):
        make()


def test_numpy_numbers_are_numbers():
    assert models.Ridge(alpha=np.float32(0.5)).alpha == 0.5
    assert optim.SGD(lr=np.int64(1)).lr == 1.0
    assert schedules.cosine(0.1, total_steps=np.int32(5)).total_steps == 5
    with pytest.raises(TypeError, match="not bool"):
        models.Ridge(alpha=np.True_)


# --------------------------------------------------------------------------- the module itself
@pytest.mark.parametrize("interval, inside, outside, text", [
    (Interval(0, None), [0, 2.5, 1e300], [-1e-9, float("inf"), float("nan")],
     "a finite number >= 0"),
    (Interval(0, None, closed="neither"), [1e-300], [0.0], "a finite number > 0"),
    (Interval(0, 1, closed="left"), [0.0, 0.999], [1.0, -0.1], "a number in [0, 1)"),
    (Interval(0, 1, closed="right"), [1.0], [0.0], "a number in (0, 1]"),
    (Interval(0, None, closed="neither", allow_inf=True), [float("inf")], [0.0, float("nan")],
     "a number > 0"),
    (Interval(1, None, integer=True), [1, 10 ** 20], [0], "an integer >= 1"),
    (Interval(None, 2.5), [-1e300, 2.5], [2.6], "a finite number <= 2.5"),
])
def test_interval_membership_and_description(interval, inside, outside, text):
    assert all(v in interval for v in inside)
    assert not any(v in interval for v in outside)
    assert str(interval) == text


def test_check_converts_and_quotes():
    assert check(np.float64(0.25), "x", Interval(0, 1)) == 0.25
    assert type(check(np.int64(3), "n", Interval(1, None, integer=True))) is int
    with pytest.raises(TypeError, match=r"^Invalid n: 2\.0 \(must be an integer >= 1, not float\)$"):
        check(2.0, "n", Interval(1, None, integer=True))
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -0\.1 \(must be a finite "
                                         r"number >= 0 or a schedule\)$"):
        check(-0.1, "lr", Interval(0, None), label="learning rate", also="a schedule")
    assert check(None, "tol", Interval(0, None), none_ok=True) is None
    with pytest.raises(ValueError, match=r"must be a finite number >= 0, or None; try 1e-6\)$"):
        check(-1, "tol", Interval(0, None), none_ok=True, hint="try 1e-6")


def test_options():
    assert check("min", "mode", Options("min", "max")) == "min"
    with pytest.raises(ValueError, match=r"^Invalid mode: 'minimum' \(must be one of 'min', "
                                         r"'max'\)$"):
        check("minimum", "mode", Options("min", "max"))
    with pytest.raises(ValueError):
        check(1, "flag", Options(True, False))  # 1 == True, but it is not the option True


def test_docstring_examples_run():
    import doctest

    from gdlab import _validation
    assert doctest.testmod(_validation).failed == 0


def test_numpy_bools_are_bools():
    assert check(np.True_, "standardize", Options(True, False))
    with pytest.raises(ValueError):
        check(np.int64(1), "standardize", Options(True, False))
