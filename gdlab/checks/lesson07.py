"""Lesson 07 exercises: three update rules, one setting to choose, one number to predict,
one measurement to interpret.

The update rules follow the torch.optim conventions the lesson teaches:

* momentum (torch.optim.SGD):  v <- mu v + g,  x <- x - lr v
* Adam:  m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,  t counts steps from 1,
  x <- x - lr m_hat / (sqrt(v_hat) + eps)  with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
* AdamW: x <- x (1 - lr wd) first, then the Adam step with the plain gradient.

The references are written out here independently of gdlab.optim. Each mistake is the
same formula with one slip, so the check can name the slip. The cases use large eps or
small gradients where a slip would otherwise hide below the tolerance (eps inside the
square root is invisible with eps = 1e-8 and gradients of order 1).

The other three: 07-choose-momentum is judged by running the learner's momentum and
counting steps (any value within the budget passes); 07-adaptive-steps asks for AdaGrad's
and RMSprop's k-th step under a constant gradient, exactly; 07-why-adamw asks for the letter
of the explanation that fits section 5's printout, and each wrong letter has its refutation.
"""
import math

import numpy as np

from gdlab.checks.core import Case, Mistake, as_float_array, choice_exercise, exercise


def _f(a):
    return np.array(a, dtype=float)   # a fresh float copy


# --------------------------------------------------------------------------- 07-momentum-step
def _momentum(x, v, g, lr, mu, *, kind="torch"):
    x, v, g = _f(x), _f(v), _f(g)
    if kind == "torch":
        v_new = mu * v + g
        return x - lr * v_new, v_new
    if kind == "ascent":
        v_new = mu * v + g
        return x + lr * v_new, v_new
    if kind == "classical":           # exponential moving average: (1 - mu) on the gradient
        v_new = mu * v + (1 - mu) * g
        return x - lr * v_new, v_new
    if kind == "lr twice":            # lr inside the buffer AND in the update
        v_new = mu * v + lr * g
        return x - lr * v_new, v_new
    if kind == "step in buffer":      # Sutskever et al. form: v holds the step itself
        v_new = mu * v - lr * g
        return x + v_new, v_new
    if kind == "step in buffer, plus":
        v_new = mu * v + lr * g
        return x - v_new, v_new
    if kind == "old v":               # x moved with the velocity from before this step
        v_new = mu * v + g
        return x - lr * v, v_new
    if kind == "no momentum":
        return x - lr * g, mu * v + g
    raise ValueError(kind)


def _momentum_ref(x, v, g, lr, momentum):
    return _momentum(x, v, g, lr, momentum)


def _momentum_cases(rng):
    return [
        Case(np.array([1.0, -2.0, 0.5]), np.array([0.4, -0.3, 0.2]),
             np.array([2.0, 1.0, -3.0]), 0.1, 0.9),
        Case(np.array([0.0, 0.0]), np.array([0.1, -0.2]), np.array([1.5, -0.5]), 0.2, 0.5),
        Case(np.array([3.0, -1.0]), np.array([-2.0, 5.0]), np.array([0.3, 0.7]), 0.05, 0.8),
        Case(rng.normal(size=5), rng.normal(size=5), rng.normal(size=5), 0.3, 0.95),
        # (No case with zero velocity or mu = 0: there momentum plays no part.)
        Case(np.array([2.0]), np.array([1.0]), np.array([-4.0]), 0.25, 0.3),
    ]


def _mm(kind, message):
    return Mistake(kind, lambda x, v, g, lr, mu: _momentum(x, v, g, lr, mu, kind=kind), message)


