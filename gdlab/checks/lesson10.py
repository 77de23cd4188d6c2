"""Lesson 10 exercises: beyond the gradient step (Newton's method, gradient-free search).

A Newton step is checked on positive definite and indefinite Hessians: the exercise asks
for the model's stationary point, which is what the formula gives either way (the lesson
then shows why that is a problem away from a minimum).
"""
import functools

import numpy as np

from gdlab.checks.core import Case, Forbid, Mistake, exercise, explain_array_mismatch

# The text says never to form H^-1; forming it still gives the right step, so it keeps half
# the points (the deduction the exercise states).
_INVERSE = Forbid("numpy.linalg.inv", "numpy.linalg.pinv", keep=0.5, message=(
    "The text asks you never to form H^-1: np.linalg.inv (or pinv) builds the whole "
    "inverse, about 2d^3 operations against 2d^3/3 for one solve, and loses accuracy on "
    "ill-conditioned Hessians. Solve H d = g with np.linalg.solve(H, g) instead; forming "
    "the inverse costs half the points."))


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
    forbids=["gdlab.optim", _INVERSE],   # gdlab's Newton; the inverse the text rules out
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


# --------------------------------------------------------------------------- 10-damped-direction
# The rule of gdlab.optim.Newton(damping=delta0), written out again with plain numpy so that
# a bug in the package cannot make a wrong answer look right (tests compare the two).
def _is_positive_definite(M):
    try:
        np.linalg.cholesky(M)
        return True
    except np.linalg.LinAlgError:
        return False


def _doubled_delta(H, delta0):
    """The first of delta0, 2 delta0, 4 delta0, ... with H + delta I positive definite."""
    delta = float(delta0)
    while not _is_positive_definite(H + delta * np.eye(len(H))):
        delta *= 2.0
    return delta


def _solve_shifted(g, H, delta):
    return np.linalg.solve(H + delta * np.eye(len(H)), g)


def _damped_ref(g, H, delta0):
    g, H = _f(g), _f(H)
    delta = _doubled_delta(H, delta0)
    return _solve_shifted(g, H, delta), delta


def _himmelblau_g_H(x, y):
    """Gradient and Hessian of (x^2 + y - 11)^2 + (x + y^2 - 7)^2, by hand."""
    a, b = x * x + y - 11.0, x + y * y - 7.0
    g = np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])
    H = np.array([[12 * x * x + 4 * y - 42.0, 4 * (x + y)],
                  [4 * (x + y), 12 * y * y + 4 * x - 26.0]])
    return g, H


def _rotated(eigenvalues, rng):
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    return Q @ np.diag(eigenvalues) @ Q.T


def _damped_cases(rng):
    g_hb, H_hb = _himmelblau_g_H(-0.6, -0.6)
    c, s = np.cos(0.3), np.sin(0.3)
    R = np.array([[c, -s], [s, c]])
    return [
        # positive definite already: delta0 is kept
        Case(np.array([1.0, -2.0]), np.array([[4.0, 1.0], [1.0, 3.0]]), 0.1),
        # the lesson's start on Himmelblau's function: 30 fails, 60 works
        Case(g_hb, H_hb, 30.0),
        # lambda_min about -100.2 from delta0 = 0.5: eight doublings, to 128
        Case(np.array([1.0, 1.0]), np.array([[-100.0, 5.0], [5.0, 2.0]]), 0.5),
        # nearly singular: lambda_min = -1e-6, so from 1e-8 seven doublings, to 1.28e-6
        Case(np.array([1.0, 0.5]), R @ np.diag([-1e-6, 1.0]) @ R.T, 1e-8),
        # d = 1: 1 and 2 fail (H + delta = -1.5, -0.5), 4 works
        Case(np.array([2.0]), np.array([[-2.5]]), 1.0),
        Case(rng.normal(size=5), _rotated(rng.uniform(-5.0, 5.0, size=5), rng),
             float(rng.uniform(0.05, 0.5))),
        # negative definite in d = 8: every eigenvalue has to be lifted
        Case(rng.normal(size=8), _rotated(-rng.uniform(0.5, 20.0, size=8), rng),
             float(rng.uniform(0.5, 2.0))),
    ]


def _damped_compare(got, expected, case):
    return explain_array_mismatch(got, expected, rtol=1e-6, atol=1e-12, returns="tuple",
                                  name="your (d, delta)")


def _added_delta(g, H, delta0):
    # delta0, 2 delta0, 3 delta0, ...: lands on the doubling rule's value only by chance
    g, H = _f(g), _f(H)
    delta = float(delta0)
    while not _is_positive_definite(H + delta * np.eye(len(H))):
        delta += float(delta0)
    return _solve_shifted(g, H, delta), delta


