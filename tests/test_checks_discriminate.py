"""Every exercise's cases separate the right answer from each wrong one it knows about.

For every declared Mistake of every lesson, an answer that makes exactly that mistake
fails EVERY case (0 points: a partly right score would mean some cases cannot tell the
mistake from the right answer) and the learner reads that mistake's own message, not a
generic "expected/got" or another mistake's explanation. The few mistakes that one case
cannot catch by the nature of the exercise are listed in ALLOWED_PASSES with the reason and
the exact cases. The common generic slips (wrong sign, a stray factor 2 or 1/2, a sum where
a mean belongs and back) must fail every case whose right answer is not 0.

The answers are computed with the same kernel-side path the notebook's check() uses
(probe -> JSON -> evaluate), so what is asserted here is what a learner sees.
"""
import numpy as np
import pytest

from gdlab.checks import decode_probe, evaluate, exercises, probe
from gdlab.checks.registry import available_lessons
from test_lesson_checks_09 import _early_stop_against_previous   # the slip, written once


def _all_exercises():
    return [ex for lesson in available_lessons() for ex in exercises(lesson)]


def _mistakes():
    return [pytest.param(ex, m, id=f"{ex.id}:{m.name}")
            for ex in _all_exercises() for m in ex.mistakes]


def judged(ex, func):
    """The verdict on the answer `func` gives (for a value exercise, the value it returns)."""
    answer = func() if ex.kind == "value" else func
    return evaluate(ex, decode_probe(probe(ex, {ex.target: answer})))


def test_there_are_mistakes_to_check():
    assert len(_mistakes()) > 100


# Where one case cannot catch a mistake, by the nature of the exercise, the cases it may
# pass are listed with the reason; every other case must fail. An exercise that asks for a
# value at ONE step of a schedule cannot be tested at every step at once, and a slip at the
# boundary of a regime (the last step of a ramp, a norm below the clipping limit) only shows
# on the cases at that boundary, while other slips only show away from it.
_SCHEDULE_STEP = ("each case is one step of the schedule: a drop counted one step early "
                  "shows only just before a drop, one counted late only at a drop, and a "
                  "wrong power of gamma only after the first drop")
_COSINE_END = ("each case is one step: cases 5 and 6 are at and after total_steps, where the "
               "rate "
               "is clamped to min_lr (only the clamp is tested there and every formula slip "
               "is invisible); before it, the clamp does not matter")
_DEFAULT_MIN = "case 7 uses the default min_lr = 0"
_WARMUP_STEP = ("each case is one step, either on the ramp (where ramp slips show and the "
                "schedule after it is not used) or after it (the other way round)")
_CAPPED = "case 7 hits max_iter: every count that is too large is cut to the same 50"
_CLIP_REGIMES = ("cases 1 and 4 have a global norm below max_norm, where nothing may be "
                 "rescaled: slips in HOW to rescale cannot show there, and the slip of "
                 "always rescaling shows only there")
_NO_BATCHES = "case 0 has batch_size None: one update per epoch, so nothing is left over"
_DELTA0_WORKS = ("case 0 has H + delta0 I positive definite already: delta0 is the answer, "
                 "so a slip in how delta is raised cannot show there")
