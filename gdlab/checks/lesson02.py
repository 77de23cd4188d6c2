"""Lesson 02 exercises: gradients in many dimensions.

References are written out here (not taken from gdlab.objectives or gdlab.gradcheck) so that
a bug in the package cannot make a wrong answer look right. Each Mistake recomputes what a
learner gets with one specific, common error, so the check can name it.
"""
import numpy as np

from gdlab.checks.compare import fmt_value
from gdlab.checks.core import Case, Mistake, Ref, exercise, explain_array_mismatch


def _f(a):
    return np.asarray(a, dtype=float)


# --------------------------------------------------------------------------- 02-quadratic-grad
# f(x) = 0.5 x^T A x - b^T x with A symmetric  ->  grad f(x) = A x - b.
def _quad_grad(A, b, x):
    return _f(A) @ _f(x) - _f(b)


def _spd(rng, d):
    M = rng.normal(size=(d, d))
    return M @ M.T + d * np.eye(d)


def _quad_cases(rng):
    A3 = _spd(rng, 3)
    A5 = _spd(rng, 5)
    S = rng.normal(size=(4, 4))
    return [
        Case(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, -1.0]), np.array([0.5, 2.0])),
        Case(np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, 1.0]), np.array([-1.0, 1.0])),
        Case(A3, rng.normal(size=3), rng.normal(size=3)),
        Case(A5, rng.normal(size=5), rng.normal(size=5)),
        # symmetric but indefinite: the formula does not care whether a minimum exists
        Case(S + S.T, rng.normal(size=4), rng.normal(size=4)),
        Case(np.array([[1.0, 2.0], [2.0, -1.0]]), np.array([0.5, -1.0]), np.array([1.0, 0.0])),
    ]


exercise(
    id="02-quadratic-grad", lesson="02", title="The gradient of a quadratic",
    forbids=["gdlab.objectives", "gdlab.gradcheck"],
    target="quadratic_grad", kind="function", points=2,
    cases=_quad_cases, reference=_quad_grad, rtol=1e-9, atol=1e-12, returns="array",
    mistakes=[
        Mistake("elementwise A * x",
                lambda A, b, x: np.asarray(A, dtype=float) * np.asarray(x, dtype=float)
                - np.asarray(b, dtype=float),
                "You multiply elementwise (A * x), which broadcasts x across the rows of A "
                "and gives a (d, d) matrix. The gradient needs the matrix-vector product "
                "A @ x, shape (d,)."),
        Mistake("plus b", lambda A, b, x: _f(A) @ _f(x) + _f(b),
                "The linear term is -b^T x, so its gradient is -b: you add b instead."),
        Mistake("missing b", lambda A, b, x: _f(A) @ _f(x),
                "The gradient of the linear term -b^T x is missing: subtract b."),
        Mistake("kept the one half", lambda A, b, x: 0.5 * (_f(A) @ _f(x)) - _f(b),
                "The 1/2 in front of x^T A x cancels: the gradient of x^T A x is "
                "(A + A^T) x = 2 A x for symmetric A, so 0.5 x^T A x gives A x, not A x / 2."),
        Mistake("A + A^T without the half",
                lambda A, b, x: (_f(A) + _f(A).T) @ _f(x) - _f(b),
                "You wrote (A + A^T) x - b: that is the gradient of x^T A x - b^T x. "
                "With the factor 0.5 in front it is 0.5 (A + A^T) x - b = A x - b."),
        Mistake("gradient of the value", lambda A, b, x: _f(x) * (_f(A) @ _f(x)) - _f(b),
                "You multiply x elementwise by A x. The gradient of 0.5 x^T A x is the "
                "vector A x (a matrix-vector product), without another factor x."),
    ],
    hints=[
        "Write f in coordinates for d = 2 and take the two partial derivatives: the pattern "
        "is a matrix-vector product.",
        "The gradient of 0.5 x^T A x is 0.5 (A + A^T) x, which is A x when A is symmetric; "
        "the gradient of b^T x is b.",
        "return A @ x - b",
    ],
    reveal="The gradient of 0.5 x^T A x - b^T x is A x - b for a symmetric A (for any square "
           "matrix M, the gradient of 0.5 x^T M x is 0.5 (M + M^T) x).",
)


# --------------------------------------------------------------------------- 02-numerical-grad
def _central(f, x, h=1e-5):
    x = _f(x)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * h)
    return g


def _forward(f, x, h=1e-5):
    x = _f(x)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (float(f(x + e)) - float(f(x))) / h
    return g


