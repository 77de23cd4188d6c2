"""Lesson 11's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake. Below the table: the
capstone's configuration is scored per grader split, with gradient evaluations counted by
the grader.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson11.py.
"""
import math

import numpy as np
import pytest

from lesson_verdict import table_tests, verdict


# ------------------------------------------------------------------ right answers
def r2_score(y_true, y_pred):
    resid = sum((a - b) ** 2 for a, b in zip(y_true, y_pred))
    total = sum((a - np.mean(y_true)) ** 2 for a in y_true)
    return float(1 - resid / total)


def max_epochs(m, batch_size, budget):
    per_epoch = 1 if batch_size is None else -(-m // batch_size)
    epochs = 0
    while (epochs + 1) * per_epoch <= budget:
        epochs += 1
    return epochs


def _scores(config, seeds):
    from gdlab import capstone
    return [capstone.evaluate_config(config, s).score for s in seeds]


def _rows(seed):
    """(n_train, n_test) of one split, as the task text says to read them."""
    from gdlab import capstone
    X_train, X_val, _, _ = capstone.load_split(seed)
    return X_train.shape[0], X_val.shape[0]


def paired_in_plain_python(config_a, config_b, seeds):
    import statistics
    d = [a - b for a, b in zip(_scores(config_a, seeds), _scores(config_b, seeds))]
    n_train, n_test = _rows(seeds[0])
    return statistics.mean(d), statistics.stdev(d) * math.sqrt(1 / len(d) + n_test / n_train)


def paired_as_a_list(config_a, config_b, seeds):
    d = np.subtract(_scores(config_a, seeds), _scores(config_b, seeds))
    n_train, n_test = _rows(seeds[-1])
    variance = np.var(d, ddof=1) * (1 / len(d) + n_test / n_train)
    return [d.mean(), variance ** 0.5]


def choose_config():
    return {"model": "linear", "standardize": True, "optimizer": "sgd", "lr": 0.1,
            "epochs": 25}


RIGHT = [
    ("11-r2", "loops", {"r2_score": r2_score}),
    ("11-r2", "numpy", {"r2_score": lambda y, p: float(
        1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))}),
    ("11-epochs", "counting loop", {"max_epochs": max_epochs}),
    ("11-epochs", "floor of a ceil", {"max_epochs": lambda m, B, budget:
                                      budget // (1 if B is None else math.ceil(m / B))}),
    ("11-paired", "statistics module", {"paired_difference": paired_in_plain_python}),
    ("11-paired", "numpy, as a list", {"paired_difference": paired_as_a_list}),
    ("11-config", "a dict literal", {"choose_config": choose_config}),
    ("11-config", "dict() with the optional batch_size", {"choose_config": lambda: dict(
        model="linear", standardize=True, optimizer="sgd", lr=0.1, epochs=25,
        batch_size=None)}),
]


# ------------------------------------------------------------------ wrong answers
def _config(**changes):
    config = {**choose_config(), **changes}
    return lambda: config


def _unpaired(config_a, config_b, seeds):
    a, b = np.array(_scores(config_a, seeds)), np.array(_scores(config_b, seeds))
    n_train, n_test = _rows(seeds[0])
    return float((a - b).mean()), float(np.sqrt(a.var(ddof=1) + b.var(ddof=1))
                                        * np.sqrt(1 / len(a) + n_test / n_train))


def _no_sqrt_n(config_a, config_b, seeds):
    d = np.array(_scores(config_a, seeds)) - np.array(_scores(config_b, seeds))
    return float(d.mean()), float(d.std(ddof=1))


def _naive_se(config_a, config_b, seeds):
    # Issue 18: "sd(d)/sqrt(n) ... ignores overlapping splits"
    d = np.array(_scores(config_a, seeds)) - np.array(_scores(config_b, seeds))
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


def _ratio_upside_down(config_a, config_b, seeds):
    d = np.array(_scores(config_a, seeds)) - np.array(_scores(config_b, seeds))
    n_train, n_test = _rows(seeds[0])
    return float(d.mean()), float(d.std(ddof=1) * np.sqrt(1 / len(d) + n_train / n_test))


WRONG = [
    ("11-paired", {"paired_difference": _unpaired}, "Both configurations ran on the SAME splits"),
    ("11-paired", {"paired_difference": _no_sqrt_n}, "multiply by sqrt(1/n + n_test/n_train)"),
    ("11-paired", {"paired_difference": _naive_se}, "Nadeau & Bengio (2003)"),
    ("11-paired", {"paired_difference": _ratio_upside_down}, "ratio upside down"),
    ("11-paired", {"paired_difference": lambda a, b, s: paired_in_plain_python(b, a, s)},
     "wrong sign"),
    ("11-r2", {"r2_score": lambda y, p: float(np.sum((y - p) ** 2)
                                              / np.sum((y - y.mean()) ** 2))}, "NOT explained"),
    ("11-r2", {"r2_score": lambda y, p: float(np.corrcoef(y, p)[0, 1] ** 2)},
     "squared correlation"),
    ("11-r2", {"r2_score": lambda y, p: float(1 - np.sum((y - p) ** 2)
                                              / np.sum((p - p.mean()) ** 2))},
     "spread of the TRUE values"),
    ("11-epochs", {"max_epochs": lambda m, B, budget: budget // (m // (B or m))},
     "ceil(m / batch_size)"),
    ("11-epochs", {"max_epochs": lambda m, B, budget: math.ceil(
        budget / math.ceil(m / (B or m)))}, "rounded up"),
    ("11-config", {"choose_config": _config(standardize=False, lr=1e-5)},
     "exact least squares reaches"),
    ("11-config", {"choose_config": _config(epochs=50)}, "over the budget of 25"),
    ("11-config", {"choose_config": lambda: {"model": "linear", "standardize": True,
                                             "optimizer": "sgd", "learning_rate": 0.1,
                                             "epochs": 25}},
     "unknown key(s) ['learning_rate']"),
    ("11-config", {"choose_config": _config(lr=5.0)}, "diverged"),
    # Issue 19: a diverged run printed "R^2 = -20374286.423" without saying it diverged
    ("11-config", {"choose_config": _config(lr=0.3)}, "diverged"),
    ("11-config", {"choose_config": _config(model="svm")}, "Invalid model: 'svm'"),
    ("11-config", {"choose_config": lambda: [("model", "linear")]}, "must return a dict"),
]




def test_config_partial_credit_counts_splits():
    """A configuration that reaches the target on some grader splits only gets partial
    points: the points are per split."""
    from gdlab.checks import evaluate, probe, decode_probe
    from gdlab import capstone

    # Gradient descent at a rate too small for 25 steps: close enough to the least-squares
    # reference on one published split, short of it on the others
    config = {"model": "linear", "standardize": True, "optimizer": "sgd", "lr": 0.05,
              "epochs": 25}
    verdicts = [capstone.verdict(capstone.evaluate_config(config, s).score,
                                 capstone.ceiling(*capstone.load_split(s)))
                for s in capstone.SPLIT_SEEDS]
    expected_passes = sum(v != "below" for v in verdicts)
    assert 0 < expected_passes < 3, verdicts
    namespace = {"choose_config": lambda: dict(config)}
    result = evaluate("11-config", decode_probe(probe("11-config", namespace)))
    assert result.passed_cases == expected_passes
    assert result.points == round(4 * expected_passes / 3, 2)


def test_grader_counts_gradient_evaluations_itself():
    from gdlab import capstone as capstone_module
    run = capstone_module.evaluate_config({"model": "linear", "standardize": True, "optimizer": "sgd",
                                    "lr": 0.1, "batch_size": 80, "epochs": 6}, 1)
    # ceil(266 / 80) = 4 updates per epoch on the 266 training rows, 6 epochs
    assert run.grad_evals == 24
    with pytest.raises(ValueError, match="plans 28 gradient evaluations"):
        capstone_module.evaluate_config({"model": "linear", "standardize": True, "optimizer": "sgd",
                                  "lr": 0.1, "batch_size": 80, "epochs": 7}, 1)


def test_hints_do_not_land_on_the_answer():
    """Issue 19: 'Section 4's suggested grid and hint 2 lead straight to the winning
    configuration'; and hint 3 of 11-config was weaker than hint 2. No hint names the
    rate the course's decisions lead to, and the last hint holds the whole method."""
    from gdlab.checks import get_exercise
    from gdlab.checks.lesson11 import REFERENCE_CONFIG
    rate = repr(REFERENCE_CONFIG["lr"])
    for ex_id in ("11-config", "11-decisions"):
        hints = get_exercise(ex_id).hints
        assert not any(rate in h for h in hints), hints
    last, second = get_exercise("11-config").hints[-1], get_exercise("11-config").hints[1]
    for step in ("best_on_grid", "paired_difference", "two standard errors", "simpler"):
        assert step in last, step
    assert len(last) > len(second)


# ------------------------------------------------------------------ 11-decisions
# Records written from the task text: each decision built from paired_difference (the
# right answer above) and, for the rate, from the mean R^2 of each grid value.
_GD = {"model": "linear", "standardize": True, "optimizer": "sgd", "epochs": 25, "lr": 0.1}
_SEEDS = [30, 31, 32, 33, 34, 35]


def _pair(question, a, b, choice, seeds=_SEEDS):
    mean, se = paired_in_plain_python(a, b, seeds)
    return {"question": question, "a": a, "b": b, "seeds": seeds, "mean": mean, "se": se,
            "choice": choice}


def _rate(grid, seeds=_SEEDS):
    config = {k: v for k, v in _GD.items() if k != "lr"}
    scores = [float(np.mean(_scores({**config, "lr": lr}, seeds))) for lr in grid]
    return {"question": "learning rate", "config": config, "grid": grid, "seeds": seeds,
            "scores": scores, "choice": grid[int(np.argmax(scores))]}


def _record(**changes):
    decisions = {
        "scaling": _pair("scaling", _GD, {**_GD, "standardize": False, "lr": 1e-5}, "a"),
        "learning rate": _rate([0.03, 0.06, 0.1, 0.15, 0.2]),
        "optimizer": _pair("optimizer", {**_GD, "optimizer": "adagrad", "lr": 1.0}, _GD, "b"),
        "schedule": _pair("schedule", {**_GD, "schedule": "cosine", "lr": 0.2}, _GD, "b"),
        "batch size": _pair("batch size", {**_GD, "batch_size": 128, "epochs": 8}, _GD, "b"),
        "model": _pair("model", {**_GD, "model": "ridge", "alpha": 0.1}, _GD, "b"),
    }
    decisions.update(changes)
    record = {"decisions": [d for d in decisions.values() if d is not None], "final": dict(_GD)}
    return lambda: record


RIGHT += [
    ("11-decisions", "one decision per question", {"decision_record": _record()}),
    ("11-decisions", "extra decisions, tuples and a range of seeds", {"decision_record": _record(
        extra=_pair("model", {**_GD, "model": "lasso", "alpha": 1.0}, _GD, "b",
                    seeds=tuple(range(40, 47))))}),
]
WRONG += [
    # the tie (cosine vs constant) broken toward cosine, and the final follows it
    ("11-decisions", {"decision_record": _record(
        schedule=_pair("schedule", {**_GD, "schedule": "cosine", "lr": 0.2}, _GD, "a"))},
     "broken toward the more complex candidate"),
    ("11-decisions", {"decision_record": _record(
        scaling=_pair("scaling", _GD, {**_GD, "standardize": False, "lr": 1e-5}, "b"))},
     "goes against the evidence"),
    ("11-decisions", {"decision_record": _record(model=None)}, "has no decision in your record"),
    ("11-decisions", {"decision_record": _record(**{"learning rate": _rate([0.1, 0.15, 0.2])})},
     "on its edge"),
    ("11-decisions", {"decision_record": lambda: {"decisions": [], "final": dict(_GD)}},
     "list of 1 to 12 decisions"),
]
# Review of issue 18 item 4: the judge ranked batch sizes by 2 - 1/B, so batch 1 counted as
# simpler than 128, against section 4's 'full batch, then larger batches before smaller ones'.
# Batch 128 (8 epochs) against batch 32 (2 epochs) is a tie on _SEEDS (+0.011 +- 0.046).
_B128, _B32 = {**_GD, "batch_size": 128, "epochs": 8}, {**_GD, "batch_size": 32, "epochs": 2}


def _batch_record(choice):
    record = _record(**{"batch size": _pair("batch size", _B128, _B32, choice)})()
    record["final"] = dict(_B128 if choice == "a" else _B32)
    return lambda: record


def _chain_record():
    # batch 128 keeps the 128-vs-32 tie, then loses (a tie) to the full batch in the next,
    # last batch-size decision: 'final' follows that last one (the judge asked it to follow
    # every decision, so a learner's chain of comparisons could never pass)
    record = _record()()
    first = _pair("batch size", _B128, _B32, "a")
    at = next(i for i, d in enumerate(record["decisions"]) if d["question"] == "batch size")
    record["decisions"].insert(at, first)
    return lambda: record


RIGHT += [("11-decisions", "a batch-size tie kept by the larger batch",
           {"decision_record": _batch_record("a")}),
          ("11-decisions", "a chain of batch-size decisions; final follows the last",
           {"decision_record": _chain_record()})]
WRONG += [("11-decisions", {"decision_record": _batch_record("b")},
           "broken toward the more complex candidate")]
test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


def test_batch_sizes_rank_full_then_larger_before_smaller():
    from gdlab.checks.lesson11_decisions import simplicity
    ranks = [simplicity("batch size", {**_GD, "batch_size": b}) for b in (None, 128, 32, 8, 1)]
    assert ranks == sorted(ranks) and len(set(ranks)) == 5, ranks


def test_naive_standard_error_in_a_record_does_not_reproduce():
    """Issue 18: a record made with the naive sd/sqrt(n) (the old 11-paired formula) is a
    record whose numbers the grader cannot reproduce."""
    from gdlab.checks.lesson11_decisions import assess
    record = _record()()
    n_train, n_test = _rows(_SEEDS[0])
    for d in record["decisions"]:
        if "se" in d:
            d["se"] = d["se"] / np.sqrt(1 + len(d["seeds"]) * n_test / n_train)
    found = assess(record)
    assert found["reproduce"][0] == "numbers do not reproduce", found
