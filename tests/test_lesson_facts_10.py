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
    """10 section 4: the lesson's ES table (d = 2..16) is what the 10-es-scaling key
    computes, and the key's d = 64 count (printed by the check on a pass) keeps the
    evaluations per dimension between 44 and 49 from d = 2 to d = 64."""
    from gdlab.checks.lesson10 import es_mean_evals
    ns = run_cells(LESSON10, ["c002", "c028", "c029b"])
    counts = dict(ns["es_counts"])
    assert sorted(counts) == [2, 4, 8, 16]
    for dim, n in counts.items():
        assert n == es_mean_evals(dim)
    for dim in [2, 4, 8, 16, 64]:
        assert 44 <= es_mean_evals(dim) / dim <= 49


def test_10_es_scaling_answer_is_revealed_by_the_check_not_by_the_lesson():
    """Issue 19: the 10-es-scaling answer ('grows linearly', '45 to 48 per dimension', the
    line `4 * es_counts[16]`) is not in the released lesson; the check prints it on a pass."""
    import contextlib
    import io
    import json
    from pathlib import Path
    from gdlab.checks import check
    from gdlab.checks.lesson10 import es_mean_evals
    lesson = json.loads((Path(__file__).resolve().parents[1] / "lessons" / LESSON10).read_text())
    text = "\n".join("".join(c["source"]) for c in lesson["cells"])
    for answer in ["4 * es_counts[16]", "grows linearly", "45 and 48", "linear growth",
                   f"{es_mean_evals(64):.1f}"]:
        assert answer not in text, answer
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check("10-es-scaling", namespace={"es_evals_at_64": 4 * es_mean_evals(16)})
    assert f"Measured at d = 64: {es_mean_evals(64):.1f}" in out.getvalue()
    assert "grows linearly in d" in out.getvalue()


def test_10_es_needs_about_four_times_the_evaluations_gd_needs_gradients():
    """10 c029: 'in this run it needs about four times more function evaluations than
    gradient descent needs gradients' (675 against 179)."""
    ns = run_cells(LESSON10, LOGISTIC_CELLS + ["c022", "c028", "c028b"])
    es, gd = ns["evals_to"](ns["es_curve"]), ns["evals_to"](ns["h_gd_evals"].loss)
    assert 3.5 <= es / gd <= 4.5


def test_10_forming_the_hessian_costs_more_than_solving_when_m_exceeds_d():
    """10 c023 (issue 18: 'with 31 parameters a Newton step costs little more than a
    gradient step'): forming X^T D X / m takes about m d^2 multiply-adds, 2 m d^2 = 1,093,618
    operations, 15.5 gradients (4 m d = 70,556: two products of m d multiply-adds; review: a
    multiply-add counts as two operations, as in the solve's 2 d^3 / 3 = 19,860), and far
    more than the solve."""
    ns = run_cells(LESSON10, LOGISTIC_CELLS)
    m, d = ns["Xc"].shape
    assert (m, d) == (569, 31)
    assert 2 * m * d**2 == 1_093_618 and 4 * m * d == 70_556 and 2 * d**3 // 3 == 19_860
    assert round(2 * m * d**2 / (4 * m * d), 1) == 15.5 and 2 * m * d**2 > 2 * d**3 / 3


def test_10_indefinite_shift_can_still_give_a_downhill_direction():
    """10 c025/c025a (issue 18: '-d goes downhill exactly when H + delta I is positive
    definite'): H = diag(-3, 1), delta = 1, g = (0, 1) gives g.d = 0.5 > 0 with H + delta I
    indefinite; g = (1, 0) gives -0.5 (uphill); a positive definite shift is downhill for
    every g."""
    M = np.diag([-3.0, 1.0]) + np.eye(2)
    assert np.linalg.eigvalsh(M).min() < 0
    assert np.array([0.0, 1.0]) @ np.linalg.solve(M, [0.0, 1.0]) == pytest.approx(0.5)
    assert np.array([1.0, 0.0]) @ np.linalg.solve(M, [1.0, 0.0]) == pytest.approx(-0.5)
    rng = np.random.default_rng(0)
    P = np.diag([-3.0, 1.0]) + 4.0 * np.eye(2)
    for g in rng.normal(size=(100, 2)):
        assert g @ np.linalg.solve(P, g) > 0


def test_10_pure_newton_first_step_raises_f_on_himmelblau():
    """10 c027: pure Newton from (-0.6, -0.6) raises f in its first step, from 178.76 to
    181.59, and ends at a maximum."""
    hb = gdlab.objectives.himmelblau()
    h = minimize(hb, np.array([-0.6, -0.6]), gdlab.optim.Newton(), steps=40)
    assert (round(h.loss[0], 2), round(h.loss[1], 2)) == (178.76, 181.59)
    assert np.linalg.eigvalsh(hb.hess(h.x)).max() < 0


def test_10_damped_newton_converges_only_linearly_near_the_minimum():
    """10 c027 (review: 'near the minimum it converges only linearly' was not shown): with
    delta0 = 30 and a line search, the error near the minimum shrinks by the constant factor
    0.30 per step, delta / (lambda_min + delta) at the minimum, not quadratically."""
    hb = gdlab.objectives.himmelblau()
    h = minimize(hb, np.array([-0.6, -0.6]), gdlab.optim.Newton(damping=30.0, line_search=True),
                 steps=40)
    err = np.linalg.norm(h.path - h.x, axis=1)
    ratios = err[9:16] / err[8:15]
    assert np.all(np.abs(ratios - 0.30) < 0.01)
    assert round(30 / (np.linalg.eigvalsh(hb.hess(h.x)).min() + 30), 2) == 0.30
