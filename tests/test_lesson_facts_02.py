"""Lesson 02's facts (gradient checking, the Taylor quadratic), recomputed with gdlab.

Each test quotes the sentence of solutions/02_gradients.ipynb it protects.
"""
import inspect

import numpy as np
import pytest

import gdlab
from gdlab.gradcheck import check_grad, numerical_grad, relative_error

pytestmark = pytest.mark.slow


def test_02_check_grad_tolerance_is_the_one_the_text_states():
    """c024 / recap: "`check_grad` ... passes when the relative error is at most its `tol`,
    10^-6 by default", and "gdlab.gradcheck uses eps=1e-6"."""
    params = inspect.signature(check_grad).parameters
    assert params["tol"].default == 1e-6
    assert params["eps"].default == 1e-6


def test_02_central_difference_is_most_accurate_near_3e_6_on_rosenbrock():
    """c024: "Here the central difference is most accurate near h = 3x10^-6", inside the
    1e-5..1e-6 range the text gives as the usual optimum."""
    rosen = gdlab.objectives.rosenbrock()
    p = np.array([-1.2, 1.0])
    steps = np.logspace(-13, -1, 49)
    errors = [relative_error(numerical_grad(rosen.f, p, eps=h), rosen.grad(p)) for h in steps]
    best = steps[int(np.argmin(errors))]
    assert 1e-6 <= best <= 1e-5
    assert f"{best:.0e}" == "3e-06"


def _buggy_rosenbrock_grad(q):          # the inner factor -2x forgotten, as in cell c030
    x, y = q
    return np.array([-2 * (1 - x) + 200 * (y - x ** 2), 200 * (y - x ** 2)])


def test_02_correct_gradient_passes_below_1e_7_and_the_bug_passes_only_on_its_curves():
    """c029/c030: gdlab's gradient passes at all 20 random points (largest error below
    1e-7); the buggy gradient is caught at 20 of 20 random points, yet passes at a point on
    y = x^2 and at one on x = -1/2: a pass is evidence, not proof."""
    points = np.random.default_rng(1).uniform(-2.0, 2.0, size=(20, 2))
    for a, b in [(1.0, 100.0), (2.0, 10.0)]:
        rosen = gdlab.objectives.rosenbrock(a=a, b=b)
        results = [check_grad(rosen.f, rosen.grad, q) for q in points]
        assert all(r.ok for r in results) and max(r.error for r in results) < 1e-7
    rosen = gdlab.objectives.rosenbrock()
    assert sum(not check_grad(rosen.f, _buggy_rosenbrock_grad, q).ok for q in points) == 20
    for q in [np.array([0.7, 0.49]), np.array([-0.5, 1.3])]:
        assert check_grad(rosen.f, _buggy_rosenbrock_grad, q).ok
    # and it is a real bug away from those curves
    assert not check_grad(rosen.f, _buggy_rosenbrock_grad, np.array([0.7, 0.0])).ok


def test_02_taylor_quadratic_describes_cosh_ever_better_near_its_minimum():
    """c010a/c010b: (cosh x - 1) over its quadratic term x^2/2 falls towards 1 as x -> 0
    (printed for x = 0.5, 0.1, 0.01)."""
    ratios = [(np.cosh(x) - 1) / (0.5 * x ** 2) for x in [0.5, 0.1, 0.01]]
    assert all(r1 > r2 > 1 for r1, r2 in zip(ratios, ratios[1:]))
    assert abs(ratios[-1] - 1) < 1e-4


def test_02_the_bowl_path_zig_zags_because_its_rate_is_above_one_over_L():
    """c017/c018: "With a rate above 1/L ... each step overshoots the valley floor and the
    path zig-zags; ... at or below 1/L ... without zig-zagging" (printed: lr times L = 1.37)."""
    A, b = np.array([[3.0, 1.0], [1.0, 1.0]]), np.array([1.0, 0.0])
    eig, V = np.linalg.eigh(A)
    assert f"{0.4 * eig[-1]:.2f}" == "1.37"
    bowl = gdlab.objectives.quadratic(A, b)
    x_star = np.linalg.solve(A, b)
    for lr, flips in [(0.4, True), (1.0 / eig[-1], False)]:
        path = gdlab.train.minimize(bowl, np.array([-1.5, 2.0]), gdlab.optim.SGD(lr=lr),
                                    steps=20).path
        steep = (np.asarray(path) - x_star) @ V[:, -1]     # coordinate along the steep axis
        signs = np.sign(steep[np.abs(steep) > 1e-12])
        assert bool(np.any(signs[1:] != signs[:-1])) is flips