_ONE_CRITERION = "each case judges one criterion of the record; the others are met"
ALLOWED_PASSES = {
    ("03-gd-limit", "start ignored"): ({4}, "case 4 has full column rank: the null space is "
                                       "{0} and every start ends at X^+ y (it is there to "
                                       "catch answers that keep a start nothing of which "
                                       "survives)"),
    ("02-wrong-coords", "absolute error"): ({0, 1, 3, 4}, "at unit scale the numerical "
                                            "error (~1e-10) and the bugs (~1) fall on the "
                                            "same sides of tol, absolute or relative; cases "
                                            "2 and 5 (sizes 1e6 and 1e-6) separate them"),
    ("03-mse-grad", "divides by d"): ({0}, "case 0 is the one square X (m = d), needed so "
                                          "that X @ r instead of X.T @ r runs and is named"),
    ("05-step-decay", "one-based step"): ({2, 3, 4, 7}, _SCHEDULE_STEP),
    ("05-step-decay", "drops one step late"): ({0, 1, 3, 4, 6}, _SCHEDULE_STEP),
    ("05-step-decay", "true division"): ({2, 5, 7}, _SCHEDULE_STEP + " (at a drop, "
                                                    "step / step_size is a whole number)"),
    ("05-step-decay", "gamma times the number of drops"): ({2}, _SCHEDULE_STEP),
    ("05-step-decay", "linear instead of power"): ({1, 2}, "before the second drop "
                                                   "lr * gamma * k equals lr * gamma**k"),
    ("05-cosine", "degrees"): ({5, 6}, _COSINE_END),
    ("05-cosine", "min_lr ignored"): ({7}, _DEFAULT_MIN),
    ("05-cosine", "min_lr added on top"): ({5, 6, 7}, _COSINE_END + "; " + _DEFAULT_MIN),
    ("05-cosine", "no clamp after total_steps"): ({0, 1, 2, 3, 4, 5, 7}, _COSINE_END +
                                                  "; case 6 is the one past total_steps "
                                                  "(5 is exactly total_steps, where the "
                                                  "formula gives min_lr too)"),
    ("05-cosine", "pi missing"): ({5, 6}, _COSINE_END),
    ("05-cosine", "1 - cos"): ({5, 6}, _COSINE_END),
    ("05-cosine", "divides by total_steps - 1"): ({5, 6}, _COSINE_END),
    ("05-cosine", "off by one"): ({5, 6}, _COSINE_END),
    ("05-warmup", "starts at lr"): ({3, 4, 6, 7}, _WARMUP_STEP),
    ("05-warmup", "ramp off by one"): ({3, 4, 6, 7}, _WARMUP_STEP),
    ("05-warmup", "ramp too short"): ({3, 4, 6, 7}, _WARMUP_STEP),
    ("05-warmup", "schedule clock not restarted"): ({0, 1, 2, 5, 8}, _WARMUP_STEP),
    ("05-warmup", "ramp towards a moving target"): ({3, 4, 6, 7}, _WARMUP_STEP),
    ("06-iterations-kappa", "lr = 1/L"): ({7, 8}, _CAPPED + "; case 8 starts inside tol "
                                                  "(0 updates whatever the rate)"),
    ("06-iterations-kappa", "one too many"): ({7}, _CAPPED),
    ("06-iterations-kappa", "one too few"): ({7}, _CAPPED),
    ("06-iterations-kappa", "loss instead of distance"): ({7}, _CAPPED),
    ("06-iterations-kappa", "gradient norm instead of distance"): ({7}, _CAPPED),
    ("06-iterations-kappa", "largest coordinate instead of norm"): (
        {1, 7, 8}, _CAPPED + "; at kappa = 2 both coordinates reach tol together; case 8 "
                             "starts inside tol"),
    ("06-iterations-kappa", "max_iter ignored"): ({0, 1, 2, 3, 4, 5, 6, 8},
                                                  "only case 7 reaches max_iter"),
    ("06-clip-global", "per-array clipping"): ({1, 4}, _CLIP_REGIMES),
    ("06-clip-global", "always rescaled"): ({0, 2, 3, 5, 6}, _CLIP_REGIMES),
    ("06-clip-global", "clipped values"): ({1, 4}, _CLIP_REGIMES),
    ("06-clip-global", "factor upside down"): ({1, 4}, _CLIP_REGIMES),
    ("10-damped-direction", "fixed delta"): ({0}, _DELTA0_WORKS),
    ("10-damped-direction", "eigenvalue shift"): ({0}, _DELTA0_WORKS),
    ("10-damped-direction", "returns the first delta"): ({0}, _DELTA0_WORKS),
    ("10-damped-direction", "tries delta = 0 first"): (
        {1, 2, 3, 4, 5, 6}, "only case 0 has H positive definite; elsewhere delta = 0 fails "
        "and the slip rejoins the rule (it earns nothing there: wrong_rule)"),
    ("10-damped-direction", "doubles before the first try"): (
        {1, 2, 3, 4, 5, 6}, "only in case 0 does delta0 itself work; elsewhere 2 delta0 is "
        "tried anyway (it earns nothing there: wrong_rule)"),
    ("10-damped-direction", "adds delta0 instead of doubling"): (
        {0, 1}, _DELTA0_WORKS + "; from 30, 30 + 30 = 2 x 30 (the lesson's Himmelblau start)"),
    ("11-epochs", "last partial batch forgotten"): ({0}, _NO_BATCHES),
    ("11-epochs", "fractional epochs"): ({0}, _NO_BATCHES + " (any budget divides by 1)"),
    ("11-epochs", "rounded up"): ({0}, _NO_BATCHES + " (any budget divides by 1)"),
    # 11-decisions has one case per criterion of the record (covered, reproduce, rule,
    # bracket, final), so that each slip costs its own point and no more
    ("11-decisions", "choice against the evidence"): ({0, 1, 3, 4}, _ONE_CRITERION),
    ("11-decisions", "tie broken toward the complex candidate"): ({0, 1, 3, 4}, _ONE_CRITERION),
    ("11-decisions", "rate on the grid's edge"): ({0, 1, 2, 4}, _ONE_CRITERION),
    ("11-decisions", "numbers do not reproduce"): ({0, 2, 3, 4}, _ONE_CRITERION),
    ("11-decisions", "question not covered"): ({1, 2, 3, 4}, _ONE_CRITERION),
}


