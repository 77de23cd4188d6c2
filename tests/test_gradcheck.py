"""Tests for gdlab.gradcheck against gradients derived by hand in this file."""
import numpy as np
import pytest

from gdlab.gradcheck import GradCheckResult, check_grad, numerical_grad, relative_error


def cubic(x):
    # f(x) = sum x_i^3 + x_0 x_1, gradient by hand: 3 x_i^2 (+ x_1, + x_0)
    return float(np.sum(x ** 3) + x[0] * x[1])


def cubic_grad(x):
    g = 3 * x ** 2
    g[0] += x[1]
    g[1] += x[0]
    return g


def test_numerical_grad_matches_hand_gradient():
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(size=4)
        assert np.allclose(numerical_grad(cubic, x), cubic_grad(x), rtol=1e-7, atol=1e-8)


def test_numerical_grad_of_a_matrix_argument_keeps_its_shape():
    # f(W) = ||W v||^2 / 2 has gradient (W v) v^T
    v = np.array([1.0, -2.0, 0.5])
    W = np.arange(6.0).reshape(2, 3) / 7
    g = numerical_grad(lambda M: 0.5 * float(np.sum((M @ v) ** 2)), W)
    assert g.shape == (2, 3)
    assert np.allclose(g, np.outer(W @ v, v), rtol=1e-7, atol=1e-8)


def test_numerical_grad_scalar_and_integer_inputs():
    g = numerical_grad(lambda t: t ** 3, 2.0)
    assert isinstance(g, float) and g == pytest.approx(12.0, rel=1e-8)
    gi = numerical_grad(lambda v: float(v @ v), np.array([1, 2]))  # ints: float math
    assert gi.dtype == np.float64 and np.allclose(gi, [2.0, 4.0])


def test_central_difference_error_is_second_order():
    # For sin the truncation error is |f'''| eps^2 / 6 <= eps^2 / 6: halving eps quarters it
    x = np.array([0.7])
    exact = np.cos(0.7)
    errs = [abs(numerical_grad(lambda v: float(np.sin(v[0])), x, eps=e)[0] - exact)
            for e in (1e-2, 5e-3)]
    assert errs[0] <= 1e-4 / 6 * 1.01
    assert errs[0] / errs[1] == pytest.approx(4.0, rel=0.01)


def test_numerical_grad_does_not_mutate_and_sees_an_unmodified_copy():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v.copy())
        v[:] = 0.0  # a badly behaved f must not corrupt the probe points
        return 0.0

    numerical_grad(f, x, eps=0.5)
    assert np.array_equal(x, before)
    assert np.allclose(seen[0], [1.5, 2.0, 3.0]) and np.allclose(seen[1], [0.5, 2.0, 3.0])
    assert np.allclose(seen[-1], [1.0, 2.0, 2.5])


@pytest.mark.parametrize("a, b, expected", [
    ([3.0, 4.0], [3.0, 4.0], 0.0),
    ([3.0, 4.0], [0.0, 0.0], 1.0),
    ([1.0, 2.0], [-1.0, -2.0], 1.0),
    ([1.0, 0.0], [1.0, 1.0], 1.0 / (1.0 + np.sqrt(2.0))),
    ([0.0], [0.0], 0.0),
    (2.0, 1.0, 1.0 / 3.0),
])
def test_relative_error_by_hand(a, b, expected):
    assert relative_error(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_check_grad_passes_a_correct_gradient():
    x = np.array([0.3, -1.2, 2.0])
    res = check_grad(cubic, cubic_grad, x)
    assert isinstance(res, GradCheckResult)
    assert res.ok and bool(res) and res.error < 1e-8
    assert np.allclose(res.analytic, cubic_grad(x))
    assert res.numerical.shape == x.shape
    assert repr(res).startswith("GradCheckResult(passed: relative error")


def test_check_grad_fails_a_wrong_gradient_and_says_where():
    x = np.array([0.3, -1.2, 2.0])

    def wrong(v):
        g = cubic_grad(v)
        g[2] *= 2  # factor-2 slip in one entry
        return g

    res = check_grad(cubic, wrong, x)
    assert not res and not res.ok and res.error > 1e-2
    assert res.worst_index == (2,)
    text = repr(res)
    assert "FAILED" in text and "worst entry[2]" in text and "analytic 24" in text


def test_check_grad_accepts_an_array_and_a_custom_tol():
    x = np.array([1.0, 1.0])
    approx = cubic_grad(x) * (1 + 1e-4)
    assert not check_grad(cubic, approx, x)
    assert check_grad(cubic, approx, x, tol=1e-3)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: check_grad(cubic, lambda v: cubic_grad(v)[:, None], np.ones(2)), ValueError,
     r"shape \(2, 1\) but x has shape \(2,\)"),
    (lambda: numerical_grad(lambda v: v, np.ones(2)), ValueError, "single real number"),
    (lambda: numerical_grad(cubic, np.ones(2), eps=0.0), ValueError, "eps: 0.0"),
    (lambda: numerical_grad(cubic, np.ones(2), eps="small"), TypeError, "eps: 'small'"),
    (lambda: check_grad(cubic, cubic_grad, np.ones(2), tol=-1), ValueError, "tol: -1"),
    (lambda: numerical_grad("f", np.ones(2)), TypeError, "Invalid f"),
    (lambda: relative_error(np.ones(2), np.ones(3)), ValueError, r"\(2,\).*\(3,\)"),
    (lambda: numerical_grad(cubic, "abc"), TypeError, "Invalid x"),
])
def test_bad_inputs_are_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_gradients_of_gdlab_objectives_pass():
    # the two modules agree on every catalog objective at its start point
    from gdlab import objectives

    for o in objectives.catalog().values():
        x = o.start
        if o.dim == 1:
            res = check_grad(lambda v: float(o.f(v[0])), lambda v: np.atleast_1d(o.grad(v[0])), x)
        else:
            res = check_grad(o.f, o.grad, x)
        assert res, (o, res)