exercise(
    id="07-momentum-step", lesson="07", title="One step of heavy-ball momentum (torch form)",
    forbids=["gdlab.optim"],
    target="momentum_step", kind="function", points=2,
    cases=_momentum_cases, reference=_momentum_ref, rtol=1e-7, atol=1e-10, returns=("array",) * 2,
    mistakes=[
        _mm("ascent", "You move x along +v: the update is x_new = x - lr * v_new (minus)."),
        _mm("classical", "Your velocity is an average, v_new = momentum * v + (1 - momentum) * g "
            "(books that call the coefficient mu write it mu v + (1 - mu) g). That is the "
            "'classical' exponential-moving-average form; torch.optim.SGD (and this lesson) "
            "adds the full gradient: v_new = momentum * v + g. The two differ by a factor "
            "1/(1 - momentum) in the effective learning rate."),
        _mm("lr twice", "The learning rate is applied twice: once inside the velocity and "
            "again in the update. In the torch form the buffer holds gradients only, "
            "v_new = momentum * v + g, and x_new = x - lr * v_new."),
        _mm("step in buffer", "Your buffer holds the step itself (v = momentum * v - lr * g, x = x + v), "
            "the form of Sutskever et al. 2013. Here the buffer holds gradients, as in "
            "torch.optim.SGD: v_new = momentum * v + g, x_new = x - lr * v_new."),
        _mm("step in buffer, plus", "Your buffer includes the learning rate (v = momentum * v + lr * g, "
            "x = x - v). In the torch form the buffer holds gradients only: "
            "v_new = momentum * v + g, then x_new = x - lr * v_new."),
        _mm("old v", "You move x with the OLD velocity v. Update the velocity first, then use "
            "the new one: v_new = momentum * v + g; x_new = x - lr * v_new."),
        _mm("no momentum", "Your x_new ignores the velocity (x - lr * g is plain gradient "
            "descent). Use the new velocity: x_new = x - lr * v_new."),
        Mistake("swapped order", lambda x, v, g, lr, mu: _momentum_ref(x, v, g, lr, mu)[::-1],
                "Your values are right but in the wrong order: you return (v_new, x_new). "
                "Return the position first: return x_new, v_new."),
    ],
    hints=[
        "Two lines, in this order: first the new velocity from the old one and the gradient, "
        "then the new position from the NEW velocity.",
        "v_new = momentum * v + g (no learning rate, no (1 - momentum)); "
        "x_new = x - lr * v_new. Return both, as a tuple.",
        "v_new = momentum * v + g\nx_new = x - lr * v_new\nreturn x_new, v_new",
    ],
)


# --------------------------------------------------------------------------- 07-adam-step
def _adam(x, m, v, g, t, lr, b1, b2, eps, *, slip=None, wd=0.0, decay=None):
    """Adam (and AdamW when decay is set) with an optional slip, for references/mistakes.

    decay: None (no decoupled decay), "torch" (x (1 - lr wd) before the step), "no lr"
    (x (1 - wd)), "after" (shrink the NEW x), "l2" (wd x added to the gradient),
    "grow" (x (1 + lr wd)).
    """
    x, m, v, g = _f(x), _f(m), _f(v), _f(g)
    if decay == "l2":
        g = g + wd * x
    tt = {"t-1": t - 1, "t+1": t + 1}.get(slip, t)
    m_new = b1 * m + (1 - b1) * g
    if slip == "square m":
        v_new = b2 * v + (1 - b2) * m_new ** 2
    elif slip == "no square":
        v_new = b2 * v + (1 - b2) * g
    elif slip == "abs g":
        v_new = b2 * v + (1 - b2) * np.abs(g)
    else:
        v_new = b2 * v + (1 - b2) * g ** 2
    with np.errstate(all="ignore"):
        if slip == "no bias correction":
            m_hat, v_hat = m_new, v_new
        elif slip == "correct m only":
            m_hat, v_hat = m_new / (1 - b1 ** tt), v_new
        elif slip == "correct v only":
            m_hat, v_hat = m_new, v_new / (1 - b2 ** tt)
        else:
            m_hat, v_hat = m_new / (1 - b1 ** tt), v_new / (1 - b2 ** tt)
        if slip == "eps inside":
            step = lr * m_hat / np.sqrt(v_hat + eps)
        elif slip == "efficient form":
            # Kingma & Ba (2015), note after Algorithm 1: fold both corrections into the
            # rate, alpha_t = lr sqrt(1 - b2^t) / (1 - b1^t), and add eps to sqrt(v), not
            # to sqrt(v_hat): the torch form with eps replaced by eps / sqrt(1 - b2^t)
            step = lr * np.sqrt(1 - b2 ** tt) / (1 - b1 ** tt) * m_new / (np.sqrt(v_new) + eps)
        elif slip == "no sqrt":
            step = lr * m_hat / (v_hat + eps)
        else:
            step = lr * m_hat / (np.sqrt(v_hat) + eps)
    if decay == "torch":
        x_new = x * (1 - lr * wd) - step
    elif decay == "no lr":
        x_new = x * (1 - wd) - step
    elif decay == "after":
        x_new = (x - step) * (1 - lr * wd)
    elif decay == "grow":
        x_new = x * (1 + lr * wd) - step
    else:
        x_new = x - step
    if slip == "return hats":
        return x_new, m_hat, v_hat
    return x_new, m_new, v_new


def _adam_ref(x, m, v, g, t, lr, beta1, beta2, eps):
    return _adam(x, m, v, g, t, lr, beta1, beta2, eps)


