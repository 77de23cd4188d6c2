"""Lesson 09 exercises: reading four runs' curves, early stopping, predicting where
stopping rules fire, a learning-rate grid search.

The two letter exercises are judged on the printouts of the lesson: 09-read-curves on
section 1's table of four mystery runs (A: momentum 0.95 at 1/L, B: lr 0.01, C: lr 300/L,
D: lr 1/L), 09-stop-rule on section 3's trace of gradient descent on Rosenbrock. Each wrong
letter is answered with the printed evidence that refutes it.

Early stopping follows the convention the lesson states: an epoch *improves* when its
validation loss is strictly below the best so far; training stops at the first epoch that
is ``patience`` epochs after the best one; if that never happens it runs to the last epoch.

The grid search runs plain gradient descent for each learning rate; diverged runs end
with inf or nan, and the comparison accepts either (the exact non-finite value depends on
how the arithmetic is written), but a non-finite run must never be chosen as the best.
"""
import numpy as np

from gdlab.checks.core import Case, Mistake, Ref, choice_exercise, exercise
from gdlab.checks.compare import as_float_array, fmt_value


def _f(a):
    return np.array(a, dtype=float)


# --------------------------------------------------------------------------- 09-read-curves
# The learner reads the curves of four runs whose settings are hidden and names the one
# that will never reach w*. The distractor A rises in many steps too, but its rises die away.
choice_exercise(
    id="09-read-curves", lesson="09", title="Read four runs: which one never arrives?",
    target="never_converges", points=2, right="C",
    wrong={
        "A": "A is wrong. A's loss does go up in many steps (129 of 400), but read the "
             "envelope, not the single steps: its gap falls from about 2e-3 at step 100 to "
             "about 4e-10 at step 400, and its gradient norm falls with it. Those rises are "
             "a ringing that dies away; A converges, faster than any other run.",
        "B": "B is wrong. B is the slowest run, but its loss never went up (0 rises) and its "
             "gap keeps shrinking, from 0.15 at step 100 to 0.05 at step 400, with its "
             "gradient norm falling too. Too small a rate delays convergence; it does not "
             "prevent it.",
        "D": "D is wrong. D's three curves fall steadily without a single rise, and its gap "
             "is below 1e-4 after 400 steps and still falling.",
    },
    what="the run that will never reach w*",
    hints=[
        "For each run, compare its loss gap at step 100 with its gap at step 400 in the "
        "printout. Which run made no progress at all in between?",
        "A loss that goes up in some steps is not enough to condemn a run: a run that is "
        "still converging can overshoot and ring. A run that never arrives has a gap and a "
        "gradient norm whose envelope stops falling.",
        "Run C's gap is 21 at step 100 and still 21 at step 400, its loss rises in every "
        "second step to the end, and its gradient norm stays at 1.4: it bounces in a cycle. "
        "return \"C\"",
    ],
    reveal="Run C is the run at lr = 300/L: its gap stays at 21, its loss rises in every "
           "second step, and its gradient norm stays at 1.4. It does not diverge either: the "
           "cell below shows why its iterates stay bounded.",
)


# --------------------------------------------------------------------------- 09-early-stopping
def _early(val_losses, patience, *, rule="best", offset=0, ties=False, report="best",
           lookahead=False):
    """Reference early stopping with switches for the common mistakes.

    rule: "best" (epochs since the best, correct), "total" (non-improving epochs counted
    without reset), "previous" (improvement measured against the previous epoch).
    offset: added to patience in the stop test (+1 / -1 are the off-by-one slips).
    ties: a loss equal to the best counts as an improvement.
    report: "best" or "stop" (returns the stop epoch as the best one).
    lookahead: the best epoch is taken over the whole list, not up to the stop.
    """
    vals = [float(v) for v in val_losses]
    best, best_epoch, bad, stop = np.inf, 0, 0, len(vals) - 1
    prev = np.inf
    for e, v in enumerate(vals):
        if rule == "previous":
            improved = v < prev
        else:
            improved = v <= best if ties else v < best
        if improved and (v < best or ties):
            best, best_epoch = v, e
        if rule == "previous":
            bad = 0 if improved else bad + 1
        elif rule == "total":
            bad += 0 if improved else 1
        else:
            bad = e - best_epoch
        prev = v
        if bad >= patience + offset:
            stop = e
            break
    if lookahead:
        best_epoch = int(np.argmin(vals))
    if report == "stop":
        best_epoch = stop
    return best_epoch, stop