def _zero_first(g, H, delta0):
    # tries H itself (delta = 0) before delta0: differs only when H is positive definite
    g, H = _f(g), _f(H)
    if _is_positive_definite(H):
        return np.linalg.solve(H, g), 0.0
    return _damped_ref(g, H, delta0)


def _doubles_first(g, H, delta0):
    # doubles before the first try (2 delta0, 4 delta0, ...): differs when delta0 works
    g, H = _f(g), _f(H)
    delta = _doubled_delta(H, 2.0 * float(delta0))
    return _solve_shifted(g, H, delta), delta


def _eigen_shift(g, H, delta0):
    g, H = _f(g), _f(H)
    delta = max(float(delta0), float(delta0) - np.linalg.eigvalsh(H)[0])
    return _solve_shifted(g, H, delta), delta


exercise(
    id="10-damped-direction", lesson="10", title="The damped Newton direction",
    forbids=["gdlab.optim"],
    target="damped_direction", kind="function", points=2,
    cases=_damped_cases, reference=_damped_ref, returns=("array", "float"),
    compare=_damped_compare,
    mistakes=[
        Mistake("fixed delta",
                lambda g, H, delta0: (_solve_shifted(_f(g), _f(H), delta0), float(delta0)),
                "You always use delta0. That helps only if delta0 > -lambda_min(H): when "
                "the Cholesky factorisation of H + delta I fails, H + delta I is not positive "
                "definite and d may point uphill. Double delta and try again until it "
                "succeeds.", wrong_rule=True),
        Mistake("eigenvalue shift", _eigen_shift,
                "You computed delta from the smallest eigenvalue (delta0 - lambda_min). That "
                "does make H + delta I positive definite, but it is not the rule asked for: "
                "try delta0, 2 delta0, 4 delta0, ... and keep the first one for which the "
                "Cholesky factorisation succeeds (no eigenvalues needed).", wrong_rule=True),
        Mistake("adds delta0 instead of doubling", _added_delta,
                "You raise delta by adding delta0 each time (delta0, 2 delta0, 3 delta0, "
                "...). The rule doubles it (delta0, 2 delta0, 4 delta0, ...): far fewer "
                "factorisations when -lambda_min(H) is much larger than delta0, and a "
                "different delta, so a different d, whenever the two sequences part.",
                wrong_rule=True),
        Mistake("tries delta = 0 first", _zero_first,
                "You try delta = 0 (H itself) before delta0. The first value to try is "
                "delta0: when H is already positive definite your code returns the undamped "
                "Newton direction with delta = 0, and the rule asked for keeps delta0 > 0 "
                "(it also keeps the step short where H is barely positive definite).",
                wrong_rule=True),
        Mistake("doubles before the first try", _doubles_first,
                "You double delta before the first Cholesky attempt, so delta0 itself is "
                "never tried: when H + delta0 I is already positive definite you return "
                "2 delta0. Try delta0 first, and double only after a failed attempt.",
                wrong_rule=True),
        Mistake("returns (delta, d)",
                lambda g, H, delta0: _damped_ref(g, H, delta0)[::-1],
                "You return (delta, d): both are right, in the wrong order. Return the "
                "tuple (d, delta), the direction first."),
        Mistake("direction from H",
                lambda g, H, delta0: (np.linalg.solve(_f(H), _f(g)),
                                      _doubled_delta(_f(H), delta0)),
                "Your delta is right, but d solves H d = g, the undamped system. The damped "
                "direction solves (H + delta I) d = g with the delta you found."),
        Mistake("returns the first delta",
                lambda g, H, delta0: (_damped_ref(g, H, delta0)[0], float(delta0)),
                "Your d is right, but you return delta0, the first value tried. Return the "
                "delta that was used, the one whose Cholesky factorisation succeeded.",
                wrong_rule=True),
        Mistake("returns -d",
                lambda g, H, delta0: (-_damped_ref(g, H, delta0)[0],
                                      _damped_ref(g, H, delta0)[1]),
                "Your d has the wrong sign. d solves (H + delta I) d = g, and the step "
                "is x - d (as in newton_step); do not put the minus sign into d."),
    ],
    hints=[
        "np.linalg.cholesky(M) raises np.linalg.LinAlgError when M is not positive "
        "definite. How can a loop use that to find delta?",
        "Start with delta = delta0; while the factorisation of H + delta * np.eye(len(g)) "
        "fails (catch the error with try/except), double delta. Then solve "
        "(H + delta I) d = g: with the factor L, solve L y = g and then L.T d = y.",
        "Inside `while True:` put `try: L = np.linalg.cholesky(H + delta * I); break` and "
        "`except np.linalg.LinAlgError: delta *= 2`; after the loop "
        "`return np.linalg.solve(L.T, np.linalg.solve(L, g)), delta`",
    ],
)