def _adam_cases(rng):
    # Cases with t > 1 come first: a 0-based t makes the very first step divide by zero,
    # and the check reports the first failing case.
    return [
        Case(np.array([1.0, -2.0, 0.5]), np.array([0.1, -0.2, 0.05]),
             np.array([0.01, 0.04, 0.002]), np.array([0.5, -1.0, 0.2]), 3, 0.1, 0.9, 0.999, 1e-3),
        Case(np.array([0.3, 0.8]), np.array([0.002, -0.001]), np.array([1e-5, 4e-6]),
             np.array([0.003, -0.002]), 5, 0.01, 0.8, 0.99, 1e-3),
        Case(rng.normal(size=4), 0.1 * rng.normal(size=4), 0.01 * rng.random(4) + 0.001,
             rng.normal(size=4), 12, 0.05, 0.9, 0.999, 1e-4),
        Case(np.array([2.0, -1.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]),
             np.array([4.0, -0.01]), 1, 0.1, 0.9, 0.999, 1e-2),
    ]


def _am(slip, message):
    return Mistake(slip, lambda *a: _adam(*a, slip=slip), message)


exercise(
    id="07-adam-step", lesson="07", title="One Adam step with bias correction",
    forbids=["gdlab.optim"],
    target="adam_step", kind="function", points=3,
    cases=_adam_cases, reference=_adam_ref, rtol=1e-7, atol=1e-12, returns=("array",) * 3,
    mistakes=[
        _am("no bias correction", "You use m and v without bias correction. Divide them by "
            "(1 - beta1**t) and (1 - beta2**t) before the update (but return the uncorrected "
            "m and v: the corrected ones are only for this step)."),
        _am("correct m only", "Only m is bias-corrected. v needs it too: "
            "v_hat = v / (1 - beta2**t)."),
        _am("correct v only", "Only v is bias-corrected. m needs it too: "
            "m_hat = m / (1 - beta1**t)."),
        _am("t-1", "Your bias correction uses t - 1: the step counter is off by one. Here t "
            "is already the number of THIS step, starting at 1 (as in torch.optim), so use "
            "1 - beta1**t and 1 - beta2**t as they are."),
        _am("t+1", "Your bias correction uses t + 1: the step counter is off by one. t is "
            "already the number of this step (1 for the first step): use beta**t."),
        _am("eps inside", "eps is inside the square root. Adam adds it outside: "
            "m_hat / (np.sqrt(v_hat) + eps)."),
        _am("efficient form", "You wrote the 'efficient' form from the note after Algorithm 1 "
            "of Kingma & Ba (2015), which TensorFlow/Keras also use: lr_t = lr * sqrt(1 - "
            "beta2**t) / (1 - beta1**t), then x - lr_t * m / (np.sqrt(v) + eps). It is not "
            "a wrong algorithm, but it is not the form the task asks for: it adds eps to "
            "sqrt(v) instead of sqrt(v_hat), which is the torch form with eps replaced by "
            "eps / sqrt(1 - beta2**t) (about 32 eps at t = 1 with beta2 = 0.999, approaching "
            "eps as t grows). With eps = 1e-8 and gradients of order 1 the two steps agree "
            "to better than 1e-6 of their length; the check's cases use a large eps or tiny "
            "gradients so that the difference shows. Write the torch form: m_hat = m / (1 - beta1**t), v_hat = "
            "v / (1 - beta2**t), x - lr * m_hat / (np.sqrt(v_hat) + eps)."),
        _am("square m", "Your v averages the square of the new m. The second moment averages "
            "the squared GRADIENT: v = beta2 * v + (1 - beta2) * g**2."),
        _am("no square", "Your v averages g, not g**2: the second moment needs the squared "
            "gradient."),
        _am("abs g", "Your v averages |g|, the size of the gradient, instead of its square "
            "g**2. Adam's second moment is the running mean of g**2, and the step divides by "
            "its square root, so that sqrt(v_hat) has the units of g."),
        _am("no sqrt", "You divide by v_hat itself; Adam divides by its square root, "
            "np.sqrt(v_hat) + eps."),
        _am("return hats", "The x you return is right, but you return the bias-CORRECTED "
            "m_hat and v_hat. The running averages m and v must be stored uncorrected (the "
            "next step corrects them again with its own t)."),
    ],
    hints=[
        "Four stages: update m, update v, bias-correct both (for this step only), move x. "
        "Return the new x and the new UNcorrected m and v.",
        "m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g**2; m_hat = m/(1 - beta1**t); "
        "v_hat = v/(1 - beta2**t); x = x - lr*m_hat/(np.sqrt(v_hat) + eps).",
        "m_new = beta1 * m + (1 - beta1) * g\nv_new = beta2 * v + (1 - beta2) * g**2\n"
        "m_hat = m_new / (1 - beta1**t)\nv_hat = v_new / (1 - beta2**t)\n"
        "x_new = x - lr * m_hat / (np.sqrt(v_hat) + eps)\nreturn x_new, m_new, v_new",
    ],
)