def _numgrad_compare(got, expected, case):
    # The default comparison, plus a targeted message for the integer-input case: with an
    # integer x, x.copy() stays integer, so x[i] + h is truncated when stored back and the
    # differences come out as zeros or nonsense (or `+=` raises a casting error).
    msg = explain_array_mismatch(got, expected, rtol=1e-6, atol=1e-7, returns="array",
                                 name="Your gradient")
    if msg is not None and np.asarray(case.args[1]).dtype.kind in "iub":
        return ("On an INTEGER input x your gradient is wrong: storing x[i] + h into an "
                "integer array truncates it (1 + 1e-5 becomes 1). Start from a float copy, "
                "x = np.array(x, dtype=float), and perturb copies of that.\n" + msg)
    return msg


def _numgrad_cases(rng):
    return [
        Case(Ref("gdlab.objectives.rosenbrock().f"), np.array([-1.2, 1.0])),
        Case(Ref("gdlab.objectives.quadratic(np.diag([1.0, 2.0, 3.0]), "
                 "np.array([1.0, 0.0, -1.0])).f"), np.array([0.5, -0.5, 2.0])),
        Case(Ref("lambda x: float(np.sum(np.sin(3 * x)) + x[0] * x[-1])"),
             rng.uniform(-1.0, 1.0, size=4)),
        Case(Ref("gdlab.objectives.himmelblau().f"), np.array([1.0, 2.0]), h=1e-4),
        Case(Ref("lambda x: float(np.sum(x ** 2) + np.prod(x))"), np.array([1, 2, -1])),
    ]


exercise(
    id="02-numerical-grad", lesson="02", title="A numerical gradient by central differences",
    forbids=["gdlab.gradcheck"],
    target="numerical_gradient", kind="function", points=3,
    cases=_numgrad_cases, reference=_central, rtol=1e-6, atol=1e-7, returns="array",
    compare=_numgrad_compare,
    mistakes=[
        Mistake("forward difference", _forward,
                "You use a forward difference (f(x + h e_i) - f(x)) / h. Its error shrinks "
                "only like h; the central difference (f(x + h e_i) - f(x - h e_i)) / (2h) "
                "cancels the first error term and is far more accurate."),
    ],
    hints=[
        "Loop over the coordinates i. For each, build the two points x + h e_i and "
        "x - h e_i, where e_i is the i-th unit vector, and evaluate f at both.",
        "Start from a float copy, x = np.array(x, dtype=float), and perturb copies of it "
        "(never the caller's array). The i-th entry is (f(x_plus) - f(x_minus)) / (2 * h).",
        "x = np.array(x, dtype=float)\ng = np.zeros_like(x)\nfor i in range(x.size):\n"
        "    e = np.zeros_like(x); e[i] = h\n    g[i] = (f(x + e) - f(x - e)) / (2 * h)\n"
        "return g",
    ],
)


# --------------------------------------------------------------------------- 02-rosenbrock-grad
# f(x, y) = (a - x)^2 + b (y - x^2)^2
def _rb_grad(p, a=1.0, b=100.0):
    x, y = _f(p)
    r = y - x * x
    return np.array([-2.0 * (a - x) - 4.0 * b * x * r, 2.0 * b * r])


def _rb_cases(rng):
    # Every case passes a and b other than the defaults 1 and 100 (or an answer that
    # ignores them would pass it), and no point has y = x^2 or x = a, where one of the two
    # terms vanishes and a slip in that term cannot show.
    return [
        Case(np.array([-1.2, 1.0]), a=1.0, b=50.0),
        Case(np.array([1.0, 1.5]), a=2.0, b=100.0),
        Case(np.array([0.0, 0.5]), a=1.5, b=20.0),
        Case(np.array([0.5, -0.3]), a=0.8, b=5.0),
        Case(rng.uniform(-2.0, 2.0, size=2), a=3.0, b=30.0),
        Case(np.array([2.0, 1.0]), a=3.0, b=10.0),
        Case(np.array([-0.7, 1.5]), a=0.5, b=1.0),   # not x = -0.5: there -4bxr = 2br
    ]


