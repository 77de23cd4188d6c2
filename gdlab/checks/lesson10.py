"""Lesson 10 (capstone) exercises: scaling with training statistics only, the R^2 score,
how many epochs fit in a budget, and the configuration itself (trained and scored by
:mod:`gdlab.capstone`, the pipeline the notebook also uses).
"""
import math

import numpy as np

from gdlab.capstone import BUDGET, SPLIT_SEEDS, THRESHOLD, evaluate_config, r2
from gdlab.checks.core import Case, Mistake, exercise

# --------------------------------------------------------------------------- 10-standardize
def _standardize(X_train, X_val, *, stats="train", ddof=0, power=1.0, centre=True, scale_val=True):
    X_train, X_val = np.asarray(X_train, dtype=float), np.asarray(X_val, dtype=float)
    source = np.vstack([X_train, X_val]) if stats == "all" else X_train
    mean, std = source.mean(axis=0), source.std(axis=0, ddof=ddof) ** power
    if not centre:
        mean = np.zeros_like(mean)
    Xs_train = (X_train - mean) / std
    if not scale_val:
        return Xs_train, X_val
    if stats == "own":
        return Xs_train, (X_val - X_val.mean(axis=0)) / X_val.std(axis=0)
    return Xs_train, (X_val - mean) / std


def _standardize_global(X_train, X_val):
    X_train, X_val = np.asarray(X_train, dtype=float), np.asarray(X_val, dtype=float)
    mean, std = X_train.mean(), X_train.std()
    return (X_train - mean) / std, (X_val - mean) / std


def _standardize_cases(rng):
    cases = []
    for m, m_val, d in [(20, 8, 3), (15, 6, 2), (30, 10, 4)]:
        offset = rng.uniform(-50, 50, size=d)
        scale = 10.0 ** rng.uniform(-2, 2, size=d)
        X_train = offset + scale * rng.normal(size=(m, d))
        # validation rows drawn from a shifted distribution, so that their own mean and std
        # differ clearly from the training ones
        X_val = offset + scale * (0.7 + 1.5 * rng.normal(size=(m_val, d)))
        cases.append(Case(X_train, X_val))
    return cases


exercise(
    id="10-standardize", lesson="10", title="Scale with training statistics only",
    target="standardize_train_val", kind="function", points=2,
    cases=_standardize_cases, reference=_standardize, rtol=1e-8, atol=1e-10, returns="tuple",
    mistakes=[
        Mistake("validation scaled with its own statistics",
                lambda Xt, Xv: _standardize(Xt, Xv, stats="own"),
                "Your X_val is standardized with ITS OWN mean and std. A trained model expects "
                "inputs transformed exactly like its training data, and at prediction time you "
                "may have a single row (no std at all): use the training mean and std for both."),
        Mistake("statistics of all rows",
                lambda Xt, Xv: _standardize(Xt, Xv, stats="all"),
                "You computed the mean and std on training AND validation rows together. That "
                "leaks information from the held-out rows into training: compute them on "
                "X_train only."),
        Mistake("validation not scaled",
                lambda Xt, Xv: _standardize(Xt, Xv, scale_val=False),
                "X_val is returned unchanged. It must go through the same transformation as "
                "X_train (with the training mean and std), or the model sees different units."),
        Mistake("sample std",
                lambda Xt, Xv: _standardize(Xt, Xv, ddof=1),
                "You used the sample standard deviation (ddof=1). Use np.std's default "
                "(ddof=0), like gdlab.data.Standardizer, so that the scaled training columns "
                "have std exactly 1."),
        Mistake("divided by the variance",
                lambda Xt, Xv: _standardize(Xt, Xv, power=2.0),
                "You divided by the variance; divide by the standard deviation (its square root)."),
        Mistake("not centred",
                lambda Xt, Xv: _standardize(Xt, Xv, centre=False),
                "You divided by the std but did not subtract the training mean first."),
        Mistake("one mean and std for the whole array",
                lambda Xt, Xv: _standardize_global(Xt, Xv),
                "You used a single mean and std for the whole of X_train (no axis). Every "
                "column has its own units and needs its own statistics: X_train.mean(axis=0) "
                "and X_train.std(axis=0), one number per column."),
    ],
    hints=[
        "Compute mean = X_train.mean(axis=0) and std = X_train.std(axis=0): one number per "
        "column, from the training rows only.",
        "Apply the same (X - mean) / std to both arrays and return the two results as a tuple.",
        "mean, std = X_train.mean(axis=0), X_train.std(axis=0)\n"
        "return (X_train - mean) / std, (X_val - mean) / std",
    ],
)


# --------------------------------------------------------------------------- 10-r2
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


exercise(
    id="10-r2", lesson="10", title="The R^2 score",
    target="r2_score", kind="function", points=1,
    cases=_r2_cases, reference=r2, rtol=1e-8, atol=1e-10, returns="float",
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


# --------------------------------------------------------------------------- 10-epochs
def _max_epochs(m, batch_size, budget):
    B = m if batch_size is None else batch_size
    return budget // -(-m // B)


exercise(
    id="10-epochs", lesson="10", title="How many epochs fit in the budget",
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


# --------------------------------------------------------------------------- 10-config
REFERENCE_CONFIG = {"model": "linear", "standardize": True, "optimizer": "sgd", "lr": 0.12,
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
        return (f"On grader split {seed}, training with your configuration diverged "
                f"({run.history.stop_reason}): lower lr, or standardize.")
    if run.grad_evals > BUDGET:   # planned_updates already refuses this; a second guard
        return f"Training used {run.grad_evals} gradient evaluations; the budget is {BUDGET}."
    if not run.score >= THRESHOLD:
        return (f"On grader split {seed}, your configuration reaches validation R^2 = "
                f"{run.score:.4f} with {run.grad_evals} gradient evaluations; the target is "
                f"R^2 >= {THRESHOLD}. Compare settings on your own split first (section 4).")
    return None


exercise(
    id="10-config", lesson="10", title="A configuration that reaches the target within budget",
    target="choose_config", kind="function", points=4,
    cases=[Case(meta={"split_seed": s}) for s in SPLIT_SEEDS],
    reference=lambda: dict(REFERENCE_CONFIG), compare=_compare_config, returns="any",
    hints=[
        "Start from the evidence in the notebook: which settings reached R^2 >= 0.45 on your "
        "own split within 25 gradient evaluations? Unscaled features cannot.",
        "Full batch (batch_size None) makes every gradient evaluation an exact gradient: 25 "
        "epochs = 25 updates. With standardized features, plain SGD with lr near 1/L "
        "(L = smoothness of the scaled problem, about 8) converges in a few steps.",
        "return {'model': 'linear', 'standardize': True, 'optimizer': 'sgd', 'lr': 0.12, "
        "'batch_size': None, 'epochs': 25}",
    ],
)