# --------------------------------------------------------------------------- 07-adamw-step
def _adamw_ref(x, m, v, g, t, lr, beta1, beta2, eps, weight_decay):
    return _adam(x, m, v, g, t, lr, beta1, beta2, eps, wd=weight_decay, decay="torch")


def _adamw_cases(rng):
    return [
        Case(np.array([1.0, -2.0, 0.5]), np.array([0.1, -0.2, 0.05]),
             np.array([0.01, 0.04, 0.002]), np.array([0.5, -1.0, 0.2]), 3, 0.1, 0.9, 0.999,
             1e-8, 0.5),
        Case(np.array([4.0, -3.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]),
             np.array([1.0, 0.1]), 1, 0.05, 0.9, 0.999, 1e-8, 0.2),
        Case(3 * rng.normal(size=4), 0.1 * rng.normal(size=4), 0.01 * rng.random(4) + 0.001,
             rng.normal(size=4), 7, 0.02, 0.9, 0.99, 1e-8, 1.0),
        Case(np.array([2.0, -1.0, 10.0]), np.array([0.5, 0.5, 0.0]), np.array([1.0, 0.1, 1e-4]),
             np.array([2.0, 0.0, -0.05]), 20, 0.1, 0.8, 0.99, 1e-6, 0.3),
    ]


def _wm(decay, message):
    return Mistake(decay, lambda x, m, v, g, t, lr, b1, b2, eps, wd:
                   _adam(x, m, v, g, t, lr, b1, b2, eps, wd=wd, decay=decay), message)


exercise(
    id="07-adamw-step", lesson="07", title="AdamW: Adam with decoupled weight decay",
    forbids=["gdlab.optim"],
    target="adamw_step", kind="function", points=3,
    cases=_adamw_cases, reference=_adamw_ref, rtol=1e-7, atol=1e-12, returns=("array",) * 3,
    mistakes=[
        _wm("l2", "You add weight_decay * x to the gradient: that is an L2 penalty inside "
            "Adam (torch.optim.Adam's weight_decay), which Adam then divides by sqrt(v). "
            "AdamW decays the PARAMETERS directly, x = x * (1 - lr * weight_decay), and the "
            "gradient statistics m and v never see the decay."),
        _wm("no lr", "Your decay is not multiplied by the learning rate: x * (1 - weight_decay) "
            "shrinks far too much. AdamW (torch) uses x * (1 - lr * weight_decay)."),
        _wm("after", "You shrink the NEW x, after the Adam step. torch.optim.AdamW decays the "
            "current parameters first, x * (1 - lr * weight_decay), then subtracts the Adam "
            "step: x_new = x * (1 - lr*wd) - lr * m_hat / (sqrt(v_hat) + eps)."),
        _wm("grow", "Your decay makes the weights grow: use (1 - lr * weight_decay), with a "
            "minus."),
        _wm(None, "Your answer has no weight decay at all: it is a plain Adam step. Shrink the "
            "parameters by (1 - lr * weight_decay) before subtracting the Adam step."),
        Mistake("no bias correction", lambda x, m, v, g, t, lr, b1, b2, eps, wd:
                _adam(x, m, v, g, t, lr, b1, b2, eps, wd=wd, decay="torch",
                      slip="no bias correction"),
                "The decay is right but the Adam part lacks bias correction: divide m and v "
                "by (1 - beta1**t) and (1 - beta2**t) before the update."),
    ],
    hints=[
        "AdamW = Adam with weight_decay = 0 on the gradient, plus one extra shrink of the "
        "parameters. The gradient g goes into m and v unchanged.",
        "Compute the Adam step exactly as in the previous exercise (m, v, m_hat, v_hat); "
        "then x_new = x * (1 - lr * weight_decay) - lr * m_hat / (np.sqrt(v_hat) + eps). The "
        "decay acts on the OLD x.",
        "m_new = beta1 * m + (1 - beta1) * g\nv_new = beta2 * v + (1 - beta2) * g**2\n"
        "m_hat = m_new / (1 - beta1**t)\nv_hat = v_new / (1 - beta2**t)\n"
        "x_new = x * (1 - lr * weight_decay) - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
        "return x_new, m_new, v_new",
    ],
)


