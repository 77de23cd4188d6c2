"""Lesson 11 (capstone) exercises: the R^2 score, how many epochs fit in a budget, a
paired comparison of two configurations over several splits with the overlap-corrected
standard error (the tool for every decision in the capstone), the configuration itself
(trained and scored by :mod:`gdlab.capstone`, the pipeline the notebook also uses), and
the record of the decisions behind it (judged by :mod:`gdlab.checks.lesson11_decisions`).
The written report (11-report) is a markdown answer cell marked by a person.
"""
import math

import numpy as np

from gdlab.capstone import (BAND, BUDGET, SPLIT_SEEDS, TOLERANCE, evaluate_config,
                            least_squares_reference, load_split, r2, verdict)
from gdlab.checks.core import Case, Mistake, exercise

# --------------------------------------------------------------------------- 11-r2
def _r2_cases(rng):
    y1 = np.array([3.0, -1.0, 2.0, 7.0, 0.5])
    y2 = rng.normal(size=20) * 5 + 100
    pred2 = y2 + rng.normal(size=20) * 2 + 1.5          # biased: correlation^2 differs from R^2
    y3 = np.linspace(0, 10, 12)
    return [
        Case(y1, np.array([2.5, 0.0, 2.0, 8.0, 0.0])),
        Case(y2, pred2),
        Case(y3, np.full(12, 7.0)),                       # a constant guess away from the mean: R^2 < 0
        Case(y3, 0.5 * y3 + 3.0),
    ]


def _ss(y, p):
    y, p = np.asarray(y, float), np.asarray(p, float)
    return np.sum((y - p) ** 2), np.sum((y - y.mean()) ** 2)


def _r2(y, p):
    """Written out, not gdlab.capstone.r2: the exercise forbids calling that one."""
    ss_res, ss_tot = _ss(y, p)
    return float(1.0 - ss_res / ss_tot)


exercise(
    id="11-r2", lesson="11", title="The R^2 score",
    forbids=["gdlab.capstone", "gdlab.models"],
    target="r2_score", kind="function", points=1,
    cases=_r2_cases, reference=_r2, rtol=1e-8, atol=1e-10, returns="float",
    mistakes=[
        Mistake("forgot 1 -", lambda y, p: float(_ss(y, p)[0] / _ss(y, p)[1]),
                "You returned SS_res / SS_tot, the fraction NOT explained. R^2 = 1 - SS_res / SS_tot."),
        Mistake("ratio upside down", lambda y, p: float(1 - _ss(y, p)[1] / _ss(y, p)[0]),
                "Your ratio is upside down: R^2 = 1 - SS_res / SS_tot, with the residuals "
                "sum((y_true - y_pred)^2) on top."),
        Mistake("SS_tot around the prediction mean",
                lambda y, p: float(1 - _ss(y, p)[0] / np.sum((np.asarray(p, float) - np.mean(p)) ** 2)),
                "SS_tot measures the spread of the TRUE values around their mean: "
                "sum((y_true - y_true.mean())^2), not the spread of the predictions."),
        Mistake("SS_tot around the mean of the predictions",
                lambda y, p: float(1 - _ss(y, p)[0] / np.sum((np.asarray(y, float) - np.mean(p)) ** 2)),
                "Your SS_tot subtracts the mean of y_pred. The reference predictor is the mean "
                "of the TRUE values: ss_tot = sum((y_true - y_true.mean())^2)."),
        Mistake("squared correlation",
                lambda y, p: float(np.corrcoef(np.asarray(y, float), np.asarray(p, float))[0, 1] ** 2),
                "That is the squared correlation. It ignores bias and scale errors (predicting "
                "y + 10 gives correlation 1); R^2 = 1 - SS_res / SS_tot does not."),
        Mistake("mean squared error", lambda y, p: float(_ss(y, p)[0] / len(y)),
                "You returned the mean squared error. R^2 compares it with the error of "
                "predicting the mean: 1 - SS_res / SS_tot."),
    ],
    hints=[
        "R^2 compares your squared errors with those of the simplest predictor, the mean "
        "of y_true.",
        "ss_res = np.sum((y_true - y_pred) ** 2); ss_tot = np.sum((y_true - y_true.mean()) ** 2).",
        "return float(1 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2))",
    ],
)