def test_allowed_passes_name_real_mistakes():
    known = {(ex.id, m.name) for ex in _all_exercises() for m in ex.mistakes}
    assert set(ALLOWED_PASSES) <= known, set(ALLOWED_PASSES) - known


@pytest.mark.parametrize("ex, mistake", _mistakes())
def test_each_declared_mistake_fails_every_case_with_its_own_message(ex, mistake):
    result = judged(ex, mistake.func)
    assert result.status == "failed", f"{mistake.name!r} passes"
    passing = {i for i, m in enumerate(result.case_messages) if m is None}
    allowed, _why = ALLOWED_PASSES.get((ex.id, mistake.name), (set(), ""))
    assert passing <= allowed, (
        f"{mistake.name!r} still earns {result.points} of {result.max_points} points: "
        f"cases {sorted(passing - allowed)} cannot tell it from the right answer")
    assert passing == allowed, f"ALLOWED_PASSES is out of date: now only {sorted(passing)}"
    assert mistake.message in result.message, result.message


def _scaled(value, factor):
    """The reference result with every number multiplied by ``factor``."""
    if isinstance(value, tuple):
        return tuple(_scaled(v, factor) for v in value)
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, float, np.generic)):
        return type(value)(value * factor) if not isinstance(value, int) else value * factor
    return np.asarray(value, dtype=float) * factor


# Generic slips as a factor per case: -1, 2 and 1/2 always; m and 1/m (a sum where a mean
# belongs and back) where the case says how many samples m it has.
_SLIPS = {"sign": lambda case: -1.0, "twice": lambda case: 2.0, "half": lambda case: 0.5,
          "sum not mean": lambda case: case.meta.get("m"),
          "mean not sum": lambda case: 1.0 / case.meta["m"] if "m" in case.meta else None}


def _is_zero(value):
    try:
        return bool(np.all(np.asarray(value, dtype=float) == 0))
    except (TypeError, ValueError):
        return False   # a tuple of arrays of different shapes is never all zero here


@pytest.mark.parametrize("ex, slip", [
    pytest.param(ex, slip, id=f"{ex.id}:{name}")
    for ex in _all_exercises() for name, slip in _SLIPS.items()])
