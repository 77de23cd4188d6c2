"""Lesson 05 exercises: choosing the learning rate.

References are written out here with plain numpy and math (not taken from
gdlab.schedules), so that a bug in the package cannot make a wrong answer look right. Each
Mistake recomputes what a learner gets with one specific, common error, so the check can
name it.
"""
import math

import numpy as np

from gdlab.checks.core import Case, Mistake, Ref, exercise, explain_array_mismatch


def _plainly(returns, rtol=1e-9, atol=1e-15):
    """A compare that reports any mismatch as "wrong values", so this exercise's own
    Mistakes get to explain it (the generic "half"/"twice" messages would otherwise win,
    and "a factor of 2 is missing" misleads when the slip is 1/L or an off-by-one)."""
    def compare(got, expected, case):
        return explain_array_mismatch(got, expected, rtol=rtol, atol=atol, returns=returns,
                                      name="your result")
    return compare


# --------------------------------------------------------------------------- 05-stability-limit
def _sym(A):
    A = np.asarray(A, dtype=float)
    return 0.5 * (A + A.T)


def _stability_limit(A):
    L = float(np.linalg.eigvalsh(_sym(A))[-1])
    return (L, 2.0 / L)


def _with_L(value):
    return (float(value), 2.0 / float(value))


def _stability_cases(rng):
    # Off-diagonal entries make the largest eigenvalue differ from the largest entry, and
    # the smallest eigenvalue differ from L, so each mistake gives a different answer. No
    # case is diagonal or 1 x 1: there the largest entry, the norm or the trace can equal L.
    M = rng.normal(size=(4, 4))
    random_spd = M @ M.T + 0.5 * np.eye(4)
    return [
        Case(np.array([[10.0, 2.0], [2.0, 1.0]])),
        Case(np.array([[3.0, 1.0], [1.0, 2.0]])),
        Case(np.array([[2.0, -1.5], [-1.5, 2.0]])),
        Case(np.array([[4.0, 1.0, 0.0], [1.0, 4.0, 1.0], [0.0, 1.0, 4.0]])),
        Case(np.round(random_spd, 3)),
        Case(np.array([[0.5, 0.2], [0.2, 0.3]])),
    ]


exercise(
    id="05-stability-limit", lesson="05", title="L and the largest stable learning rate",
    forbids=["gdlab.objectives"],
    target="stability_limit", kind="function", points=2,
    cases=_stability_cases, reference=_stability_limit, rtol=1e-8, atol=1e-12,
    returns="tuple", compare=_plainly("tuple", rtol=1e-8, atol=1e-12),
    mistakes=[
        Mistake("smallest eigenvalue",
                lambda A: _with_L(np.linalg.eigvalsh(_sym(A))[0]),
                "You used the SMALLEST eigenvalue. Stability is decided by the direction "
                "that curves most: L is the LARGEST eigenvalue of A (np.linalg.eigvalsh "
                "returns them in increasing order, so take the last one)."),
        # One mistake for "largest entry" and "largest diagonal entry": in a positive
        # definite matrix the largest entry (in size) always sits on the diagonal, so the
        # two give the same number on every valid input and one message covers both.
        Mistake("largest diagonal entry",
                lambda A: _with_L(np.max(np.diag(np.asarray(A, dtype=float)))),
                "You used the largest diagonal entry of A (for a positive definite A that is "
                "also its largest entry). That is L only for a diagonal matrix; as soon as A "
                "has off-diagonal entries L is larger: L is the largest EIGENVALUE, "
                "np.linalg.eigvalsh(A)[-1]."),
        Mistake("1/L",
                lambda A: (_stability_limit(A)[0], 1.0 / _stability_limit(A)[0]),
                "Your L is right, but the largest stable rate is 2/L, not 1/L (1/L is a "
                "safe, common choice, but the limit is twice as large)."),
        Mistake("returned mu-based limit",
                lambda A: (_stability_limit(A)[0],
                           2.0 / (_stability_limit(A)[0]
                                  + float(np.linalg.eigvalsh(_sym(A))[0]))),
                "Your second value is 2/(L + mu), the BEST constant rate. The task asks for "
                "the largest STABLE rate, 2/L."),
        Mistake("matrix norm",
                lambda A: _with_L(np.linalg.norm(np.asarray(A, dtype=float))),
                "You used np.linalg.norm(A), the Frobenius norm sqrt(sum of squared "
                "entries). It is at least L but usually larger; L is the largest EIGENVALUE "
                "(np.linalg.eigvalsh(A)[-1])."),
        Mistake("trace",
                lambda A: _with_L(np.trace(np.asarray(A, dtype=float))),
                "You used the trace of A, which is the SUM of all eigenvalues. L is only "
                "the largest one: np.linalg.eigvalsh(A)[-1]."),
    ],
    hints=[
        "Gradient descent on 0.5 x^T A x multiplies the component along each eigenvector "
        "of A (eigenvalue lam) by (1 - lr * lam) per step; it is stable when all these "
        "factors have size below 1.",
        "The binding constraint comes from the largest eigenvalue L: |1 - lr L| < 1 "
        "means lr < 2/L. np.linalg.eigvalsh(A) gives the eigenvalues in increasing order.",
        "L = float(np.linalg.eigvalsh(A)[-1])\nreturn L, 2.0 / L",
    ],
)