def _early_ref(val_losses, patience):
    return _early(val_losses, patience)


def _early_cases(rng):
    # Each series has every trap at once, so each mistake fails every case and no two
    # mistakes give the same answer: a bad epoch BEFORE the best one (a counter that is
    # never reset stops too early), a partial recovery and a tie within `patience` epochs
    # after the best (comparing with the previous epoch, or counting ties, delays the
    # stop), the stop well before the last epoch, and a better loss AFTER the stop.
    # (patience = 2 cannot have all of them: two bad epochs already end the run.)
    return [
        Case(np.array([2.0, 2.2, 2.3, 1.5, 1.7, 1.6, 1.5, 1.8, 1.9, 2.0, 2.1, 1.2, 1.3]), 3),
        Case(np.array([1.0, 1.1, 1.2, 0.8, 0.9, 0.85, 0.8, 0.95, 0.99, 1.0, 1.05, 1.1, 0.5]),
             4),
        Case(np.array([0.9, 1.0, 1.1, 1.2, 0.7, 0.8, 0.75, 0.7, 0.72, 0.74, 0.76, 0.78, 0.8,
                       0.82, 0.84, 0.86, 0.3]), 5),
        Case(np.array([4.0, 4.2, 4.4, 3.0, 3.5, 3.2, 3.0, 3.6, 3.7, 3.8, 3.9, 4.0, 2.0]), 3),
        Case(np.array([3.0, 3.2, 3.3, 2.0, 2.5, 2.6, 2.0, 2.2, 2.1, 2.3, 2.4, 2.5, 2.6, 2.7,
                       2.8, 1.0]), 4),
        Case(np.array([6.0, 5.0, 5.5, 5.8, 4.0, 4.4, 4.2, 4.0, 4.9, 5.0, 5.1, 5.2, 5.3, 3.5]),
             3),
    ]


def _em(name, message, **kw):
    return Mistake(name, lambda v, p: _early(v, p, **kw), message)


exercise(
    id="09-early-stopping", lesson="09", title="Early stopping with patience",
    forbids=["gdlab.train", "gdlab.epochs"],
    target="early_stopping", kind="function", points=2,
    cases=_early_cases, reference=_early_ref, rtol=0, atol=0, returns="tuple",
    mistakes=[
        _em("never stops", "Your code never stops early: stop_epoch is the last epoch even "
            "though the validation loss went `patience` epochs in a row without improving. "
            "Stop at the first epoch e with e - best_epoch == patience.", offset=10**9),
        _em("returns last", "Your best epoch is the epoch where training stopped. Return "
            "the epoch with the LOWEST validation loss seen up to the stop: that is the model "
            "you keep (restore its parameters).", report="stop"),
        _em("off by one late", "You stop one epoch too late: stop at the first epoch e with "
            "e - best_epoch == patience (patience epochs without improvement AFTER the best "
            "one), not when the count exceeds patience.", offset=1),
        _em("off by one early", "You stop one epoch too early: with patience p, the p epochs "
            "after the best one are all allowed to run; stop at e = best_epoch + p.",
            offset=-1),
        _em("total count", "Your counter of bad epochs is never reset: count the epochs since "
            "the LAST improvement (e - best_epoch), not all non-improving epochs so far.",
            rule="total"),
        _em("against previous", "You compare each loss with the PREVIOUS epoch's. An epoch "
            "improves only when it beats the best loss so far: a small recovery after a bad "
            "epoch is not an improvement.", rule="previous"),
        _em("ties", "A loss EQUAL to the best counts as an improvement in your code. Use a "
            "strict <: only a lower loss moves the best epoch.", ties=True),
        _em("lookahead", "Your best epoch comes from the whole list, including epochs after "
            "the stop. Training never sees those: take the best among epochs 0..stop only.",
            lookahead=True),
    ],
    hints=[
        "Walk through the epochs once, keeping the best loss so far and its epoch. At each "
        "epoch e, the number of epochs without improvement is e - best_epoch.",
        "if val < best: best, best_epoch = val, e. Then if e - best_epoch >= patience: stop "
        "at e. If the loop finishes, the stop epoch is len(val_losses) - 1.",
        "best, best_epoch = np.inf, 0\nfor e, val in enumerate(val_losses):\n"
        "    if val < best:\n        best, best_epoch = val, e\n"
        "    if e - best_epoch >= patience:\n        return best_epoch, e\n"
        "return best_epoch, len(val_losses) - 1",
    ],
)


