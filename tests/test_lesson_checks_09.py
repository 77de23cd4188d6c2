"""Lesson 09's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake. Below the table: the
task texts' worked examples, recomputed by hand.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson09.py.
"""
import numpy as np

import gdlab
from lesson_verdict import table_tests


# ------------------------------------------------------------------ right answers
def early_stopping_by_index(val_losses, patience):
    best = 0
    for epoch in range(len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        if epoch - best == patience:
            return best, epoch
    return best, len(val_losses) - 1


def early_stopping(val_losses, patience):
    best_epoch = 0
    for e in range(1, len(val_losses)):
        if val_losses[e] < min(val_losses[:e]):
            best_epoch = e
        if e - best_epoch == patience:
            return best_epoch, e
    return best_epoch, len(val_losses) - 1


def lr_grid_search_argmin(objective, x0, lrs, steps):
    losses = []
    with np.errstate(all="ignore"):
        for lr in lrs:
            x = np.array(x0, dtype=float)
            for _ in range(steps):
                x = x - lr * objective.grad(x)
            losses.append(float(objective.f(x)))
    losses = np.array(losses)
    finite = np.where(np.isfinite(losses), losses, np.inf)
    return float(lrs[int(np.argmin(finite))]), losses


def lr_grid_search(objective, x0, lrs, steps):
    finals = np.empty(len(lrs))
    with np.errstate(all="ignore"):
        for i, lr in enumerate(lrs):
            x = np.asarray(x0, dtype=float).copy()
            for _ in range(steps):
                x = x - lr * objective.grad(x)
            finals[i] = objective.f(x)
    return float(lrs[np.nanargmin(np.where(np.isfinite(finals), finals, np.nan))]), finals


def never_converges_from_the_printout():
    # the run whose gap did not move between step 100 and step 400
    gaps = {"A": (1.8e-3, 3.9e-10), "B": (1.5e-1, 5.0e-2), "C": (2.1e1, 2.1e1),
            "D": (3.3e-3, 8.7e-5)}
    return min(gaps, key=lambda run: gaps[run][0] / gaps[run][1])


def farthest_stop_from_the_trace():
    # step 20 of the trace: f = 3.9 falls by 0.0061, a relative change below 3e-3
    return "c" if 0.0061 / 3.9 <= 3e-3 else "b"


RIGHT = [
    ("09-read-curves", "the letter", {"never_converges": lambda: "C"}),
    ("09-read-curves", "lower case with a space", {"never_converges": lambda: " c"}),
    ("09-read-curves", "ratio of gaps", {"never_converges": never_converges_from_the_printout}),
    ("09-stop-rule", "the letter", {"farthest_stop": lambda: "C"}),
    ("09-stop-rule", "from the trace", {"farthest_stop": farthest_stop_from_the_trace}),
    ("09-early-stopping", "index of the best", {"early_stopping": early_stopping_by_index}),
    ("09-early-stopping", "min of the past", {"early_stopping": early_stopping}),
    ("09-lr-grid", "argmin over finite", {"lr_grid_search": lr_grid_search_argmin}),
    ("09-lr-grid", "nanargmin", {"lr_grid_search": lr_grid_search}),
]


# ------------------------------------------------------------------ wrong answers
def _grid_lets_nan_win(objective, x0, lrs, steps):
    # np.argmin returns the first NaN it meets: a diverged run wins the search
    _, losses = lr_grid_search_argmin(objective, x0, lrs, steps)
    return float(lrs[int(np.argmin(losses))]), losses


def _grid_nan_wins(objective, x0, lrs, steps):
    _, losses = lr_grid_search(objective, x0, lrs, steps)
    return float(lrs[np.argmin(losses)]), losses


def _grid_returns_index(objective, x0, lrs, steps):
    best, losses = lr_grid_search(objective, x0, lrs, steps)
    return int(np.flatnonzero(lrs == best)[0]), losses


def _early_stop_late(val_losses, patience):
    best, stop = early_stopping(val_losses, patience)
    return best, min(stop + 1, len(val_losses) - 1)


def _early_stop_against_previous(val_losses, patience):
    best, best_epoch, bad, prev = np.inf, 0, 0, np.inf
    for e, v in enumerate(val_losses):
        bad = 0 if v < prev else bad + 1          # compared with the previous epoch
        if v < best:
            best, best_epoch = v, e
        prev = v
        if bad >= patience:
            return best_epoch, e
    return best_epoch, len(val_losses) - 1


WRONG = [
    ("09-read-curves", {"never_converges": lambda: "A"}, "ringing that dies away"),
    ("09-read-curves", {"never_converges": lambda: "b"}, "delays convergence"),
    ("09-read-curves", {"never_converges": lambda: "D"}, "without a single rise"),
    ("09-read-curves", {"never_converges": lambda: "AC"}, "one of the letters"),
    ("09-stop-rule", {"farthest_stop": lambda: "A"}, "still 0.37 at step 1000"),
    ("09-stop-rule", {"farthest_stop": lambda: "b"}, "6e-3 per step"),
    ("09-stop-rule", {"farthest_stop": lambda: "D"}, "ends the run last"),
    ("09-stop-rule", {"farthest_stop": lambda: 3}, "one of the letters"),
    ("09-early-stopping", {"early_stopping": lambda v, p: (int(np.argmin(v)), len(v) - 1)},
     "never stops early"),
    ("09-early-stopping", {"early_stopping": _early_stop_late}, "too late"),
    ("09-early-stopping", {"early_stopping": _early_stop_against_previous}, "PREVIOUS epoch"),
    ("09-lr-grid", {"lr_grid_search": _grid_lets_nan_win}, "nan"),
    ("09-lr-grid", {"lr_grid_search": _grid_nan_wins}, "nan"),
    ("09-lr-grid", {"lr_grid_search": _grid_returns_index}, "index"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


def test_task_examples_hold_for_the_right_answers():
    assert early_stopping(np.array([5.0, 4.0, 3.0, 2.5, 3.5, 3.2, 2.9, 3.0]), 2) == (3, 5)
    best, losses = lr_grid_search(gdlab.objectives.ill_conditioned(10), np.array([1.0, 1.0]),
                                  np.array([0.001, 0.01, 0.1, 0.5]), 30)
    assert best == 0.1 and (not np.isfinite(losses[-1]) or losses[-1] > 1e30)


def _stop_rule_cells():
    import json
    from pathlib import Path
    lesson = json.loads((Path(__file__).resolve().parents[1] / "lessons" /
                         "09_diagnostics.ipynb").read_text())
    return ["".join(c["source"]) for c in lesson["cells"]]


def test_stop_rule_options_neither_restate_the_trace_nor_compute_their_answer():
    """Issue 19: 09-stop-rule's option C contained its own computation ('a roughly constant
    small fraction of f, below 0.3 %, while f is still about 4'). No option quotes a number
    of the trace or the tolerance it would be compared with."""
    task = next(c for c in _stop_rule_cells() if "`09-stop-rule`" in c and "**C.**" in c)
    options = task[task.index("* **A.**"):task.index("Write `farthest_stop()`")]
    for number in ["0.3 %", "0.15", "about 4", "3.9", "0.0061", "hundreds", "1e-6", "10^{-6}"]:
        assert number not in options, number


def test_read_curves_and_stop_rule_answers_are_revealed_by_the_check():
    """Issue 19: the lesson text after 09-read-curves names the runs by their settings, not
    by letter, and both choice exercises print why the right letter is right on a pass."""
    import contextlib
    import io
    from gdlab.checks import check
    text = "\n".join(_stop_rule_cells())
    for claim in ["Too large (C)", "run (C)", "Good run (D)", "(A)**"]:
        assert claim not in text, claim
    for exercise_id, target in [("09-read-curves", "never_converges"),
                                ("09-stop-rule", "farthest_stop")]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            check(exercise_id, namespace={target: lambda: "C"})
        lines = out.getvalue().strip().splitlines()
        assert lines[0].startswith(f"✔ {exercise_id}") and len(lines) >= 2