# --------------------------------------------------------------------------- 07-choose-momentum
# The task: heavy ball (torch form) with lr = 0.01 fixed on the lesson's kappa = 100 bowl,
# gdlab.objectives.ill_conditioned(100, angle=pi/6), from x0 = (-2.5, 1.5); the learner picks
# the momentum. It passes when f falls below 1e-10 f(x0) within the step budget. The run is
# written here in the bowl's eigen-coordinates z = R^T x, where f = (z0^2 + 100 z1^2) / 2: the
# rotation changes neither the losses nor the count, and plain floats keep a check fast.
BOWL_KAPPA, BOWL_LR, BOWL_ANGLE, BOWL_X0 = 100.0, 0.01, math.pi / 6, (-2.5, 1.5)
BOWL_FACTOR = 1e-10
MOMENTUM_BUDGET = 130
_MAX_RUN = 5000          # long enough to count any momentum below 0.99; slower ones fail anyway


def heavy_ball_steps(momentum, max_steps=_MAX_RUN):
    """Updates until f < 1e-10 f(x0) on the task's bowl with lr = 0.01, or None if not
    within ``max_steps`` (or if the run blows up)."""
    c, s = math.cos(BOWL_ANGLE), math.sin(BOWL_ANGLE)
    z0 = c * BOWL_X0[0] + s * BOWL_X0[1]
    z1 = -s * BOWL_X0[0] + c * BOWL_X0[1]
    f_stop = BOWL_FACTOR * 0.5 * (z0 * z0 + BOWL_KAPPA * z1 * z1)
    v0 = v1 = 0.0
    for k in range(1, max_steps + 1):
        v0 = momentum * v0 + z0
        v1 = momentum * v1 + BOWL_KAPPA * z1
        z0, z1 = z0 - BOWL_LR * v0, z1 - BOWL_LR * v1
        f = 0.5 * (z0 * z0 + BOWL_KAPPA * z1 * z1)
        if f < f_stop:
            return k
        if not f < 1e12:
            return None
    return None


def _best_momentum():
    # The slowest eigen-direction (curvature 1) sets the pace. With momentum beta its error
    # follows r^2 - (1 + beta - lr*lam) r + beta = 0; the roots are complex, of size
    # sqrt(beta), once beta >= (1 - sqrt(lr*lam))^2. The smallest beta that makes them so
    # for every curvature lam in [1, 100] is the best one (Polyak's analysis at a fixed lr).
    return max((1 - math.sqrt(BOWL_LR * lam)) ** 2 for lam in (1.0, BOWL_KAPPA))


# Specific values a learner is likely to try, each with its own explanation. Any other value
# is judged by running it (the message gives the count and says which way to move).
_FORMULA_BETA = ((math.sqrt(BOWL_KAPPA) - 1) / (math.sqrt(BOWL_KAPPA) + 1)) ** 2   # 0.669
_SAME_VALUE = 0.005


def _momentum_number(got):
    arr, why = as_float_array(got)
    if arr is None or arr.shape != ():
        shape = "" if arr is None else f" of shape {arr.shape}"
        return None, (f"choose_momentum() must return one number, the momentum, but it "
                      f"returned {why or 'an array'}{shape}.")
    return float(arr), None


def _judge_momentum(got, expected, case):
    mu, problem = _momentum_number(got)
    if problem:
        return problem
    if abs(expected - _best_momentum()) > 1e-12:
        # ``expected`` is one of the Mistakes below, each a value a learner is likely to
        # type: it matches when the learner's value is (about) that one.
        return None if abs(mu - expected) <= _SAME_VALUE else "a different value"
    if not 0.0 <= mu < 1.0:
        return (f"choose_momentum() returned {mu:g}. A momentum must be at least 0 and "
                "below 1: the velocity has to forget old gradients to settle.")
    n = heavy_ball_steps(mu)
    if n is not None and n <= MOMENTUM_BUDGET:
        return None
    count = f"needs {n} steps" if n is not None else f"does not get there in {_MAX_RUN} steps"
    if mu < _best_momentum():
        return (f"With momentum {mu:g} the run {count}; the budget is {MOMENTUM_BUDGET}. "
                "That is too little momentum: the flat direction (curvature 1) still crawls, "
                "since lr = 0.01 alone shrinks its error by only 1 % per step. Try larger "
                "values with steps_to and watch the count.")
    return (f"With momentum {mu:g} the run {count}; the budget is {MOMENTUM_BUDGET}. That "
            "is too much momentum: once every direction oscillates, the error shrinks only by "
            f"about sqrt(momentum) = {math.sqrt(mu):.3f} per step, and more momentum means "
            "slower. Try smaller values with steps_to and watch the count.")


