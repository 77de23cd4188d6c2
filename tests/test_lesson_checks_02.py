"""Lesson 02's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson02.py.
"""
import numpy as np

from lesson_verdict import table_tests


def quadratic_grad(A, b, x):
    return np.einsum("ij,j->i", A, x) - b


def numerical_gradient(f, x, h=1e-5, *, forward=False):
    x = np.asarray(x, dtype=float)
    out = np.empty(x.size)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        out[i] = (f(up) - f(x)) / h if forward else (f(up) - f(down)) / (2 * h)
    return out


def numerical_gradient_by_unit_vectors(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def rosenbrock_grad(p, a=1.0, b=100.0, *, bug=None):
    x, y = p
    inner = y - x * x
    dx = -2 * (a - x) - 4 * b * x * inner
    if bug == "chain":
        dx = -2 * (a - x) + 2 * b * inner
    return np.array([dx, 2 * b * inner])


def rosenbrock_grad_expanded(p, a=1.0, b=100.0):
    x, y = float(p[0]), float(p[1])
    return np.array([2 * x - 2 * a + 4 * b * x ** 3 - 4 * b * x * y, 2 * b * y - 2 * b * x ** 2])


def _truncating(f, x, h=1e-5):
    """Keeps the integer dtype: x + h is truncated on store."""
    g = np.zeros(np.shape(x))
    for i in range(np.size(x)):
        up, down = x.copy(), x.copy()
        up[i] = x[i] + h
        down[i] = x[i] - h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


def wrong_coords_loop(f, grad, x, tol=1e-6):
    from gdlab.gradcheck import numerical_grad
    a, n = grad(x), numerical_grad(f, x)
    out = []
    for i in range(len(a)):
        scale = abs(a[i]) + abs(n[i])
        if scale > 0 and abs(a[i] - n[i]) / scale > tol:
            out.append(i)
    return out


def wrong_coords_array(f, grad, x, tol=1e-6):
    x = np.asarray(x, dtype=float)
    a = np.asarray(grad(x), dtype=float)
    n = np.array([(f(x + h) - f(x - h)) / 2e-6 for h in np.eye(x.size) * 1e-6])
    rel = np.divide(np.abs(a - n), np.abs(a) + np.abs(n),
                    out=np.zeros_like(a), where=(np.abs(a) + np.abs(n)) > 0)
    return np.flatnonzero(rel > tol)


def _wrong_coords_absolute(f, grad, x, tol=1e-6):
    from gdlab.gradcheck import numerical_grad
    return [i for i, (a, n) in enumerate(zip(grad(x), numerical_grad(f, x))) if abs(a - n) > tol]


def _wrong_coords_whole(f, grad, x, tol=1e-6):
    from gdlab.gradcheck import numerical_grad
    a, n = np.asarray(grad(x)), numerical_grad(f, x)
    bad = np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n)) > tol
    return list(range(len(a))) if bad else []


RIGHT = [
    ("02-wrong-coords", "loop with gdlab's numerical_grad",
     {"wrong_coordinates": wrong_coords_loop}),
    ("02-wrong-coords", "arrays, own differences", {"wrong_coordinates": wrong_coords_array}),
    ("02-quadratic-grad", "einsum", {"quadratic_grad": quadratic_grad}),
    ("02-quadratic-grad", "A @ x - b", {"quadratic_grad": lambda A, b, x: A @ x - b}),
    ("02-numerical-grad", "loop over coordinates", {"numerical_gradient": numerical_gradient}),
    ("02-numerical-grad", "unit vectors", {"numerical_gradient":
                                           numerical_gradient_by_unit_vectors}),
    ("02-rosenbrock-grad", "chain rule", {"rosenbrock_grad": rosenbrock_grad}),
    ("02-rosenbrock-grad", "expanded polynomial", {"rosenbrock_grad":
                                                   rosenbrock_grad_expanded}),
]

WRONG = [
    ("02-wrong-coords", {"wrong_coordinates": _wrong_coords_absolute}, "use the relative error"),
    ("02-wrong-coords", {"wrong_coordinates": _wrong_coords_whole},
     "WHICH partial derivatives are wrong"),
    ("02-wrong-coords", {"wrong_coordinates": lambda f, g, x, tol=1e-6: [
        i + 1 for i in wrong_coords_loop(f, g, x, tol)]}, "counted from 1"),
    ("02-wrong-coords", {"wrong_coordinates": lambda f, g, x, tol=1e-6: bool(
        wrong_coords_loop(f, g, x, tol))}, "list of coordinate indices"),
    ("02-quadratic-grad", {"quadratic_grad": lambda A, b, x: A @ x + b}, "you add b"),
    ("02-quadratic-grad", {"quadratic_grad": lambda A, b, x: 0.5 * A @ x - b}, "1/2"),
    ("02-quadratic-grad", {"quadratic_grad": lambda A, b, x: (A + A.T) @ x - b},
     "(A + A^T) x - b"),
    ("02-quadratic-grad", {"quadratic_grad": lambda A, b, x: (A @ x - b)[:, None]},
     "(a column)"),
    ("02-numerical-grad", {"numerical_gradient": lambda f, x, h=1e-5: numerical_gradient(
        f, x, h, forward=True)}, "forward difference"),
    ("02-numerical-grad", {"numerical_gradient": lambda f, x, h=1e-5: 2 * numerical_gradient(
        f, x, h)}, "twice"),
    ("02-numerical-grad", {"numerical_gradient": _truncating}, "INTEGER input"),
    ("02-rosenbrock-grad", {"rosenbrock_grad": lambda p, a=1.0, b=100.0: rosenbrock_grad(
        p, a, b, bug="chain")}, "chain rule"),
    ("02-rosenbrock-grad", {"rosenbrock_grad": lambda p, a=1.0, b=100.0: rosenbrock_grad(
        p)}, "ignores the parameters a and b"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)
