"""Lesson 10 exercises: beyond the gradient step (Newton's method, gradient-free search).

A Newton step is checked on positive definite and indefinite Hessians: the exercise asks
for the model's stationary point, which is what the formula gives either way (the lesson
then shows why that is a problem away from a minimum).
"""
import numpy as np

from gdlab.checks.core import Case, Mistake, exercise


def _f(a):
    return np.array(a, dtype=float)


# --------------------------------------------------------------------------- 10-newton-step
def _newton_ref(x, g, H):
    return _f(x) - np.linalg.solve(_f(H), _f(g))


def _newton_cases(rng):
    B = rng.normal(size=(4, 4))
    return [
        Case(np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([[4.0, 1.0], [1.0, 3.0]])),
        Case(np.array([0.5, -0.5, 1.0]), np.array([1.0, 2.0, -1.0]),
             np.array([[2.0, 0.5, 0.0], [0.5, 3.0, 0.7], [0.0, 0.7, 5.0]])),
        Case(rng.normal(size=4), rng.normal(size=4), B @ B.T + 0.5 * np.eye(4)),
        # indefinite (a saddle): Newton still solves H d = g
        Case(np.array([1.0, 1.0]), np.array([2.0, -2.0]), np.array([[2.0, 0.3], [0.3, -1.0]])),
    ]


exercise(
    id="10-newton-step", lesson="10", title="One Newton step",
    target="newton_step", kind="function", points=2,
    cases=_newton_cases, reference=_newton_ref, rtol=1e-7, atol=1e-10, returns="array",
    mistakes=[
        Mistake("multiplies by H", lambda x, g, H: _f(x) - _f(H) @ _f(g),
                "You multiply the gradient BY the Hessian. Newton divides by it: solve "
                "H d = g (np.linalg.solve(H, g)) and step x - d."),
        Mistake("diagonal only", lambda x, g, H: _f(x) - _f(g) / np.diag(_f(H)),
                "You divide each gradient entry by the Hessian's diagonal, ignoring the "
                "off-diagonal entries. Solve the full linear system H d = g."),
        Mistake("inverse of gradient", lambda x, g, H: _f(x) - _f(H) @ (1.0 / _f(g)),
                "You invert the gradient. Newton's step is H^{-1} g: solve H d = g for d."),
        Mistake("solves with x", lambda x, g, H: _f(x) - np.linalg.solve(_f(H), _f(x)),
                "You solve H d = x. The right-hand side is the gradient g: d = solve(H, g)."),
        Mistake("returns the step", lambda x, g, H: -np.linalg.solve(_f(H), _f(g)),
                "You return the step -H^{-1} g, not the new point. Return x - solve(H, g)."),
    ],
    hints=[
        "The quadratic model's gradient in the step d is g + H d; at the model's minimum it "
        "is zero. Which linear system is that, and which numpy function solves one?",
        "Do not form the inverse: d = np.linalg.solve(H, g) solves H d = g, which is cheaper "
        "and more accurate. Then x_new = x - d.",
        "return x - np.linalg.solve(H, g)",
    ],
)