# The lesson's grid (cell "The whole curve, measured"); the window printed on a pass is read
# off it with the check's own count, so the text around the exercise need not state it.
REVEAL_GRID = np.round(np.arange(0.50, 0.96, 0.025), 3)


def _momentum_reveal():
    inside = [float(mu) for mu in REVEAL_GRID
              if (n := heavy_ball_steps(float(mu))) is not None and n <= MOMENTUM_BUDGET]
    beta = _best_momentum()
    return (f"On the grid 0.500, 0.525, ..., 0.950 the momenta within {MOMENTUM_BUDGET} steps "
            f"lie between {min(inside):.3f} and {max(inside):.3f}, around the momentum that "
            f"Polyak's (1964) eigenvalue analysis of heavy ball on a quadratic gives for this "
            f"fixed lr, max over the curvatures 1 and 100 of (1 - sqrt(lr * curvature))**2 "
            f"= {beta:.3f}: well above section 1's {_FORMULA_BETA:.3f}. A smaller step needs a "
            "longer memory to make progress along the flat direction.")


exercise(
    id="07-choose-momentum", lesson="07", title="Choose the momentum for a step budget",
    target="choose_momentum", kind="function", points=2,
    cases=[Case()], reference=_best_momentum, returns="float", compare=_judge_momentum,
    hidden=None,
    mistakes=[
        Mistake("section 1's formula", lambda: _FORMULA_BETA,
                "You used beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2 = 0.669 from "
                "section 1. That value is the best one only together with "
                "lr = 4 / (sqrt(L) + sqrt(mu))**2 = 0.033; here lr is fixed at 0.01, three "
                "times smaller, and the flat direction needs MORE momentum to make up for it "
                f"(0.669 needs {heavy_ball_steps(_FORMULA_BETA)} steps; the budget is "
                f"{MOMENTUM_BUDGET}). Measure a few larger values with steps_to."),
        Mistake("the usual default 0.9", lambda: 0.9,
                "0.9 is the usual default, and here it is too much: both eigen-directions "
                "oscillate, and the error then shrinks only by about sqrt(0.9) = 0.95 per step "
                f"({heavy_ball_steps(0.9)} steps; the budget is {MOMENTUM_BUDGET}). Measure "
                "a few smaller values with steps_to."),
        Mistake("no momentum", lambda: 0.0,
                "Momentum 0 is plain gradient descent, which needs "
                f"{heavy_ball_steps(0.0, max_steps=10**5)} steps here (the flat direction "
                "shrinks by 1 % per step). Some momentum is the point of the exercise."),
        Mistake("momentum 1", lambda: 1.0,
                "With momentum 1 the velocity never forgets a gradient: the ball never "
                "settles (its error does not shrink at all). Choose a value below 1."),
    ],
    hints=[
        "Measure: steps_to(bowl100, gdlab.optim.SGD(lr=0.01, momentum=mu)) counts the steps "
        "for one mu (steps_to and x0 are from section 1). Loop over mu = 0.5, 0.55, ..., "
        "0.95 and look at the counts.",
        "The counts fall and then rise again: too little momentum leaves the flat direction "
        "slow, too much makes every direction swing. Refine the grid around the smallest "
        "count and return that mu.",
        "Theory agrees with the experiment: on a quadratic at a fixed lr, the momentum with "
        "the fastest asymptotic rate is the smallest one that makes BOTH directions "
        "oscillate, (1 - sqrt(lr * curvature))**2 maximised over the curvatures 1 and 100. "
        "Compute it and return it.",
    ],
    reveal=_momentum_reveal(),
)