exercise(
    id="02-rosenbrock-grad", lesson="02", title="The gradient of the Rosenbrock function",
    forbids=["gdlab.objectives", "gdlab.gradcheck"],
    target="rosenbrock_grad", kind="function", points=3,
    cases=_rb_cases, reference=_rb_grad, rtol=1e-9, atol=1e-9, returns="array",
    mistakes=[
        Mistake("chain rule: inner derivative missing",
                lambda p, a=1.0, b=100.0: np.array(
                    [-2.0 * (a - _f(p)[0]) + 2.0 * b * (_f(p)[1] - _f(p)[0] ** 2),
                     2.0 * b * (_f(p)[1] - _f(p)[0] ** 2)]),
                "The x-component misses the chain rule in the second term: the inner "
                "function y - x^2 has d/dx = -2x, so that term is -4 b x (y - x^2)."),
        Mistake("sign of the first term",
                lambda p, a=1.0, b=100.0: _rb_grad(p, a, b) + np.array(
                    [4.0 * (a - _f(p)[0]), 0.0]),
                "Check the sign of the first term of df/dx: d/dx (a - x)^2 = -2 (a - x), "
                "the inner derivative of a - x is -1."),
        Mistake("ignores a and b", lambda p, a=1.0, b=100.0: _rb_grad(p),
                "Your gradient ignores the parameters a and b (it uses 1 and 100 always). "
                "Use the arguments a and b in the formulas."),
        Mistake("df/dy halved",
                lambda p, a=1.0, b=100.0: _rb_grad(p, a, b) * np.array([1.0, 0.5]),
                "Your df/dy is half the right size: d/dy b (y - x^2)^2 = 2 b (y - x^2)."),
    ],
    hints=[
        "Take the two partial derivatives separately. Each term of f is a square "
        "(something)^2, whose derivative is 2 (something) times the derivative of the "
        "something (chain rule).",
        "df/dx = -2 (a - x) - 4 b x (y - x^2);  df/dy = 2 b (y - x^2). Return them as one "
        "array of shape (2,).",
        "x, y = p\nr = y - x**2\nreturn np.array([-2*(a - x) - 4*b*x*r, 2*b*r])",
    ],
)


# --------------------------------------------------------------------------- 02-wrong-coords
# Which partial derivatives of an analytic gradient disagree with central differences?
def _coord_errors(f, grad, x, h=1e-5, *, forward=False, absolute=False):
    x = np.array(x, dtype=float)
    a = _f(grad(x.copy()))
    n = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        n[i] = (f(x + e) - f(x)) / h if forward else (f(x + e) - f(x - e)) / (2 * h)
    if absolute:
        return np.abs(a - n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(a - n) / (np.abs(a) + np.abs(n))   # 0/0 (both zero) -> nan: agree


def _wrong_coords(f, grad, x, tol=1e-6, **how):
    err = _coord_errors(f, grad, x, **how)
    return [int(i) for i in np.flatnonzero(err > tol)]


def _whole_vector(f, grad, x, tol=1e-6):
    a = _f(grad(np.array(x, dtype=float)))
    n = _central(f, x)
    rel = np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n))
    return list(range(a.size)) if rel > tol else []


def _compare_coords(got, expected, case):
    try:
        items = np.ravel(np.asarray(got))
        if items.dtype.kind not in "iu" and not (items.size == 0 and got is not None):
            raise TypeError
        indices = sorted(int(i) for i in items)
    except (TypeError, ValueError):
        return (f"Return a list of coordinate indices such as [0, 2] (or [] when every "
                f"partial derivative agrees); you returned {fmt_value(got)}.")
    if indices == list(expected):
        return None
    return (f"You flagged coordinates {indices}; the partial derivatives that disagree with "
            f"central differences are {list(expected)}.")


_Q3 = "np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])"


