"""02-wrong-coords: right answers written in other styles pass; each wrong idea is named."""
import numpy as np
import pytest

from gdlab.checks import decode_probe, evaluate, get_exercise, probe
from gdlab.gradcheck import numerical_grad


def _judge(func):
    ex = get_exercise("02-wrong-coords")
    return evaluate(ex, decode_probe(probe(ex, {"wrong_coordinates": func})))


def loop_with_gdlab(f, grad, x, tol=1e-6):
    a, n = grad(x), numerical_grad(f, x)
    out = []
    for i in range(len(a)):
        scale = abs(a[i]) + abs(n[i])
        if scale > 0 and abs(a[i] - n[i]) / scale > tol:
            out.append(i)
    return out


def as_array(f, grad, x, tol=1e-6):
    x = np.asarray(x, dtype=float)
    a = np.asarray(grad(x), dtype=float)
    n = np.array([(f(x + h) - f(x - h)) / 2e-6 for h in np.eye(x.size) * 1e-6])
    rel = np.divide(np.abs(a - n), np.abs(a) + np.abs(n),
                    out=np.zeros_like(a), where=(np.abs(a) + np.abs(n)) > 0)
    return np.flatnonzero(rel > tol)


@pytest.mark.parametrize("answer", [loop_with_gdlab, as_array])
def test_right_answers_pass(answer):
    result = _judge(answer)
    assert result.status == "passed", result.message


def absolute(f, grad, x, tol=1e-6):
    return [i for i, (a, n) in enumerate(zip(grad(x), numerical_grad(f, x)))
            if abs(a - n) > tol]


def everything_if_any(f, grad, x, tol=1e-6):
    a, n = np.asarray(grad(x)), numerical_grad(f, x)
    bad = np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n)) > tol
    return list(range(len(a))) if bad else []


@pytest.mark.parametrize("answer, phrase", [
    (absolute, "use the relative error"),
    (everything_if_any, "WHICH partial derivatives are wrong"),
    (lambda f, g, x, tol=1e-6: [i + 1 for i in loop_with_gdlab(f, g, x, tol)], "counted from 1"),
    (lambda f, g, x, tol=1e-6: bool(loop_with_gdlab(f, g, x, tol)), "list of coordinate indices"),
])
def test_wrong_ideas_are_named(answer, phrase):
    result = _judge(answer)
    assert result.status == "failed"
    assert phrase in result.message, result.message