# --------------------------------------------------------------------------- 07-adaptive-steps
def _adaptive(g, k, lr, alpha, eps, *, slip=None):
    """(change of x at step k under AdaGrad, the same under RMSprop) when every gradient is
    g, from zero state; ``slip`` recomputes one learner's mistake."""
    # AdaGrad's sum after k equal gradients; RMSprop's average is a geometric series,
    # (1 - alpha) (1 + alpha + ... + alpha^(k-1)) g^2 = (1 - alpha^k) g^2.
    s_ada = (k - 1 if slip == "ada k-1" else k) * g * g
    s_rms = {"rms steady": 1.0, "rms no decay": k * (1 - alpha),
             "rms swapped": 1 - (1 - alpha) ** k}.get(slip, 1 - alpha ** k) * g * g
    e = 0.0 if slip == "no eps" else eps
    if slip == "eps inside":          # sqrt(s + eps) instead of sqrt(s) + eps, in both
        with np.errstate(all="ignore"):
            return (float(-lr * g / math.sqrt(s_ada + eps)),
                    float(-lr * g / math.sqrt(s_rms + eps)))
    with np.errstate(all="ignore"):
        if slip == "ada 1/k":
            d_ada = -lr * g / (k * abs(g) + e)
        elif slip == "ada no sqrt":
            d_ada = -lr * g / (s_ada + e)
        else:
            d_ada = -lr * g / (math.sqrt(s_ada) + e)
        if slip == "rms no sqrt":
            d_rms = -lr * g / (s_rms + e)
        else:
            d_rms = -lr * g / (math.sqrt(s_rms) + e)
    return (float(d_rms), float(d_ada)) if slip == "swapped" else (float(d_ada), float(d_rms))


def _adaptive_ref(g, k, lr, alpha, eps):
    return _adaptive(g, k, lr, alpha, eps)


def _adaptive_cases(rng):
    # Every case has k >= 2 (at k = 1 AdaGrad's 1/k and 1/sqrt(k) agree, and so do RMSprop's
    # true average and one without decay), alpha**k >= 1e-3 (else RMSprop has forgotten its
    # start and the steady-state slip is invisible), alpha != 0.5 (where alpha and 1 - alpha
    # are the same), and eps at least 1e-8 of sqrt(s) (so that dropping eps shows).
    return [
        Case(1.0, 1000, 0.1, 0.999, 1e-6),
        Case(-4.0, 2, 0.01, 0.9, 1e-3),
        Case(0.002, 100, 0.5, 0.99, 1e-8),
        Case(-250.0, 50, 0.001, 0.95, 1e-3),
        _random_adaptive_case(rng),
    ]


def _random_adaptive_case(rng):
    # within the bounds above: alpha**k >= 0.9**40 and eps >= 5e-8 sqrt(s)
    return Case(float(rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-3, 0.5)),
                int(rng.integers(2, 41)), float(10 ** rng.uniform(-3, -1)),
                float(rng.uniform(0.9, 0.995)), float(10 ** rng.uniform(-6, -4)))


def _sm(slip, message):
    return Mistake(slip, lambda g, k, lr, alpha, eps: _adaptive(g, k, lr, alpha, eps,
                                                                 slip=slip), message)


exercise(
    id="07-adaptive-steps", lesson="07", title="Predict AdaGrad's and RMSprop's k-th step",
    forbids=["gdlab.optim"],
    target="constant_gradient_steps", kind="function", points=2,
    cases=_adaptive_cases, reference=_adaptive_ref, rtol=1e-10, atol=0.0, returns="tuple",
    hidden=lambda rng: [_random_adaptive_case(rng) for _ in range(5)],
    mistakes=[
        _sm("ada 1/k", "Your AdaGrad step shrinks like 1/k. The sum of k equal squared "
            "gradients is k g**2, and AdaGrad divides by its square root, sqrt(k) |g|: the "
            "step shrinks like 1/sqrt(k)."),
        _sm("ada no sqrt", "Your AdaGrad step divides by the sum k g**2 itself. AdaGrad divides "
            "by its square root (plus eps): -lr * g / (sqrt(k g**2) + eps)."),
        _sm("ada k-1", "Your AdaGrad sum holds k - 1 squared gradients. The gradient of step k "
            "is added to the sum BEFORE the step divides by it, so at step k the sum is "
            "k g**2."),
        _sm("rms steady", "Your RMSprop step is the one it settles to, -lr g / (|g| + eps), as "
            "if the average were already g**2. It starts at 0, so after k steps it is only "
            "(1 - alpha**k) g**2 (a geometric series): the early steps are LARGER."),
        _sm("rms no decay", "Your RMSprop average is k (1 - alpha) g**2: you added the new "
            "(1 - alpha) g**2 each step but forgot that the old average is multiplied by "
            "alpha every step. Sum the geometric series: (1 - alpha) (1 + alpha + ... + "
            "alpha**(k-1)) g**2 = (1 - alpha**k) g**2."),
        _sm("rms swapped", "Your RMSprop average gives the new g**2 the weight alpha and the "
            "old average 1 - alpha. It is the other way round (torch's alpha = 0.99 keeps "
            "99 % of the old average): s = alpha s + (1 - alpha) g**2, which after k steps is "
            "(1 - alpha**k) g**2."),
        _sm("rms no sqrt", "Your RMSprop step divides by the average of g**2 itself; RMSprop "
            "divides by its square root (plus eps)."),
        _sm("eps inside", "You put eps inside the square root, sqrt(s + eps). AdaGrad and "
            "RMSprop (torch.optim, and the formulas of section 3) add it outside: "
            "-lr * g / (sqrt(s) + eps). The two differ by about eps / (2 sqrt(s)) relative to "
            "the step, so the numbers agree in their first digits, but the task asks for the "
            "exact value."),
        _sm("no eps", "You left out eps. The task asks for the exact change of x, and both "
            "optimizers divide by sqrt(s) + eps: with small gradients eps is not negligible."),
        _sm("swapped", "Your two numbers are in the wrong order: return the AdaGrad change "
            "first, then the RMSprop change."),
    ],
    hints=[
        "Write down the state after k equal gradients g. AdaGrad's sum: s = g**2 + g**2 + ... "
        "(k times). RMSprop's average: start from s = 0 and apply s = alpha s + (1 - alpha) "
        "g**2 three times by hand; spot the pattern.",
        "AdaGrad: s = k g**2. RMSprop: s = (1 - alpha**k) g**2. Each step changes x by "
        "-lr * g / (sqrt(s) + eps), with the s of that step.",
        "s_ada = k * g**2\ns_rms = (1 - alpha**k) * g**2\n"
        "return -lr * g / (np.sqrt(s_ada) + eps), -lr * g / (np.sqrt(s_rms) + eps)",
    ],
)


