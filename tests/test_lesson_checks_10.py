"""Lesson 10's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake. Below the table: the
capstone's configuration is scored per grader split, with gradient evaluations counted by
the grader.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson10.py.
"""
import math

import numpy as np
import pytest

from lesson_verdict import right_ids, verdict, wrong_ids


# ------------------------------------------------------------------ right answers
def r2_score(y_true, y_pred):
    resid = sum((a - b) ** 2 for a, b in zip(y_true, y_pred))
    total = sum((a - np.mean(y_true)) ** 2 for a in y_true)
    return float(1 - resid / total)


def standardize_train_val(X_train, X_val):
    mu = np.mean(X_train, axis=0)
    sd = np.sqrt(np.mean((X_train - mu) ** 2, axis=0))
    return (X_train - mu) / sd, (X_val - mu) / sd


def max_epochs(m, batch_size, budget):
    per_epoch = 1 if batch_size is None else -(-m // batch_size)
    epochs = 0
    while (epochs + 1) * per_epoch <= budget:
        epochs += 1
    return epochs


def choose_config():
    return {"model": "linear", "standardize": True, "optimizer": "sgd", "lr": 0.1,
            "epochs": 25}


RIGHT = [
    ("10-r2", "loops", {"r2_score": r2_score}),
    ("10-r2", "numpy", {"r2_score": lambda y, p: float(
        1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))}),
    ("10-standardize", "by hand", {"standardize_train_val": standardize_train_val}),
    ("10-standardize", "mean and std", {"standardize_train_val": lambda Xt, Xv: (
        (Xt - Xt.mean(0)) / Xt.std(0), (Xv - Xt.mean(0)) / Xt.std(0))}),
    ("10-epochs", "counting loop", {"max_epochs": max_epochs}),
    ("10-epochs", "floor of a ceil", {"max_epochs": lambda m, B, budget:
                                      budget // (1 if B is None else math.ceil(m / B))}),
    ("10-config", "a dict literal", {"choose_config": choose_config}),
    ("10-config", "dict() with the optional batch_size", {"choose_config": lambda: dict(
        model="linear", standardize=True, optimizer="sgd", lr=0.1, epochs=25,
        batch_size=None)}),
]


# ------------------------------------------------------------------ wrong answers
def _own_stats(Xt, Xv):
    return ((Xt - Xt.mean(0)) / Xt.std(0), (Xv - Xv.mean(0)) / Xv.std(0))


def _pooled(Xt, Xv):
    both = np.concatenate([Xt, Xv])
    return (Xt - both.mean(0)) / both.std(0), (Xv - both.mean(0)) / both.std(0)


def _config(**changes):
    config = {**choose_config(), **changes}
    return lambda: config


WRONG = [
    ("10-r2", {"r2_score": lambda y, p: float(np.sum((y - p) ** 2)
                                              / np.sum((y - y.mean()) ** 2))}, "NOT explained"),
    ("10-r2", {"r2_score": lambda y, p: float(np.corrcoef(y, p)[0, 1] ** 2)},
     "squared correlation"),
    ("10-r2", {"r2_score": lambda y, p: float(1 - np.sum((y - p) ** 2)
                                              / np.sum((p - p.mean()) ** 2))},
     "spread of the TRUE values"),
    ("10-standardize", {"standardize_train_val": _own_stats}, "ITS OWN mean"),
    ("10-standardize", {"standardize_train_val": _pooled}, "leaks information"),
    ("10-standardize", {"standardize_train_val": lambda Xt, Xv: (
        (Xt - Xt.mean(0)) / Xt.std(0, ddof=1), (Xv - Xt.mean(0)) / Xt.std(0, ddof=1))},
     "ddof=1"),
    ("10-standardize", {"standardize_train_val": lambda Xt, Xv: (
        (Xt - Xt.mean(0)) / Xt.std(0), Xv)}, "returned unchanged"),
    ("10-epochs", {"max_epochs": lambda m, B, budget: budget // (m // (B or m))},
     "ceil(m / batch_size)"),
    ("10-epochs", {"max_epochs": lambda m, B, budget: math.ceil(
        budget / math.ceil(m / (B or m)))}, "rounded up"),
    ("10-config", {"choose_config": _config(standardize=False, lr=1e-5)},
     "the target is R^2 >= 0.45"),
    ("10-config", {"choose_config": _config(epochs=50)}, "over the budget of 25"),
    ("10-config", {"choose_config": lambda: {"model": "linear", "standardize": True,
                                             "optimizer": "sgd", "learning_rate": 0.1,
                                             "epochs": 25}},
     "unknown key(s) ['learning_rate']"),
    ("10-config", {"choose_config": _config(lr=5.0)}, "diverged"),
    ("10-config", {"choose_config": _config(model="svm")}, "Invalid model: 'svm'"),
    ("10-config", {"choose_config": lambda: [("model", "linear")]}, "must return a dict"),
]


@pytest.mark.parametrize("exercise_id, style, namespace", RIGHT, ids=right_ids(RIGHT))
def test_right_answer_passes(exercise_id, style, namespace, capsys):
    assert verdict(exercise_id, **namespace) == "PASS"
    assert capsys.readouterr().out.startswith(f"✔ {exercise_id}: ")


@pytest.mark.parametrize("exercise_id, namespace, phrase", WRONG, ids=wrong_ids(WRONG))
def test_wrong_answer_names_its_mistake(exercise_id, namespace, phrase):
    message = verdict(exercise_id, **namespace)
    assert message != "PASS"
    assert phrase in message, message


def test_config_partial_credit_counts_splits():
    """A configuration that reaches the target on some grader splits only gets partial
    points: the points are per split."""
    from gdlab import capstone as lesson10
    from gdlab.checks import decode_probe, evaluate, probe

    # Adam on the raw target at lr 10: R^2 around 0.5 on one grader split, far less on others
    adam = {"model": "linear", "standardize": True, "optimizer": "adam", "lr": 10.0,
            "epochs": 25}
    scores = [lesson10.evaluate_config(adam, s).score for s in lesson10.SPLIT_SEEDS]
    expected_passes = sum(s >= lesson10.THRESHOLD for s in scores)
    assert 0 < expected_passes < 3
    result = evaluate("10-config", decode_probe(probe("10-config",
                                                      {"choose_config": lambda: adam})))
    assert result.passed_cases == expected_passes
    assert result.points == round(4 * expected_passes / 3, 2)


def test_grader_counts_gradient_evaluations_itself():
    from gdlab import capstone as lesson10
    run = lesson10.evaluate_config({"model": "linear", "standardize": True, "optimizer": "sgd",
                                    "lr": 0.1, "batch_size": 100, "epochs": 6}, 1)
    # ceil(332 / 100) = 4 updates per epoch, 6 epochs
    assert run.grad_evals == 24
    with pytest.raises(ValueError, match="plans 28 gradient evaluations"):
        lesson10.evaluate_config({"model": "linear", "standardize": True, "optimizer": "sgd",
                                  "lr": 0.1, "batch_size": 100, "epochs": 7}, 1)