# --------------------------------------------------------------------------- 05-step-decay
def _step_decay(step, lr, step_size, gamma):
    return float(lr * gamma ** (step // step_size))


def _step_cases(rng):
    return [
        # Not step 0, where almost every formula gives lr: 29 is just before the third
        # block, so a drop counted too early, smooth decay and lr * gamma * k all show.
        Case(29, lr=0.1, step_size=10, gamma=0.5),
        Case(9, lr=0.1, step_size=10, gamma=0.5),
        Case(10, lr=0.1, step_size=10, gamma=0.5),
        Case(25, lr=0.1, step_size=10, gamma=0.5),
        Case(99, lr=1.0, step_size=30, gamma=0.1),
        Case(7, lr=0.3, step_size=1, gamma=0.9),
        Case(59, lr=0.2, step_size=20, gamma=0.25),
        Case(60, lr=0.2, step_size=20, gamma=0.25),
    ]


exercise(
    id="05-step-decay", lesson="05", title="Step decay schedule",
    forbids=["gdlab.schedules"],
    target="step_decay_lr", kind="function", points=2,
    cases=_step_cases, reference=_step_decay, rtol=1e-9, atol=1e-15, returns="float",
    compare=_plainly("float"),
    mistakes=[
        Mistake("one-based step",
                lambda step, lr, step_size, gamma: float(
                    lr * gamma ** ((step + 1) // step_size)),
                "Off by one: your rate drops one step too early. Steps are counted from 0, "
                "so the first drop happens at step == step_size (use step // step_size)."),
        Mistake("drops one step late",
                lambda step, lr, step_size, gamma: float(
                    lr * gamma ** (max(step - 1, 0) // step_size)),
                "Off by one: your rate drops one step too late. With 0-based steps the "
                "first drop is at step == step_size, exactly."),
        Mistake("true division",
                lambda step, lr, step_size, gamma: float(lr * gamma ** (step / step_size)),
                "Your rate decays smoothly: you used step / step_size. Step decay keeps the "
                "rate constant between drops: use floor division step // step_size."),
        Mistake("one drop too many",
                lambda step, lr, step_size, gamma: float(
                    lr * gamma ** (step // step_size + 1)),
                "Your rate has already dropped once at step 0. The first step_size steps "
                "(0 .. step_size-1) use lr itself: the number of drops is step // step_size, "
                "with no + 1."),
        Mistake("gamma times the number of drops",
                lambda step, lr, step_size, gamma: float(lr * gamma * (step // step_size)),
                "You multiply gamma by the number of drops (lr * gamma * k), which is 0 "
                "before the first drop. Each drop multiplies the rate by gamma once more: "
                "after k drops the rate is lr * gamma**k."),
        Mistake("linear instead of power",
                lambda step, lr, step_size, gamma: float(
                    lr * gamma * (step // step_size) if step >= step_size else lr),
                "Each drop MULTIPLIES the rate by gamma again: after k drops the rate is "
                "lr * gamma**k, not lr * gamma * k."),
    ],
    hints=[
        "Count how many drops have happened by step `step` (0-based): that is the number "
        "of complete blocks of step_size steps.",
        "The number of drops is step // step_size; each drop multiplies the rate by gamma.",
        "return lr * gamma ** (step // step_size)",
    ],
)


# --------------------------------------------------------------------------- 05-cosine
def _cosine(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return float(min_lr)
    return float(min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(math.pi * step / total_steps)))


def _cosine_no_min(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return 0.0
    return float(0.5 * lr * (1.0 + math.cos(math.pi * step / total_steps)))


def _cosine_min_added(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return float(min_lr)
    return float(min_lr + 0.5 * lr * (1.0 + math.cos(math.pi * step / total_steps)))


def _cosine_degrees(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return float(min_lr)
    return float(min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(180.0 * step / total_steps)))


def _cosine_no_clamp(step, lr, total_steps, min_lr=0.0):
    return float(min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(math.pi * step / total_steps)))


def _cosine_off_by_one(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return float(min_lr)
    return _cosine(step + 1, lr, total_steps, min_lr)


def _cosine_no_pi(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return float(min_lr)
    return float(min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(step / total_steps)))


def _cosine_rising(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return float(min_lr)
    return float(min_lr + 0.5 * (lr - min_lr) * (1.0 - math.cos(math.pi * step / total_steps)))


def _cosine_t_minus_one(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return float(min_lr)
    return float(min_lr + 0.5 * (lr - min_lr)
                 * (1.0 + math.cos(math.pi * step / (total_steps - 1))))


def _cosine_cases(rng):
    return [
        Case(1, lr=0.1, total_steps=100, min_lr=0.02),   # at step 0 most slips give lr
        Case(60, lr=0.1, total_steps=100, min_lr=0.01),   # not the midpoint: 1 +- cos agree
        Case(25, lr=1.0, total_steps=100, min_lr=0.1),
        Case(10, lr=0.5, total_steps=40, min_lr=0.05),
        Case(39, lr=0.5, total_steps=40, min_lr=0.05),
        Case(40, lr=0.5, total_steps=40, min_lr=0.05),
        Case(73, lr=0.5, total_steps=40, min_lr=0.05),
        Case(3, lr=0.2, total_steps=7),
    ]


exercise(
    id="05-cosine", lesson="05", title="Cosine annealing schedule",
    forbids=["gdlab.schedules"],
    target="cosine_lr", kind="function", points=2,
    cases=_cosine_cases, reference=_cosine, rtol=1e-9, atol=1e-15, returns="float",
    compare=_plainly("float"),
    mistakes=[
        Mistake("degrees", _cosine_degrees,
                "Your cosine argument is in degrees (180 * step / total_steps). math.cos "
                "and np.cos take RADIANS: use math.pi * step / total_steps."),
        Mistake("min_lr ignored", _cosine_no_min,
                "Your schedule ignores min_lr: it decays to 0. The curve must go from lr "
                "down to min_lr: min_lr + 0.5 * (lr - min_lr) * (1 + cos(pi t / T))."),
        Mistake("min_lr added on top", _cosine_min_added,
                "You add min_lr on top of 0.5 * lr * (1 + cos(...)), so at step 0 the rate "
                "is lr + min_lr. Scale the cosine by (lr - min_lr) instead of lr."),
        Mistake("no clamp after total_steps", _cosine_no_clamp,
                "After total_steps your rate climbs again (the cosine is periodic). For "
                "step >= total_steps return min_lr."),
        Mistake("pi missing", _cosine_no_pi,
                "Your cosine argument is step / total_steps, without pi: the curve then "
                "only covers the first radian of the cosine and never gets near min_lr. "
                "Use math.cos(math.pi * step / total_steps), which goes from cos(0) = 1 to "
                "cos(pi) = -1."),
        Mistake("1 - cos", _cosine_rising,
                "Your schedule RISES from min_lr to lr: you wrote (1 - cos(...)). Annealing "
                "starts at lr, so use (1 + cos(pi * t / T)), which is 2 at t = 0 and 0 at "
                "t = T."),
        Mistake("divides by total_steps - 1", _cosine_t_minus_one,
                "You divide by total_steps - 1, so the curve reaches min_lr one step early. "
                "The formula uses pi * step / total_steps."),
        Mistake("off by one", _cosine_off_by_one,
                "Off by one: your schedule is one step ahead. At step 0 the rate must be "
                "exactly lr (cos(0) = 1); use step, not step + 1."),
    ],
    hints=[
        "The formula for step t < T = total_steps is "
        "min_lr + 0.5 * (lr - min_lr) * (1 + cos(pi * t / T)); check it gives lr at t = 0 "
        "and min_lr at t = T.",
        "Use math.cos and math.pi (radians). After the end, for t >= T, the rate stays at "
        "min_lr.",
        "if step >= total_steps:\n    return min_lr\nreturn min_lr + 0.5 * (lr - min_lr) * "
        "(1 + math.cos(math.pi * step / total_steps))",
    ],
)


# --------------------------------------------------------------------------- 05-warmup
def _warmup(step, schedule, warmup_steps):
    if step >= warmup_steps:
        return float(schedule(step - warmup_steps))
    return float(schedule(0)) * step / warmup_steps


def _warmup_plus_one(step, schedule, warmup_steps):
    if step >= warmup_steps:
        return float(schedule(step - warmup_steps))
    return float(schedule(0)) * (step + 1) / warmup_steps


def _warmup_no_restart(step, schedule, warmup_steps):
    if step >= warmup_steps:
        return float(schedule(step))
    return float(schedule(0)) * step / warmup_steps


def _warmup_moving_target(step, schedule, warmup_steps):
    if step >= warmup_steps:
        return float(schedule(step - warmup_steps))
    return float(schedule(step)) * step / warmup_steps


def _warmup_none(step, schedule, warmup_steps):
    return float(schedule(max(step - warmup_steps, 0)))


def _warmup_short(step, schedule, warmup_steps):
    if step >= warmup_steps:
        return float(schedule(step - warmup_steps))
    return float(schedule(0)) * step / (warmup_steps + 1)


def _warmup_cases(rng):
    cos = Ref("gdlab.schedules.cosine(0.1, total_steps=50)")
    decay = Ref("lambda t: 0.5 * 0.9 ** t")
    falling = Ref("lambda t: 0.3 / (1 + t)")
    # No case at step 0 (every ramp gives 0 there) and no constant schedule (where ramping
    # towards schedule(step) instead of schedule(0) cannot show).
    return [
        Case(1, cos, warmup_steps=10),
        Case(4, cos, warmup_steps=10),
        Case(9, cos, warmup_steps=10),
        Case(10, cos, warmup_steps=10),
        Case(30, cos, warmup_steps=10),
        Case(2, decay, warmup_steps=5),
        Case(5, decay, warmup_steps=5),
        Case(8, decay, warmup_steps=5),
        Case(3, falling, warmup_steps=4),
    ]


exercise(
    id="05-warmup", lesson="05", title="Linear warmup in front of a schedule",
    forbids=["gdlab.schedules.warmup"],
    target="warmup_lr", kind="function", points=2,
    cases=_warmup_cases, reference=_warmup, rtol=1e-9, atol=1e-15, returns="float",
    compare=_plainly("float"),
    mistakes=[
        Mistake("starts at lr", _warmup_none,
                "Your rate starts at the full base rate: there is no ramp. Warmup starts "
                "at 0 at step 0 and grows linearly to schedule(0) at step warmup_steps."),
        Mistake("ramp off by one", _warmup_plus_one,
                "Your ramp is one step ahead: it uses (step + 1) / warmup_steps, so it does "
                "not start at 0. Use step / warmup_steps: 0 at step 0."),
        Mistake("ramp too short", _warmup_short,
                "Your ramp does not reach the base rate: it divides by warmup_steps + 1. "
                "At step warmup_steps the rate must be exactly schedule(0)."),
        Mistake("schedule clock not restarted", _warmup_no_restart,
                "After the warmup you call schedule(step), so the wrapped schedule has "
                "already run warmup_steps steps when it takes over and the rate jumps. "
                "Restart its clock: schedule(step - warmup_steps)."),
        Mistake("ramp towards a moving target", _warmup_moving_target,
                "During warmup you ramp towards schedule(step); the ramp should aim at the "
                "rate the schedule starts with, schedule(0)."),
    ],
    hints=[
        "Two regimes: step < warmup_steps (the ramp) and step >= warmup_steps (the wrapped "
        "schedule, whose own clock starts at 0 when the warmup ends).",
        "Ramp: schedule(0) * step / warmup_steps (0 at step 0, schedule(0) at the end). "
        "After: schedule(step - warmup_steps).",
        "if step >= warmup_steps:\n    return schedule(step - warmup_steps)\n"
        "return schedule(0) * step / warmup_steps",
    ],
)


# --------------------------------------------------------------------------- 05-predict-half-rate
# The lesson's bowl, written out: gdlab.objectives.ill_conditioned(10.0, angle=0.5) is
# 0.5 x^T A x with A = R diag(1, 10) R^T, R the rotation by 0.5 radians.
_C, _S = math.cos(0.5), math.sin(0.5)
_ROT = np.array([[_C, -_S], [_S, _C]])
_BOWL_A = _ROT @ np.diag([1.0, 10.0]) @ _ROT.T
_BOWL_X0 = np.array([2.0, 1.5])
_BOWL_TOL = 1e-8
_HALF_RATE = 1.0 / 11.0        # half of the best constant rate 2/(L + mu) = 2/11
_PREDICTION_RTOL = 0.10        # a prediction, not a measurement: within 10% counts


def _steps_to_tol(lr):
    """Updates plain gradient descent needs from the lesson's start until ||grad|| <= tol."""
    x, steps = _BOWL_X0.copy(), 0
    while np.linalg.norm(_BOWL_A @ x) > _BOWL_TOL:
        x = x - lr * (_BOWL_A @ x)
        steps += 1
    return steps


def _steps_predicted_from(rho):
    """What ln(tol / ||g0||) / ln(rho) predicts when one factor rho sets the pace."""
    g0 = float(np.linalg.norm(_BOWL_A @ _BOWL_X0))
    return math.log(_BOWL_TOL / g0) / math.log(rho)


def _compare_prediction(got, expected, case):
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        return (f"`steps_at_half_rate` must be one number (a count of steps), got "
                f"{type(got).__name__} {got!r}.")
    got = float(got)
    if not math.isfinite(got):
        return (f"`steps_at_half_rate` is {got}: the run at lr = 1/11 converges (1/11 is far "
                "below the stability limit 2/L = 0.2), so it needs a finite number of steps.")
    if abs(got - expected) <= _PREDICTION_RTOL * expected:
        return None
    way = ("low: a smaller rate takes smaller steps along the slow direction, so it needs "
           "MORE of them than the best rate" if got < expected else
           "high: halving the rate does not cost more than about twice the steps here")
    return (f"Your prediction {got:g} is more than 10% off the count gradient descent "
            f"needs; it is too {way}. Compare the per-step factor "
            "rho = max(|1 - lr mu|, |1 - lr L|) at lr = 2/11 and at lr = 1/11.")


exercise(
    id="05-predict-half-rate", lesson="05",
    title="Predict the steps at half the best rate",
    target="steps_at_half_rate", kind="value", points=1, returns="float",
    reference=lambda: _steps_to_tol(_HALF_RATE), compare=_compare_prediction,
    mistakes=[
        Mistake("same count as at the best rate", lambda: _steps_to_tol(2.0 / 11.0),
                "You predicted about as many steps as at the best rate 2/(L + mu). But the "
                "slow, flat direction (mu = 1) sets the pace at both rates, and halving the "
                "rate halves the progress along it: its factor goes from 1 - 2/11 = 9/11 to "
                "1 - 1/11 = 10/11 per step."),
        Mistake("half the count", lambda: 0.5 * _steps_to_tol(2.0 / 11.0),
                "You predicted FEWER steps than at the best rate. A smaller rate takes smaller "
                "steps, so it needs more of them: about twice as many when the flat direction "
                "sets the pace."),
        Mistake("steep direction only",
                lambda: _steps_predicted_from(abs(1.0 - _HALF_RATE * 10.0)),
                "You used the factor of the steep direction, |1 - lr L| = 1/11, which is tiny "
                "at this rate. Every direction has to converge: the slowest one, "
                "|1 - lr mu| = 10/11, decides how many steps it takes."),
        Mistake("four times the count", lambda: 4.0 * _steps_to_tol(2.0 / 11.0),
                "You predicted about four times the steps of the best rate. For small rates "
                "the count grows like 1/lr (the flat direction's factor is 1 - lr mu), not "
                "like 1/lr^2: half the rate, about twice the steps."),
    ],
    hints=[
        "Which direction is slowest? Compute rho(lr) = max(|1 - lr mu|, |1 - lr L|) at "
        "lr = 2/11 and at lr = 1/11 (mu = 1, L = 10).",
        "Each step multiplies the gradient's norm by at most rho, and by about rho once the "
        "slowest direction dominates, so the step count is about "
        "ln(tol / ||g0||) / ln(rho): the ratio of the two counts is "
        "ln(rho(2/11)) / ln(rho(1/11)). The sweep printed the count near 2/11 (`fewest`).",
        "steps_at_half_rate = fewest * math.log(9 / 11) / math.log(10 / 11)   # about 2.1 "
        "times",
    ],
)
