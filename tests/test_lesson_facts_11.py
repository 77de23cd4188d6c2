"""The facts lesson 11's text relies on (the capstone), recomputed by running the cells
that compute them (tests/notebook_cells.py): the worked example, the reference that is no
ceiling, the course's own experiments and decisions, and the test-set report.
"""
import numpy as np
import pytest

from gdlab import capstone
from gdlab.checks.lesson11_decisions import assess
from notebook_cells import run_cells

pytestmark = pytest.mark.slow

CELLS = ["c002", "c003", "c005", "c010", "c010b", "c016", "c016b", "c018", "c023", "c023b",
         "c024", "c024b", "c025", "c026", "c029", "c030", "c033", "c034b", "c035"]


@pytest.fixture(scope="module")
def ns():
    return run_cells("11_capstone.ipynb", CELLS)


def test_11_the_reference_is_no_ceiling(ns):
    """c000, c010c: 'every penalty lowers the training R^2 ... on validation rows a penalty
    can win, on split 0 and on several of splits 20-29'."""
    split0 = ns["split0"]
    ls_train, ls_val = ns["ridge_scores"](split0, 0.0)
    assert ls_val == pytest.approx(ns["reference"], abs=1e-9)
    pairs = [ns["ridge_scores"](split0, a) for a in ns["ridge_wins"]]
    assert all(train < ls_train for train, _ in pairs)
    assert any(val > ls_val for _, val in pairs)
    assert max(ns["ridge_wins"].values()) >= 3


def test_11_worked_example_widens_the_grids_and_rmsprop_is_ahead(ns):
    """c016/c017: both best rates lay below the grid 1-30; on that grid AdaGrad was ahead,
    after widening RMSprop is, by many corrected standard errors over splits 20-27; the
    corrected standard error is about twice the naive one."""
    score, raw = ns["split0_score"], ns["raw"]
    first = {opt: max(score({**raw, "optimizer": opt, "lr": lr}) for lr in (1.0, 3.0, 10.0, 30.0))
             for opt in ("adagrad", "rmsprop")}
    assert first["adagrad"] > first["rmsprop"]
    assert all(ns["best_of"][opt]["lr"] < 1.0 for opt in ("adagrad", "rmsprop"))
    a, b, d, gap0 = ns["a"], ns["b"], ns["d"], ns["gap0"]
    assert gap0 > 0
    assert min(a.std(ddof=1), b.std(ddof=1)) > 3 * abs(gap0)
    assert d.std(ddof=1) < 0.1 * min(a.std(ddof=1), b.std(ddof=1))
    assert 1.5 < ns["corrected_se"] / ns["naive_se"] < 2.5
    assert d.mean() > 5 * ns["corrected_se"]


def test_11_standardizing_decides_everything_else(ns):
    """c036: 'the best raw run ends far below the reference'; both grids bracket their best."""
    best, reference = ns["best"], ns["reference"]
    assert best[False].on_edge is None and best[True].on_edge is None
    assert best[False].score < reference - 0.2
    assert capstone.verdict(best[True].score, reference) == "reached"


def test_11_a_short_budget_favours_one_over_L(ns):
    """c036: with kappa in the hundreds, at 2/(L+mu) the steepest direction keeps most of
    its error after 25 steps, at 1/L none; the best rate of the grid is near 1/L."""
    L, mu = ns["L_scaled"], ns["mu_scaled"]
    assert 100 < L / mu < 1000
    assert abs(1 - 2 / (L + mu) * L) ** 25 > 0.5
    assert abs(1 - L / L) ** 25 < 1e-12
    # '... the flat ones, which no rate below 2/L can finish in 25 steps anyway'
    assert (1 - 2 * mu / L) ** 25 > 0.5
    base, score = ns["base"], ns["score"]
    at = lambda lr: score({**base, "standardize": True, "lr": lr})[0]
    assert at(1 / L) > at(2 / (L + mu)) + 0.2
    assert ns["lr_best"].on_edge is None
    assert 0.5 / L < ns["lr_best"].value < 1.5 / L
    # '"Near" is all it says: ... the printed means of the rates from 0.06 to 0.2 differ by
    # less than 0.005' (a broad plateau, not a sharp optimum)
    plateau = [s for lr, s in zip(ns["lr_grid"], ns["lr_scores"]) if 0.06 <= lr <= 0.2]
    assert len(plateau) >= 3 and max(plateau) - min(plateau) < 0.005


def test_11_the_paired_calls(ns):
    """c036: raw-target Adam misses; momentum loses by more than two corrected standard
    errors; Adam with the target scaled, cosine and batches of 32 tie (batch 32 loses by more
    than one)."""
    table, reference = ns["table"], ns["reference"]
    assert capstone.verdict(table["Adam"][0], reference) == "below"
    assert ns["calls"] == {"GD + momentum 0.9": "worse", "Adam, target scaled": "tie",
                           "GD + cosine schedule": "tie", "SGD, batch 32, 2 epochs": "tie"}
    b32 = ns["decisions"]["batch size: SGD, batch 32, 2 epochs"]
    assert abs(b32["mean"]) > b32["se"]


def test_11_models_ridge_and_lasso_tie_the_network_loses(ns):
    """c036: ridge and lasso tie with the linear model over splits 20-27; the network
    loses by more than two corrected standard errors though on split 0 it looked as good."""
    dec = ns["decisions"]
    for name in ("ridge alpha 0.1", "lasso alpha 1.0"):
        assert abs(dec[f"model: {name}"]["mean"]) <= 2 * dec[f"model: {name}"]["se"]
    mlp = dec["model: MLP 16 tanh, Adam"]
    assert mlp["mean"] < -2 * mlp["se"]
    score = ns["score"]
    assert abs(score(ns["model_choices"]["MLP 16 tanh, Adam"])[0] - score(ns["linear"])[0]) < 0.01


def test_11_chosen_configuration_reaches_every_split_and_beats_the_reference_on_half(ns):
    """c030/c031/c036: it reaches the target on splits 20-29, above the reference on half
    of them; the spread across splits is far larger than the shortfall."""
    rows = ns["rows"]
    assert ns["verdicts"] == ["reached"] * 10
    # c029: 'validation loss never rose by more than 1% after its minimum', over every epoch
    val = np.asarray(ns["h"].val_loss)
    assert val[int(np.argmin(val)):].max() <= 1.01 * val.min()
    shortfall = (rows[:, 1] - rows[:, 0]).max()
    assert shortfall < capstone.TOLERANCE
    assert rows[:, 0].max() - rows[:, 0].min() > 5 * shortfall
    assert (rows[:, 0] > rows[:, 1]).sum() == 5


def test_11_test_score_lies_within_the_validation_range(ns):
    """c036: 'its R^2 over ten training sets lies within the range of its validation scores'."""
    test, rows = ns["test_scores"], ns["rows"]
    assert rows[:, 0].min() <= test.min() and test.max() <= rows[:, 0].max()


def test_11_the_course_record_passes_its_own_judge_and_leads_to_the_config(ns):
    record = ns["decision_record"]()
    assert all(v is None for v in assess(record).values()), assess(record)
    assert {d["question"] for d in record["decisions"]} >= {
        "scaling", "learning rate", "optimizer", "schedule", "batch size", "model"}