def _coords_cases(rng):
    # Every case has a wrong coordinate and right ones (so judging the whole vector, or
    # counting from 1, always shows); cases 2 and 5 are far from unit scale, the only
    # place where an absolute tolerance gives another answer than a relative one. The
    # small one comes first: at 1e6 an absolute test flags every coordinate, which looks
    # like judging the whole vector, and the first failing case names the mistake.
    return [
        # b wrong in coordinate 1 only
        Case(Ref(f"gdlab.objectives.quadratic({_Q3}, np.array([1.0, -2.0, 0.5])).f"),
             Ref(f"gdlab.objectives.quadratic({_Q3}, np.array([1.0, 2.0, 0.5])).grad"),
             np.array([0.3, -1.1, 2.5]), tol=1e-7),
        # Rosenbrock's gradient with the wrong a: only df/dx depends on a
        Case(Ref("gdlab.objectives.rosenbrock(a=1.0, b=10.0).f"),
             Ref("gdlab.objectives.rosenbrock(a=1.5, b=10.0).grad"), np.array([-1.2, 1.0])),
        # a function of size ~1e-6 whose df/dx0 is 1% off: absolutely tiny, still a bug
        Case(Ref("lambda v: 1e-6 * float(np.sin(v[0]) + v[0] * v[1] + v[1] ** 2)"),
             Ref("lambda v: 1e-6 * np.array([1.01 * np.cos(v[0]) + v[1], v[0] + 2 * v[1]])"),
             np.array([0.5, -0.8])),
        # the chain-rule slip of a hand-derived Himmelblau gradient, in df/dy only
        Case(Ref("gdlab.objectives.himmelblau().f"),
             Ref("lambda p: gdlab.objectives.himmelblau().grad(p) "
                 "- np.array([0.0, 2.0 * (p[0] + p[1] ** 2 - 7)])"),
             np.array([1.0, 2.0])),
        # a partial derivative that is exactly 0 and right, next to a wrong one
        Case(Ref("lambda v: float(v[0] ** 2 + np.sin(v[1]) + v[2] ** 3)"),
             Ref("lambda v: np.array([2 * v[0], np.cos(v[1]), 2 * v[2] ** 2])"),
             np.array([0.0, 0.4, 1.5])),
        # a function of size ~1e6: differences of ~1e-5 are rounding, not bugs
        Case(Ref("gdlab.objectives.quadratic(1e6 * np.diag([1.0, 2.0, 3.0, 4.0])).f"),
             Ref("gdlab.objectives.quadratic(1e6 * np.diag([1.0, 2.0, 3.0, 4.0]), "
                 "np.array([0.0, 0.0, 0.0, 5e5])).grad"),
             np.array([0.7, -0.2, 1.3, 0.4])),
    ]


def _coords_hidden(rng):
    cases = []
    for d in (3, 5):
        M = rng.normal(size=(d, d))
        A = M @ M.T + d * np.eye(d)
        b = rng.normal(size=d)
        bad = sorted(int(i) for i in rng.choice(d, size=2, replace=False))
        b_wrong = b.copy()
        b_wrong[bad] += rng.choice([-1.0, 1.0], size=2) * rng.uniform(0.5, 2.0, size=2)
        mat = np.array2string(A, separator=",", precision=17, max_line_width=10**6)
        f = f"gdlab.objectives.quadratic(np.array({mat}), np.array({b.tolist()}))"
        g = f"gdlab.objectives.quadratic(np.array({mat}), np.array({b_wrong.tolist()}))"
        cases.append(Case(Ref(f + ".f"), Ref(g + ".grad"), rng.normal(size=d)))
    return cases


exercise(
    id="02-wrong-coords", lesson="02", title="Which partial derivative is wrong?",
    forbids=["gdlab.gradcheck.check_grad", "gdlab.gradcheck.relative_error"],
    target="wrong_coordinates", kind="function", points=2,
    cases=_coords_cases, hidden=_coords_hidden, reference=_wrong_coords,
    compare=_compare_coords, returns="any",
    mistakes=[
        Mistake("absolute error", lambda f, g, x, tol=1e-6: _wrong_coords(f, g, x, tol,
                                                                         absolute=True),
                "You compare absolute differences |a_i - n_i| with tol. On a function of "
                "size ~1e6 the numerical derivative's rounding error alone is larger than "
                "that: use the relative error |a_i - n_i| / (|a_i| + |n_i|), which does not "
                "depend on the scale of f."),
        Mistake("whole vector", _whole_vector,
                "You judged the gradient as a whole and flagged every coordinate. The point "
                "of this tool is to say WHICH partial derivatives are wrong: compare them "
                "one coordinate at a time."),
        Mistake("counted from 1", lambda f, g, x, tol=1e-6: [i + 1 for i in
                                                           _wrong_coords(f, g, x, tol)],
                "Your indices are counted from 1; Python (and numpy) count coordinates from "
                "0, so the first partial derivative is coordinate 0."),
    ],
    hints=[
        "Compute the analytic gradient a = grad(x) and a numerical one n (your "
        "numerical_gradient), then compare them entry by entry.",
        "Coordinate i is wrong when |a_i - n_i| / (|a_i| + |n_i|) > tol. When both are 0 "
        "the coordinate agrees (0/0 gives nan, and nan > tol is False).",
        "a = np.asarray(grad(x), dtype=float)\nn = numerical_gradient(f, x)\n"
        "with np.errstate(invalid='ignore'):\n"
        "    rel = np.abs(a - n) / (np.abs(a) + np.abs(n))\n"
        "return [int(i) for i in np.flatnonzero(rel > tol)]",
    ],
)