# --------------------------------------------------------------------------- 07-why-adamw
# The learner reads section 5's printout and picks the explanation that accounts for it.
# Each wrong letter is a claim the printout (or the algebra beside it) refutes.
_WHY_ADAMW_RIGHT = "C"
_WHY_ADAMW_WRONG = {
    "A": "A is wrong. Dividing the L2 term by sqrt(v_hat) changes how FAST the penalty acts, "
         "not where the run stops: Adam + L2 stops where the averaged g + lam x is zero, the "
         "ridge condition, and the printout shows it ending at the ridge solution, within "
         "0.001 of gradient descent + L2. Ridge itself keeps the scale-10 weight near 0.99, "
         "because that feature's data term is far steeper than lam = 1.",
    "B": "B is wrong. Decaying before or after the Adam step changes a step by a factor "
         "1 - lr lam = 0.99 at most, far too little to move a weight from 0.99 to 0.76; and "
         "the printout's fixed point, computed from the data with no order of operations "
         "in it, already predicts AdamW's end point.",
    "D": "D is wrong. Noise cannot explain it: the end points are averages over 20 epochs, "
         "Adam + L2 sees exactly the same mini-batches and lands on the ridge solution, and "
         "the noise-free fixed point g + lam sqrt(v_hat) x = 0, computed from the data, "
         "predicts AdamW's end point to about 0.01.",
}


choice_exercise(
    id="07-why-adamw", lesson="07", title="Why AdamW ends somewhere else",
    target="adamw_explanation", points=1, right=_WHY_ADAMW_RIGHT, wrong=_WHY_ADAMW_WRONG,
    what="the explanation that fits the printout",
    reveal="C it is. AdamW has settled when its decay and its Adam step cancel, "
           "m_hat / sqrt(v_hat) = -lam x; with m_hat close to the gradient g this reads "
           "g + lam sqrt(v_hat) x = 0 for each weight: the ridge condition, but with a penalty "
           "of its own for each weight, lam sqrt(v_hat_i). sqrt(v_hat_i) is the typical size "
           "of weight i's gradient, so AdamW regularises large-gradient weights more strongly "
           "than an L2 penalty does, and small-gradient weights less; the printout's "
           "fixed point computed with these penalties lands next to AdamW's end point.",
    hints=[
        "Read the printout of section 5 line by line: which runs end at the ridge solution, "
        "and which computed fixed point matches AdamW's end point?",
        "An explanation must account for BOTH facts: Adam + L2 ends at the ridge solution, "
        "and AdamW ends near the point where g + lam sqrt(v_hat) x = 0. Which option uses "
        "the per-weight factor sqrt(v_hat)?",
        "The per-weight penalty lam * sqrt(v_hat_i) is about 55 for the scale-10 weight and "
        "0.14 for the scale-0.1 weight: that is option C. return \"C\"",
    ],
)