def test_generic_slips_fail_every_case_whose_answer_is_not_zero(ex, slip):
    """The right answer times -1, 2, 1/2 (and m, 1/m where m is known) fails every case; a
    case whose right answer is 0 (or text) cannot show a scaling slip and is not counted."""
    from gdlab.checks import Outcome
    cases = ex.make_cases()
    expected = [ex.call_with(ex.reference, c) for c in cases]
    factors = [slip(c) for c in cases]
    values, exempt = [], set()
    for i, (e, f) in enumerate(zip(expected, factors)):
        if isinstance(e, str):   # a text answer (07-why-adamw's letter): nothing to scale
            values.append(e)
            exempt.add(i)
            continue
        try:
            values.append(_scaled(e, 1.0 if f is None else f))
        except (TypeError, ValueError):   # not numbers (11-config's dict): nothing to scale
            values.append(e)
            exempt.add(i)
        if f is None or _is_zero(e):
            exempt.add(i)
    result = evaluate(ex, [Outcome("returned", value=v) for v in values])
    passing = {i for i, m in enumerate(result.case_messages) if m is None}
    assert passing <= exempt, f"cases {sorted(passing - exempt)} pass a scaled answer"


# ------------------------------------------ common slips named by issue 11, as learners write
def _epoch_without_2(theta, X, y, lr, batch_size, rng):
    theta = np.array(theta, dtype=float)
    idx = rng.permutation(len(y))
    for s in range(0, len(y), batch_size):
        rows = idx[s:s + batch_size]
        Xb, yb = X[rows], y[rows]
        theta = theta - lr / len(yb) * Xb.T @ (Xb @ theta - yb)   # the 2 is missing
    return theta


def _variance_mean_over_coordinates(theta, X, y, batch_size, n_draws, rng):
    m = len(y)
    g_full = 2 / m * X.T @ (X @ theta - y)
    out = []
    for _ in range(n_draws):
        rows = rng.choice(m, size=batch_size, replace=False)
        g = 2 / batch_size * X[rows].T @ (X[rows] @ theta - y[rows])
        out.append(np.mean((g - g_full) ** 2))                     # mean, not sum
    return float(np.mean(out))


def _adam_with_abs(x, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * np.abs(g)                         # |g|, not g**2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@pytest.mark.parametrize("exercise_id, target, wrong, phrase", [
    ("04-sgd-epoch", "sgd_epoch", _epoch_without_2, "factor 2"),
    ("04-grad-variance", "minibatch_grad_variance", _variance_mean_over_coordinates,
     "SUM over the coordinates"),
    ("07-adam-step", "adam_step", _adam_with_abs, "|g|"),
    ("01-derivative", "dfdx", lambda x: x ** 3 - 2 * x + 1, "coefficient of x"),
])
def test_common_slip_is_named_and_earns_nothing(exercise_id, target, wrong, phrase):
    from gdlab.checks import get_exercise
    result = judged(get_exercise(exercise_id), wrong)
    assert result.points == 0, result.message
    assert phrase in result.message, result.message


# ------------------------- the three messages issue 11 found could never be shown, as learners
@pytest.mark.parametrize("exercise_id, wrong, phrase", [
    ("05-stability-limit",
     lambda A: (float(np.max(np.diag(A))), 2 / float(np.max(np.diag(A)))),
     "largest diagonal entry"),
    ("05-step-decay",
     lambda step, lr, step_size, gamma: lr * gamma * (step // step_size)
     if step >= step_size else lr,
     "not lr * gamma * k"),
    ("09-early-stopping", _early_stop_against_previous, "PREVIOUS epoch"),
])
def test_messages_that_were_never_shown_are_shown(exercise_id, wrong, phrase):
    from gdlab.checks import get_exercise
    result = judged(get_exercise(exercise_id), wrong)
    assert result.status == "failed"
    assert phrase in result.message, result.message