# --------------------------------------------------------------------------- 10-es-scaling
# The lesson's (1+1)-ES on the sphere f(x) = |x|^2 from x0 = (1, ..., 1), sigma0 = 0.5,
# counted until f falls below 1e-6 f(x0); the lesson's table shows d = 2, 4, 8, 16 and the
# learner predicts d = 64. Same random draws as the lesson's one_plus_one_es with the same
# seeds, so the numbers agree with what the notebook prints.
_ES_SEEDS = range(5)
_ES_FACTOR = 1e-6
_ES_RTOL = 0.25                # a prediction from a table: within 25 % counts


def _es_evals(dim, seed, sigma=0.5):
    rng = np.random.default_rng(seed)
    x = np.ones(dim)
    fx = x @ x
    target, n = _ES_FACTOR * fx, 1
    while fx > target:
        trial = x + sigma * rng.normal(size=dim)
        f_trial = trial @ trial
        n += 1
        if f_trial < fx:
            x, fx = trial, f_trial
            sigma *= np.exp(0.8)
        else:
            sigma *= np.exp(-0.2)
    return n


@functools.lru_cache(maxsize=None)
def es_mean_evals(dim):
    """Mean evaluations over the seeds (cached: the mistakes reuse d = 8 and 16)."""
    return float(np.mean([_es_evals(dim, s) for s in _ES_SEEDS]))


def _compare_es(got, expected, case):
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        return (f"`es_evals_at_64` must be one number (a count of evaluations), got "
                f"{type(got).__name__} {got!r}.")
    got = float(got)
    if not np.isfinite(got) or got <= 0:
        return f"`es_evals_at_64` is {got}: a count of evaluations is a positive number."
    if abs(got - expected) <= _ES_RTOL * expected:
        return None
    way = "low" if got < expected else "high"
    return (f"Your prediction {got:g} is more than 25% off what the evolution strategy "
            f"needs at d = 64; it is too {way}. Read the table: by what factor does the "
            "count change each time d doubles?")


def _es_reveal():
    dims = [2, 4, 8, 16, 64]
    n = {dim: es_mean_evals(dim) for dim in dims}
    per_dim = ", ".join(f"{n[dim] / dim:.1f} (d = {dim})" for dim in dims)
    return (f"Measured at d = 64: {n[64]:.1f} evaluations on average over the same 5 seeds. "
            f"Linear growth from d = 16 predicts 4 x {n[16]:.1f} = {4 * n[16]:.1f}, quadratic "
            f"growth 16 x {n[16]:.1f} = {16 * n[16]:.1f}. Evaluations per dimension: "
            f"{per_dim}: the count grows linearly in d.\n"
            "Why: with the step size the 1/5 rule keeps near its best value, each evaluation "
            "shrinks ln|x| on average by an amount proportional to 1/d (Rechenberg; Hansen's "
            "tutorial), so a fixed reduction, here a factor 1000 in |x|, costs a number of "
            "evaluations proportional to d.")


exercise(
    id="10-es-scaling", lesson="10", title="Predict the cost of the (1+1)-ES at d = 64",
    target="es_evals_at_64", kind="value", points=2, returns="float",
    reference=lambda: es_mean_evals(64), compare=_compare_es, reveal=_es_reveal,
    mistakes=[
        Mistake("assumed it stays constant", lambda: es_mean_evals(16),
                "You predicted about the count at d = 16, as if the cost did not depend on "
                "d. It does: one value of f says nothing about which of the d directions is "
                "downhill, so each extra dimension costs more trials. The table shows the "
                "count about doubling each time d doubles."),
        Mistake("square-root growth", lambda: 2.0 * es_mean_evals(16),
                "You predicted twice the count at d = 16, as if it grew like sqrt(d). From "
                "16 to 64 d doubles twice, and in the table each doubling of d about "
                "doubles the count."),
        Mistake("quadratic growth", lambda: 16.0 * es_mean_evals(16),
                "You predicted about 16 times the count at d = 16, as if it grew like d^2. "
                "In the table each doubling of d about doubles the count (it does not "
                "quadruple it): the cost grows about linearly in d."),
        Mistake("exponential growth",
                lambda: es_mean_evals(16) * (es_mean_evals(16) / es_mean_evals(8)) ** 6,
                "You predicted exponential growth (the same factor per added dimension). "
                "The table doubles when d doubles, not when d grows by a fixed amount: "
                "from 16 to 64 that is two doublings, about 4 times, not 2^6."),
    ],
    hints=[
        "Compare neighbouring rows of the table: by what factor does the count change when "
        "d doubles?",
        "It about doubles each time d doubles, so it grows about linearly in d (as theory "
        "says for the (1+1)-ES with the 1/5 rule). From d = 16 to 64, d doubles twice.",
        "es_evals_at_64 = 4 * es_counts[16]   # linear in d: 64 / 16 = 4",
    ],
)