# --------------------------------------------------------------------------- 11-epochs
def _max_epochs(m, batch_size, budget):
    B = m if batch_size is None else batch_size
    return budget // -(-m // B)


exercise(
    id="11-epochs", lesson="11", title="How many epochs fit in the budget",
    forbids=["gdlab.capstone"],
    target="max_epochs", kind="function", points=1,
    # Apart from batch_size None (one update per epoch), no m divides by its batch size
    # and no budget divides by the updates per epoch, so every slip shows; in two cases
    # forgetting the last batch adds more than the one epoch that rounding up adds.
    cases=[Case(332, None, 25), Case(332, 60, 100), Case(300, 64, 22), Case(100, 30, 50),
           Case(332, 5, 1000), Case(332, 100, 3)],
    reference=_max_epochs, rtol=0.0, atol=0.0, returns="any",
    mistakes=[
        Mistake("last partial batch forgotten",
                lambda m, B, budget: budget // (m // (B or m)),
                "You count m // batch_size updates per epoch, forgetting the last, smaller "
                "batch: an epoch has ceil(m / batch_size) updates."),
        Mistake("fractional epochs",
                lambda m, B, budget: budget / math.ceil(m / (B or m)),
                "Return a whole number of epochs: round DOWN (//), or the run goes over budget."),
        Mistake("rounded up",
                lambda m, B, budget: -(-budget // math.ceil(m / (B or m))),
                "You rounded up, so the last epoch would go over the budget: round down."),
        Mistake("updates per epoch",
                lambda m, B, budget: math.ceil(m / (B or m)),
                "That is the number of updates per epoch; the question is how many whole "
                "epochs fit into `budget` updates."),
    ],
    hints=[
        "One epoch takes ceil(m / batch_size) updates (the last batch may be smaller); "
        "batch_size None means one update per epoch.",
        "updates_per_epoch = math.ceil(m / B) with B = m for None; the answer is "
        "budget // updates_per_epoch.",
        "B = m if batch_size is None else batch_size\nreturn budget // math.ceil(m / B)",
    ],
)


# --------------------------------------------------------------------------- 11-paired
def _split_sizes(seed):
    X_train, X_val, _, _ = load_split(seed)
    return len(X_train), len(X_val)


def _paired(config_a, config_b, seeds, *, sign=1.0, ddof=1, per_mean=True, paired=True,
            corrected=True, ratio_inverted=False):
    a = np.array([evaluate_config(config_a, s).score for s in seeds])
    b = np.array([evaluate_config(config_b, s).score for s in seeds])
    n = len(seeds)
    d = sign * (a - b)
    if paired:
        spread = d.std(ddof=ddof)
    else:   # as if the two lists of scores came from unrelated splits
        spread = math.sqrt(a.var(ddof=ddof) + b.var(ddof=ddof))
    if not per_mean:
        return float(d.mean()), float(spread)
    n_train, n_test = _split_sizes(seeds[0])
    ratio = n_train / n_test if ratio_inverted else n_test / n_train
    # Nadeau & Bengio (2003): re-splits of the same rows overlap, so the differences are
    # correlated and sd/sqrt(n) is too small; 1/n + n_test/n_train corrects the variance.
    factor = math.sqrt(1.0 / n + ratio) if corrected else 1.0 / math.sqrt(n)
    return float(d.mean()), float(spread * factor)


_LINEAR = {"model": "linear", "standardize": True, "optimizer": "sgd", "epochs": 25}


def _paired_cases(rng):
    # Pairs whose score differences are far from 0 and vary from split to split, so that
    # a swapped sign, a missing sqrt(n), ddof=0 and the unpaired formula all give other
    # numbers. Each case trains 2 x len(seeds) runs of at most 25 updates. No Adam here:
    # its steps amplify rounding noise (lesson 11 shows it), and the learner's runs happen
    # in another process than the reference's.
    return [
        Case(dict(_LINEAR, lr=0.12), dict(_LINEAR, lr=0.03), (3, 4, 5, 6)),
        Case(dict(_LINEAR, lr=0.05), dict(_LINEAR, lr=0.08, batch_size=64, epochs=4),
             (11, 12, 13, 14, 15)),
        Case(dict(_LINEAR, lr=0.05, momentum=0.5), dict(_LINEAR, lr=0.05), (21, 22, 23)),
    ]


def _paired_hidden(rng):
    seeds = tuple(int(s) for s in rng.choice(np.arange(1000, 100_000), 4, replace=False))
    lr = float(rng.uniform(0.03, 0.06))
    return [Case(dict(_LINEAR, lr=0.12), dict(_LINEAR, lr=lr), seeds)]


exercise(
    id="11-paired", lesson="11", title="Is one configuration better, or was the split lucky?",
    target="paired_difference", kind="function", points=2,
    cases=_paired_cases, hidden=_paired_hidden, reference=_paired, rtol=1e-6, atol=1e-9,
    returns="tuple",
    mistakes=[
        Mistake("naive standard error", lambda a, b, s: _paired(a, b, s, corrected=False),
                "You returned sd(d) / sqrt(n), the standard error for INDEPENDENT samples. "
                "Random re-splits of the same patients overlap (a patient is a training row in "
                "most of them), so the differences are correlated and sd(d) / sqrt(n) is too "
                "small. Use the corrected standard error of Nadeau & Bengio (2003): "
                "sd(d) * sqrt(1/n + n_test/n_train)."),
        Mistake("n_train / n_test", lambda a, b, s: _paired(a, b, s, ratio_inverted=True),
                "Your correction has the ratio upside down: sqrt(1/n + n_test/n_train), with "
                "the validation rows of one split (n_test) on top."),
        Mistake("b minus a", lambda a, b, s: _paired(a, b, s, sign=-1.0),
                "Your mean difference has the wrong sign: return the mean of score(a) - "
                "score(b), positive when config_a does better."),
        Mistake("standard deviation, not standard error",
                lambda a, b, s: _paired(a, b, s, per_mean=False),
                "You returned the standard deviation of the differences. The uncertainty of "
                "their MEAN is smaller: multiply by sqrt(1/n + n_test/n_train)."),
        Mistake("population standard deviation", lambda a, b, s: _paired(a, b, s, ddof=0),
                "You used np.std's default ddof=0. With a handful of splits that underestimates "
                "the spread: use the sample std, d.std(ddof=1)."),
        Mistake("unpaired standard error", lambda a, b, s: _paired(a, b, s, paired=False),
                "Your standard error treats the two lists of scores as unrelated: "
                "sqrt(var_a + var_b) / sqrt(n). Both configurations ran on the SAME splits, and "
                "a hard split lowers both scores; the differences d = score_a - score_b cancel "
                "that shared part. Use the std of d."),
    ],
    hints=[
        "Train both configurations on each split (capstone.evaluate_config(config, seed) "
        "does it and has .score), and look at the per-split differences d = score_a - score_b.",
        "The answer is (d.mean(), d.std(ddof=1) * sqrt(1/n + n_test/n_train)) with n = "
        "len(seeds), and n_train, n_test the training and validation rows of one split "
        "(len(X_train), len(X_val) from capstone.load_split). The splits overlap, so the "
        "plain sd / sqrt(n) would be too small.",
        "a = np.array([capstone.evaluate_config(config_a, s).score for s in seeds])\n"
        "b = np.array([capstone.evaluate_config(config_b, s).score for s in seeds])\n"
        "X_train, X_val, _, _ = capstone.load_split(seeds[0])\n"
        "d, n = a - b, len(seeds)\n"
        "return float(d.mean()), float(d.std(ddof=1) * np.sqrt(1 / n + len(X_val) / len(X_train)))",
    ],
)


# --------------------------------------------------------------------------- 11-config
REFERENCE_CONFIG = {"model": "linear", "standardize": True, "optimizer": "sgd", "lr": 0.1,
                    "momentum": 0.0, "schedule": "constant", "batch_size": None, "epochs": 25}


def _compare_config(got, expected, case):
    seed = case.meta["split_seed"]
    if not isinstance(got, dict):
        kind = getattr(got, "type_name", type(got).__name__)
        return (f"choose_config() must return a dict such as {{'model': 'linear', "
                f"'standardize': True, ...}}; it returned a {kind}.")
    try:
        run = evaluate_config(got, seed)
    except (TypeError, ValueError) as err:
        return f"Your configuration cannot be used: {err}"
    if run.diverged:
        return (f"On split {seed}, training with your configuration diverged "
                f"({run.history.stop_reason}): lower lr, or standardize.")
    loss = np.asarray(run.history.epoch_loss, dtype=float)
    if loss.size > 1 and loss[-1] > loss[0]:
        # Issue 19: a blow-up that stayed finite printed "R^2 = -20374286.423" and nothing else
        return (f"On split {seed}, training with your configuration diverged: the training "
                f"loss grew from {loss[0]:.4g} to {loss[-1]:.4g} over the run (validation "
                f"R^2 {run.score:.4g}). The rate is above the stability limit for these "
                f"features (lesson 05: 2/L for gradient descent): try a smaller lr (say a "
                f"third of it), standardize the features, or clip.")
    if run.grad_evals > BUDGET:   # planned_updates already refuses this; a second guard
        return f"Training used {run.grad_evals} gradient evaluations; the budget is {BUDGET}."
    best = least_squares_reference(*load_split(seed))
    if verdict(run.score, best) == "below":
        return (f"On split {seed}, your configuration reaches validation R^2 = "
                f"{run.score:.3f} with {run.grad_evals} gradient evaluations; exact least "
                f"squares reaches {best:.3f} on that split, and the target is within "
                f"{TOLERANCE} of it (scores up to {BAND} below the target count as borderline "
                f"passes). Compare settings over several of your own splits first.")
    return None


def _config_hidden(rng):
    # Splits drawn at grading time from the grader's seed: no file the learner has names
    # them, so only a configuration that works on splits in general passes them.
    seeds = rng.choice(np.arange(1000, 100_000), 3, replace=False)
    return [Case(meta={"split_seed": int(s)}) for s in seeds]


exercise(
    id="11-config", lesson="11", title="A configuration that reaches the target within budget",
    target="choose_config", kind="function", points=4,
    cases=[Case(meta={"split_seed": s}) for s in SPLIT_SEEDS], hidden=_config_hidden,
    reference=lambda: dict(REFERENCE_CONFIG), compare=_compare_config, returns="any",
    hints=[
        "Decide one setting at a time, starting from a configuration that trains stably, "
        "and keep a change only when it wins a paired comparison (paired_difference) by "
        "more than two standard errors over several of your own splits.",
        "Take the questions in the order of section 4 (scaling, learning rate, optimizer, "
        "schedule, batch size, model). Give every candidate its own best rate from a grid "
        "whose best value is inside it (gdlab.best_on_grid warns when it is on the edge), "
        "and count what each batch size costs in updates (11-epochs).",
        "The method in full: for each question, (1) two candidates that differ only in it, "
        "each at its own best rate from a grid that brackets it (gdlab.best_on_grid); (2) paired_difference(a, b, seeds) over 5 to 12 of your "
        "splits (not capstone.SPLIT_SEEDS); (3) the rule: beyond two standard errors the "
        "better one, otherwise the simpler one in section 4's order; (4) carry the choice "
        "into the next question. A run whose loss grows has a rate above the stability "
        "limit (lesson 05: 2/L). Last, confirm on splits you did not tune on: "
        "capstone.verdict(run.score, capstone.least_squares_reference(*split)).",
    ],
)


# --------------------------------------------------------------------------- 11-decisions
from gdlab.checks import lesson11_decisions as _dec   # noqa: E402  (the judge, below the rest)

_SEEDS = list(range(20, 28))
_GD = {"model": "linear", "standardize": True, "optimizer": "sgd", "epochs": 25, "lr": 0.1}


def _paired_decision(question, a, b, choice=None):
    mean, se = _dec.rerun_paired(a, b, _SEEDS)
    verdict = _dec.call(mean, se)
    if choice is None:
        choice = verdict if verdict != "tie" else min(
            "ab", key=lambda x: _dec.simplicity(question, {"a": a, "b": b}[x]))
    return {"question": question, "a": a, "b": b, "seeds": list(_SEEDS), "mean": mean,
            "se": se, "choice": choice}


def _lr_decision(grid):
    config = {k: v for k, v in _GD.items() if k != "lr"}
    scores = _dec.rerun_grid(config, grid, _SEEDS)
    best = _dec.best_on_grid(grid, [s if math.isfinite(s) else float("nan") for s in scores],
                             goal="max", warn=False)
    return {"question": "learning rate", "config": config, "grid": list(grid),
            "seeds": list(_SEEDS), "scores": scores, "choice": best.value}


def _reference_record():
    """A record like the solution notebook's, over splits 20-27: one decision per question (a
    subset of the notebook's, with the course's candidate as a), leading to REFERENCE_CONFIG."""
    decisions = [
        _paired_decision("scaling", _GD, {**_GD, "standardize": False, "lr": 1e-5}),
        _lr_decision([0.03, 0.06, 0.1, 0.15, 0.2]),
        _paired_decision("optimizer", _GD, {**_GD, "momentum": 0.9, "lr": 0.05}),
        _paired_decision("schedule", _GD, {**_GD, "schedule": "cosine", "lr": 0.2}),
        _paired_decision("batch size", _GD, {**_GD, "batch_size": 32, "epochs": 2}),
        _paired_decision("model", _GD, {**_GD, "model": "ridge", "alpha": 0.1}),
    ]
    return {"decisions": decisions, "final": dict(REFERENCE_CONFIG)}


def _with(change):
    """A mistake: the reference record with one slip."""
    def make():
        record = _reference_record()
        change(record)
        return record
    return make


def _against_evidence(record):
    d = record["decisions"][0]                      # scaling: standardizing wins clearly
    d["choice"] = "b"
    record["final"]["standardize"] = False


def _tie_to_complex(record):
    d = record["decisions"][5]                      # model: ridge ties with linear
    d["choice"] = "b"
    record["final"]["model"] = "ridge"
    record["final"]["alpha"] = 0.1


def _edge(record):
    record["decisions"][1] = _lr_decision([0.01, 0.02, 0.03])
    record["final"]["lr"] = record["decisions"][1]["choice"]   # only the grid is wrong


def _not_reproduced(record):
    record["decisions"][4]["se"] = record["decisions"][4]["se"] / 2.5   # typed by eye


def _not_covered(record):
    del record["decisions"][3]                      # no schedule decision


def _decisions_compare(got, expected, case):
    criterion = case.meta["criterion"]
    mine = _dec.assess(got)[criterion]
    model = _dec.assess(expected)[criterion]
    if model is None:                                # judged against the reference
        return None if mine is None else mine[1]
    # judged against a mistake: it matches when the learner's record has the same fault
    return None if mine is not None and mine[0] == model[0] else "a different problem"


exercise(
    id="11-decisions", lesson="11", title="The record of your decisions, re-run and checked",
    target="decision_record", kind="function", points=5,
    cases=[Case(meta={"criterion": c}) for c in _dec.CRITERIA], hidden=None,
    reference=_reference_record, compare=_decisions_compare, returns="any",
    mistakes=[
        Mistake("choice against the evidence", _with(_against_evidence),
                "A choice goes against the evidence: one candidate wins by more than two "
                "(corrected) standard errors, and the record chose the other."),
        Mistake("tie broken toward the complex candidate", _with(_tie_to_complex),
                "A tie (a difference within two standard errors) was broken toward the more "
                "complex candidate. The decision rule gives a tie to the simpler one, in the "
                "order section 4 states."),
        Mistake("rate on the grid's edge", _with(_edge),
                "The best learning rate of your grid is on its edge, so the grid does not "
                "bracket the optimum. Widen it (gdlab.best_on_grid warns) until the best rate "
                "is inside."),
        Mistake("numbers do not reproduce", _with(_not_reproduced),
                "A recorded mean or standard error does not come out again when the grader "
                "re-runs the comparison from its configurations and seeds. Record the numbers "
                "your paired_difference returns, not typed ones."),
        Mistake("question not covered", _with(_not_covered),
                "A required question has no decision in your record: scaling, learning rate, "
                "optimizer, schedule, batch size and model each need one."),
    ],
    hints=[
        "Make one entry per decision as you go: build it from the numbers paired_difference "
        "returns (and, for the learning rate, from your grid's mean scores), never typed in.",
        "Apply the rule of section 4 to your own numbers: a difference beyond two standard "
        "errors picks the better candidate; otherwise the simpler one wins, in the stated "
        "order. Then build 'final' from the choices, and check that every learning-rate grid "
        "has its best rate inside (gdlab.best_on_grid).",
        "Method: for each question in turn, (1) name two candidates that differ only in that "
        "question (each at its own best rate), (2) d = paired_difference(a, b, seeds) over 5 "
        "to 12 of your own splits, (3) record {'question', 'a', 'b', 'seeds', 'mean', 'se', "
        "'choice'}, (4) carry the choice into the next comparison.",
    ],
)
