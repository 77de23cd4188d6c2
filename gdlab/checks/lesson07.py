"""Lesson 07 exercises: momentum, Adam with bias correction, AdamW's decoupled decay.

All three follow the torch.optim conventions the lesson teaches:

* momentum (torch.optim.SGD):  v <- mu v + g,  x <- x - lr v
* Adam:  m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,  t counts steps from 1,
  x <- x - lr m_hat / (sqrt(v_hat) + eps)  with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
* AdamW: x <- x (1 - lr wd) first, then the Adam step with the plain gradient.

The references are written out here independently of gdlab.optim. Each mistake is the
same formula with one slip, so the check can name the slip. The cases use large eps or
small gradients where a slip would otherwise hide below the tolerance (eps inside the
square root is invisible with eps = 1e-8 and gradients of order 1).
"""
import numpy as np

from gdlab.checks.core import Case, Mistake, exercise


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
    target="momentum_step", kind="function", points=2,
    cases=_momentum_cases, reference=_momentum_ref, rtol=1e-7, atol=1e-10, returns="tuple",
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
    target="adam_step", kind="function", points=3,
    cases=_adam_cases, reference=_adam_ref, rtol=1e-7, atol=1e-12, returns="tuple",
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
    target="adamw_step", kind="function", points=3,
    cases=_adamw_cases, reference=_adamw_ref, rtol=1e-7, atol=1e-12, returns="tuple",
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