# --------------------------------------------------------------------------- 09-stop-rule
# Before the table of section 3 runs, the learner predicts from a printed trace which rule
# stops farthest from Rosenbrock's minimum, and why. The point: the relative change measures
# the RATE of progress (0.14 % to 0.72 % per step along the valley, median 0.15 %),
# not the distance.
choice_exercise(
    id="09-stop-rule", lesson="09", title="Which stopping rule fires farthest from the minimum?",
    target="farthest_stop", points=2, right="C",
    wrong={
        "A": "A is wrong. A small gradient far away would fool the gradient-norm rule, but "
             "here the gradient is 1.9 at steps 20 and 100 and still 0.37 at step 1000 (the "
             "trace), and falls to 1e-3 only near the end of the run, at about 0.003 "
             "from (1, 1). Of the three tolerances, the gradient rule waits longest.",
        "B": "B is wrong. In the valley f falls by about 6e-3 per step (the trace at steps "
             "20 and 100), thousands of times more than 1e-6. The change drops below 1e-6 "
             "only when f itself is below about 1e-3, a few hundredths from (1, 1).",
        "D": "D is wrong. The budget ends the run last of all: the trace shows the distance "
             "to (1, 1) at step 8000 already below 0.01. Whatever stops before the budget "
             "stops farther away, so the budget cannot be the farthest.",
    },
    what="the rule that stops farthest from the minimum, for the reason the trace shows",
    hints=[
        "For each rule, find in the trace the first printed step where it would hold, and "
        "read the distance to (1, 1) there. For the relative rule, divide the decrease by f.",
        "At step 20, f = 3.9 and it falls by about 0.006 in one step: what fraction of f is "
        "that, compared with the relative tolerance 3e-3 = 0.3 %?",
        "0.006 / 3.9 is about 0.15 %, below 0.3 %: the relative rule fires within the first "
        "20 steps, about 2 units from (1, 1). return \"C\"",
    ],
    reveal="Why C: at step 20 f = 3.9 falls by 0.0061 in one step, 0.16 % of f, below the "
           "0.3 % tolerance, so the relative rule fires about 2 units from (1, 1). The "
           "fraction of f removed per step stays between 0.14 % and 0.72 % all along the "
           "valley while f falls by seven orders of magnitude: it measures the rate of "
           "progress, not the distance still to go.",
)


# --------------------------------------------------------------------------- 09-lr-grid
def _final_losses(objective, x0, lrs, steps):
    out = []
    with np.errstate(all="ignore"):
        for lr in lrs:
            x = _f(x0)
            for _ in range(int(steps)):
                x = x - lr * objective.grad(x)
            out.append(float(objective.f(x)))
    return np.array(out)


def _grid_ref(objective, x0, lrs, steps):
    losses = _final_losses(objective, x0, lrs, steps)
    ok = np.isfinite(losses)
    best = int(np.flatnonzero(ok)[np.argmin(losses[ok])])
    return float(lrs[best]), losses


def _grid_cases(rng):
    return [
        Case(Ref("gdlab.objectives.ill_conditioned(10)"), np.array([1.0, 1.0]),
             np.array([0.001, 0.01, 0.05, 0.1, 0.15, 0.25, 0.5]), 30),
        Case(Ref("gdlab.objectives.quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), "
                 "np.array([1.0, -1.0]))"), np.array([2.0, -1.0]),
             np.array([1.0, 0.3, 0.1, 0.03, 0.01]), 20),
        Case(Ref("gdlab.objectives.ill_conditioned(100)"), np.array([-2.0, 1.0]),
             np.array([0.05, 0.0199, 0.01, 0.005, 0.001]), 200),
        Case(Ref("gdlab.objectives.rosenbrock()"), np.array([-1.2, 1.0]),
             np.array([1e-4, 3e-4, 1e-3, 2e-3, 1e-2]), 500),
    ]


def _is_bad(v):
    return (not np.isfinite(v)) or abs(v) >= 1e12


