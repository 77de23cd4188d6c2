"""Exercises of lessons 00-02: a right answer passes every case, and each common wrong
answer fails with the message that names its mistake (not just "wrong values").

The right answers here are written independently of gdlab/checks/lesson0[0-2].py.
"""
import numpy as np
import pytest

from lesson_verdict import verdict


# ------------------------------------------------------------------ right answers
def mean_of(v):
    return float(sum(v) / len(v))


def as_points(xs, ys):
    return np.array([[a, b] for a, b in zip(xs, ys)], dtype=float)


def descent_step(x, g, lr):
    return x - lr * g


def dfdx(x):
    return x ** 3 - 4 * x + 1


def descend(grad, x0, lr, steps, *, sign=-1, lr_power=1, keep=slice(None), extra=0,
            as_list=False):
    xs = [x0]
    for _ in range(steps + extra):
        xs.append(xs[-1] + sign * lr ** lr_power * grad(xs[-1]))
    xs = xs[keep]
    return xs if as_list else np.array(xs, dtype=float)


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


def rosenbrock_grad(p, a=1.0, b=100.0, *, bug=None):
    x, y = p
    inner = y - x * x
    dx = -2 * (a - x) - 4 * b * x * inner
    if bug == "chain":
        dx = -2 * (a - x) + 2 * b * inner
    return np.array([dx, 2 * b * inner])


# ------------------------------------------------------------------ the right answers pass
@pytest.mark.parametrize("exercise_id, namespace", [
    ("00-mean", {"mean_of": mean_of}),
    ("00-points", {"as_points": as_points}),
    ("00-step", {"descent_step": descent_step}),
    ("01-derivative", {"dfdx": dfdx}),
    ("01-descent", {"descend": descend}),
    ("01-max-lr", {"largest_stable_lr": largest_stable_lr}),
    ("02-quadratic-grad", {"quadratic_grad": quadratic_grad}),
    ("02-numerical-grad", {"numerical_gradient": numerical_gradient}),
    ("02-rosenbrock-grad", {"rosenbrock_grad": rosenbrock_grad}),
])
def test_right_answer_passes(exercise_id, namespace, capsys):
    assert verdict(exercise_id, **namespace) == "PASS"
    assert f"✔ {exercise_id}: all" in capsys.readouterr().out


def _inplace_step(x, g, lr):
    x -= lr * g
    return x


# ------------------------------------------------------------------ mistakes are named
@pytest.mark.parametrize("exercise_id, namespace, expected", [
    ("00-mean", {"mean_of": lambda v: float(np.sum(v))}, "sum where a mean"),
    ("00-mean", {"mean_of": lambda v: float(np.sum(v) / (len(v) - 1))}, "len(values) - 1"),
    ("00-points", {"as_points": lambda x, y: np.array([x, y])}, "transposed"),
    ("00-points", {"as_points": lambda x, y: np.column_stack([y, x])}, "swapped"),
    ("00-step", {"descent_step": lambda x, g, lr: x + lr * g}, "You ADD lr * g"),
    ("00-step", {"descent_step": lambda x, g, lr: x - g}, "learning rate is missing"),
    ("00-step", {"descent_step": _inplace_step}, "changed its input `x` in place"),
    ("01-derivative", {"dfdx": lambda x: x ** 3 - 4 * x}, "linear term"),
    ("01-derivative", {"dfdx": lambda x: x ** 4 / 4 - 2 * x ** 2 + x}, "f(x) itself"),
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
    ("01-max-lr", {"largest_stable_lr": lambda *a, **k: largest_stable_lr(*a, **k,
                                                                          pick="first bad")},
     "FAILS"),
    ("01-max-lr", {"largest_stable_lr": lambda *a, **k: largest_stable_lr(*a, **k,
                                                                          pick="index")},
     "POSITION"),
    ("01-max-lr", {"largest_stable_lr": lambda o, x0, lrs, steps=50: 2 / o.smoothness},
     "from the formula"),
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
    ("02-rosenbrock-grad", {"rosenbrock_grad": lambda p, a=1.0, b=100.0: rosenbrock_grad(
        p, a, b, bug="chain")}, "chain rule"),
    ("02-rosenbrock-grad", {"rosenbrock_grad": lambda p, a=1.0, b=100.0: rosenbrock_grad(
        p)}, "ignores the parameters a and b"),
])
def test_mistake_is_named(exercise_id, namespace, expected):
    message = verdict(exercise_id, **namespace)
    assert message != "PASS"
    assert expected in message, message


def test_integer_input_to_numerical_gradient_is_explained():
    def truncating(f, x, h=1e-5):   # keeps the integer dtype: x + h is truncated on store
        g = np.zeros(np.shape(x))
        for i in range(np.size(x)):
            up, down = x.copy(), x.copy()
            up[i] = x[i] + h
            down[i] = x[i] - h
            g[i] = (f(up) - f(down)) / (2 * h)
        return g
    assert "INTEGER input" in verdict("02-numerical-grad", numerical_gradient=truncating)


def test_stub_is_not_attempted():
    def dfdx(x):
        raise NotImplementedError()
    assert "not attempted" in verdict("01-derivative", dfdx=dfdx)


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


def test_derivative_rejects_a_python_list_for_array_input():
    text = verdict("01-derivative", dfdx=lambda x: [v ** 3 - 4 * v + 1 for v in np.ravel(x)]
                   if np.ndim(x) else x ** 3 - 4 * x + 1)
    assert "Python list" in text and "x**3 - 4*x + 1" in text, text


def test_derivative_with_math_pow_earns_nothing():
    import math
    result = points_of("01-derivative",
                       dfdx=lambda x: math.pow(x, 3) - 4 * x + 1)
    assert result.status == "failed" and result.points == 0, result.message


@pytest.mark.parametrize("wrong, phrase", [
    (lambda x: x ** 3 - 2 * x + 1, "-4x"),
    (lambda x: x ** 3 / 4 - 4 * x + 1, "1/4"),
])
def test_derivative_names_a_wrong_coefficient(wrong, phrase):
    text = verdict("01-derivative", dfdx=wrong)
    assert "coefficient" in text and phrase in text, text


def test_descent_with_grad_of_lr_times_x_earns_nothing():
    def descend_scaled(grad, x0, lr, steps):
        xs = [x0]
        for _ in range(steps):
            xs.append(xs[-1] - grad(lr * xs[-1]))
        return np.array(xs, dtype=float)
    result = points_of("01-descent", descend=descend_scaled)
    assert result.status == "failed" and result.points == 0, result.message


def test_descent_list_advice_agrees_with_the_hints():
    from gdlab.checks import get_exercise
    text = verdict("01-descent", descend=lambda *a, **k: descend(*a, **k, as_list=True))
    assert "instead of a loop" not in text, text
    assert "np.array(" in text
    hints = " ".join(get_exercise("01-descent").hints)
    assert "np.array(" in hints and "for _ in range(steps)" in hints


def test_descent_names_the_gradient_taken_at_lr_times_x():
    def descend_scaled(grad, x0, lr, steps):
        xs = [x0]
        for _ in range(steps):
            xs.append(xs[-1] - grad(lr * xs[-1]))
        return np.array(xs, dtype=float)
    assert "grad(lr * x)" in verdict("01-descent", descend=descend_scaled)


def test_math_module_on_an_array_is_explained():
    import math
    text = verdict("01-derivative", dfdx=lambda x: math.pow(x, 3) - 4 * x + 1)
    assert "works on single numbers" in text and "np." in text, text
