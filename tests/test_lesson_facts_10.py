"""The facts lesson 10's text relies on (Newton's method, gradient-free search), recomputed
outside the notebook. Where a fact lives only in the lesson's own code (the logistic
problem class, the evolution strategy), the test runs exactly those cells
(tests/notebook_cells.py) and checks what they compute.
"""
import numpy as np
import pytest

import gdlab
from gdlab.train import minimize
from notebook_cells import run_cells

# Each test recomputes a lesson's experiment (seconds each): part of the full suite, not
# of the quick loop (CONTRIBUTING.md).
pytestmark = pytest.mark.slow

LESSON10 = "10_beyond_first_order.ipynb"
LOGISTIC_CELLS = ["c002", "c004", "c004b"]        # the regularised logistic problem and w*


def test_10_newton_digits_nearly_double_per_step_in_the_fast_phase():
    """10 section 2: 'each Newton step roughly doubles the number of correct digits' (by a
    factor of at least 1.6 while between 1 and 7 digits)."""
    ns = run_cells(LESSON10, LOGISTIC_CELLS)
    h = minimize(ns["logreg"], ns["w0"], gdlab.optim.Newton(), steps=8)
    digits = -np.log10(np.linalg.norm(h.path - ns["w_star"], axis=1))
    fast = [k for k in range(1, len(digits) - 1) if 1 < digits[k] < 7]
    assert len(fast) >= 2 and all(digits[k + 1] >= 1.6 * digits[k] for k in fast)


def test_10_evolution_strategy_gets_there_random_search_does_not():
    """10 section 4: to f - f* < 1e-3, gradient descent needs fewer gradients than the
    (1+1)-ES needs evaluations; random search does not get there in 2000 evaluations."""
    ns = run_cells(LESSON10, LOGISTIC_CELLS + ["c022", "c028", "c028b"])
    evals_to = ns["evals_to"]
    assert evals_to(ns["rs_curve"]) is None
    assert evals_to(ns["es_curve"]) is not None
    assert evals_to(ns["h_gd_evals"].loss) < evals_to(ns["es_curve"])


def test_10_newton_ignores_the_conditioning_that_slows_gradient_descent():
    """10 section 2: on ill_conditioned(kappa), GD at lr = 2/(L + mu) needs about kappa
    times a constant steps to f - f* < 1e-8 (between 5 and 7 kappa, so about ten times more
    per tenfold kappa); Newton needs one step for every kappa."""
    ns = run_cells(LESSON10, ["c002", "c018b"])
    steps = ns["kappa_steps"]
    assert sorted(steps) == [10.0, 100.0, 1000.0]
    for kappa, (gd, nt) in steps.items():
        assert 5 * kappa <= gd <= 7 * kappa
        assert nt == 1
    assert 8 <= steps[100.0][0] / steps[10.0][0] <= 13
    assert 8 <= steps[1000.0][0] / steps[100.0][0] <= 13
    for kappa in [10.0, 100.0, 1000.0]:           # and independently of the notebook
        bowl = gdlab.objectives.ill_conditioned(kappa)
        h = minimize(bowl, bowl.start, gdlab.optim.Newton(), steps=1)
        assert h.loss[1] - bowl.f_star < 1e-20


def test_10_es_table_is_the_check_key_and_grows_linearly():
    """10 section 4: the lesson's ES table (d = 2..16) and the d = 64 measurement are the
    numbers the 10-es-scaling key computes; the evaluations per dimension stay between 44
    and 49 from d = 2 to d = 64 (the text: 'between about 45 and 48')."""
    from gdlab.checks.lesson10 import es_mean_evals
    ns = run_cells(LESSON10, ["c002", "c028", "c029b", "c029g"])
    counts = {**ns["es_counts"], 64: ns["measured_64"]}
    assert sorted(counts) == [2, 4, 8, 16, 64]
    for dim, n in counts.items():
        assert n == es_mean_evals(dim)
        assert 44 <= n / dim <= 49