def _compare_grid(got, expected, case):
    lrs = np.asarray(case.args[2], dtype=float)
    steps = case.args[3]
    exp_lr, exp_losses = expected
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return (f"lr_grid_search must return a pair (best_lr, losses); got "
                f"{fmt_value(got)}.")
    g_lr, why = as_float_array(got[0])
    if g_lr is None or g_lr.size != 1:
        return f"best_lr should be one number (a learning rate from lrs); got {fmt_value(got[0])}."
    g_lr = float(g_lr.reshape(()))
    g_losses, why = as_float_array(got[1])
    if g_losses is None:
        return f"losses should be an array of numbers, one per learning rate; it is {why}."
    if g_losses.shape != lrs.shape:
        return (f"losses has shape {g_losses.shape}; expected {lrs.shape}, one final loss per "
                "learning rate, in the order of lrs.")
    # 1. the losses themselves
    for i, (g, e) in enumerate(zip(g_losses, exp_losses)):
        if not np.isfinite(e):
            if not _is_bad(g):
                return (f"lr = {lrs[i]:g} diverges (its loss is inf/nan), but your loss for it "
                        f"is {g:.6g}. Record f(x) after the last step as it is, even when it "
                        "is not finite.")
            continue
        if not abs(g - e) <= 1e-9 + 1e-6 * abs(e):
            obj = case.resolved()[0][0]
            x0 = case.args[1]
            for k, what in [(steps - 1, "one step too few"), (steps + 1, "one step too many")]:
                other = _final_losses(obj, x0, lrs[i:i + 1], k)[0]
                if np.isfinite(other) and abs(g - other) <= 1e-9 + 1e-6 * abs(other):
                    return (f"For lr = {lrs[i]:g} your loss matches {what}: run exactly "
                            f"`steps` = {steps} gradient steps from x0 for every learning rate.")
            return (f"For lr = {lrs[i]:g} your final loss is {g:.6g}, expected {e:.6g}. Start "
                    "every run from a fresh copy of x0 and take `steps` steps "
                    "x = x - lr * objective.grad(x); the loss is objective.f(x) at the end.")
    # 2. the choice
    if abs(g_lr - exp_lr) <= 1e-12 * max(1.0, abs(exp_lr)):
        return None
    if g_lr in set(range(len(lrs))) and not np.any(np.isclose(lrs, g_lr)):
        return (f"best_lr is {g_lr:g}, which looks like an index into lrs. Return the learning "
                f"rate itself, lrs[best_index] = {exp_lr:g}.")
    chosen = np.flatnonzero(np.isclose(lrs, g_lr, rtol=1e-12, atol=0))
    if chosen.size:
        i = chosen[0]
        if not np.isfinite(exp_losses[i]):
            return (f"You chose lr = {g_lr:g}, whose run DIVERGED (loss {exp_losses[i]}). "
                    "np.argmin returns the position of the first nan if there is one, and "
                    "Python's min answers differently depending on where the nan stands: "
                    "keep only the finite losses "
                    "(np.isfinite) before taking the minimum, so a diverged run never wins.")
        finite = np.isfinite(exp_losses)
        if exp_losses[i] == np.max(exp_losses[finite]):
            return (f"You chose lr = {g_lr:g}, the run with the LARGEST final loss. The best "
                    "learning rate has the smallest finite loss (np.argmin, not np.argmax).")
    return (f"best_lr is {g_lr:g}, but the smallest finite loss belongs to lr = {exp_lr:g}.")


exercise(
    id="09-lr-grid", lesson="09", title="Learning-rate grid search (diverged runs never win)",
    forbids=["gdlab.grids"],
    target="lr_grid_search", kind="function", points=3,
    cases=_grid_cases, reference=_grid_ref, returns=("float", "array"), compare=_compare_grid,
    mistakes=[],
    hints=[
        "For each lr: copy x0, run `steps` gradient-descent steps, record objective.f(x). "
        "Then pick the learning rate with the smallest recorded loss, ignoring runs whose "
        "loss is inf or nan.",
        "Collect the losses in an array. finite = np.isfinite(losses); among the indices "
        "where finite is True, take the one with the smallest loss. (np.argmin on an array "
        "with a nan returns the nan's position.)",
        "losses = []\nfor lr in lrs:\n    x = np.array(x0, dtype=float)\n"
        "    for _ in range(steps):\n        x = x - lr * objective.grad(x)\n"
        "    losses.append(float(objective.f(x)))\nlosses = np.array(losses)\n"
        "safe = np.where(np.isfinite(losses), losses, np.inf)\n"
        "return float(lrs[np.argmin(safe)]), losses",
    ],
)
