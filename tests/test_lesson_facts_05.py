"""The facts lesson 05's text relies on, recomputed with gdlab.

The notebook prints these facts (rounded) for the learner; here they are asserted, so a
change in gdlab that breaks one fails a test rather than silently changing a printout.
Each test repeats the lesson's experiment with the lesson's settings.
"""
import warnings

import numpy as np
import pytest

import gdlab
from gdlab import schedules
from gdlab.optim import SGD
from gdlab.train import fit, minimize

# Each test recomputes a lesson's experiment (seconds each): part of the full suite, not
# of the quick loop (CONTRIBUTING.md).
pytestmark = pytest.mark.slow

BOWL = gdlab.objectives.ill_conditioned(10.0, angle=0.5)
X0 = np.array([2.0, 1.5])
L, MU = BOWL.smoothness, BOWL.strong_convexity


def _quiet(run):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gdlab.DivergenceWarning)
        return run()


def test_too_large_a_rate_diverges_and_a_good_one_does_not():
    """Section 1: 0.21 (above 2/L = 0.2) diverges within 150 steps, 0.18 does not."""
    big = _quiet(lambda: minimize(BOWL, X0, SGD(lr=0.21), steps=150))
    good = minimize(BOWL, X0, SGD(lr=0.18), steps=150)
    assert big.diverged and not good.diverged


@pytest.fixture(scope="module")
def sweep():
    """Section 3's sweep: steps until ||grad|| <= 1e-8 for 97 rates (NaN: not converged)."""
    lrs = np.arange(0.00375, 0.245, 0.0025)
    steps, diverged = np.full(lrs.shape, np.nan), np.zeros(lrs.shape, dtype=bool)
    for i, lr in enumerate(lrs):
        h = _quiet(lambda: minimize(BOWL, X0, SGD(lr=float(lr)), steps=3000, tol=1e-8))
        if h.converged:
            steps[i] = h.n_updates
        diverged[i] = h.diverged or h.loss[-1] > h.loss[0]
    return lrs, steps, diverged


@pytest.mark.slow   # the 97-run sweep
def test_the_fewest_steps_are_within_one_grid_step_of_2_over_L_plus_mu(sweep):
    lrs, steps, _ = sweep
    assert abs(lrs[np.nanargmin(steps)] - 2 / (L + MU)) <= 0.0025


@pytest.mark.slow   # the 97-run sweep
def test_divergence_starts_between_two_neighbouring_rates_around_2_over_L(sweep):
    lrs, steps, diverged = sweep
    last_good, first_bad = lrs[np.isfinite(steps)].max(), lrs[np.argmax(diverged)]
    assert last_good < 2 / L < first_bad and first_bad - last_good < 0.003


@pytest.mark.slow   # the 97-run sweep
def test_the_cost_curve_is_lopsided(sweep):
    """Half the best rate costs about twice the steps; about 10% above it diverges."""
    lrs, steps, diverged = sweep
    at_best = minimize(BOWL, X0, SGD(lr=2 / 11), steps=3000, tol=1e-8).n_updates
    at_half = minimize(BOWL, X0, SGD(lr=1 / 11), steps=3000, tol=1e-8).n_updates
    assert 1.5 < at_half / at_best < 2.5
    assert lrs[np.argmax(diverged)] / lrs[np.nanargmin(steps)] < 1.15


def test_the_prediction_exercise_counts_what_gdlab_runs():
    """05-predict-half-rate's answer key recounts the steps with plain numpy."""
    from gdlab.checks import get_exercise
    expected = minimize(BOWL, X0, SGD(lr=1 / 11), steps=3000, tol=1e-8).n_updates
    assert get_exercise("05-predict-half-rate").reference() == expected


@pytest.mark.slow
def test_the_range_test_pick_is_close_to_the_best_grid_rate():
    """Section 4: the pick (a tenth of the rate at the lowest smoothed loss) ends within 10%
    of the best of seven 30-epoch runs and clearly below the smallest rate's."""
    data = gdlab.data.load_diabetes()
    X, _, _ = gdlab.data.standardize(data.X)
    y = (data.y - data.y.mean()) / data.y.std()
    net = gdlab.models.MLP([10, 32, 1], activation="tanh")
    sweep_lr = schedules.exponential(1e-4, gamma=(10.0 / 1e-4) ** (1 / 200))
    rt = _quiet(lambda: fit(net, X, y, SGD(lr=sweep_lr), batch_size=32, epochs=15, seed=0,
                            max_loss=1e3))
    avg, smooth = 0.0, []
    for t, value in enumerate(rt.loss[:rt.n_updates]):
        avg = 0.9 * avg + 0.1 * value
        smooth.append(avg / (1 - 0.9 ** (t + 1)))
    pick = float(rt.lr[int(np.argmin(smooth))]) / 10

    def final(lr):
        h = _quiet(lambda: fit(net, X, y, SGD(lr=float(lr)), batch_size=32, epochs=30, seed=0,
                               max_loss=1e3))
        return np.inf if h.diverged else float(h.epoch_loss[-1])

    rates = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0]
    grid = [final(lr) for lr in rates]
    with warnings.catch_warnings():
        warnings.simplefilter("error", gdlab.GridEdgeWarning)     # the best rate is inside
        best = gdlab.best_on_grid(rates, grid, what="learning rate")
    assert best.value == 3e-2
    assert final(pick) <= 1.1 * best.score and final(pick) < 0.95 * grid[0]


@pytest.mark.slow
def test_every_decaying_schedule_ends_100_times_below_the_constant_rate():
    """Section 6: SGD with batch size 1, 20 epochs, base rate 0.05: in each of five seeds
    every decaying schedule ends at least 100 times below the constant rate, and the ratios
    of the means are 340 to 27000."""
    X, y, _ = gdlab.data.make_linear(n=200, d=5, noise=1.0, seed=1)
    model = gdlab.models.LinearRegression()
    best = model.loss(np.linalg.lstsq(X, y, rcond=None)[0], X, y)
    n = 20 * 200
    contenders = {
        "constant": schedules.constant(0.05),
        "step decay": schedules.step_decay(0.05, step_size=n // 5, gamma=0.3),
        "exponential": schedules.exponential(0.05, gamma=0.01 ** (1 / n)),
        "1/t": schedules.inverse_time(0.05, decay=20 / n),
        "cosine": schedules.cosine(0.05, total_steps=n),
        "warmup + cosine": schedules.warmup(schedules.cosine(0.05, total_steps=n - 200),
                                            warmup_steps=200),
    }
    excess = {name: np.array([fit(model, X, y, SGD(lr=s), batch_size=1, epochs=20, seed=seed,
                                  params0=np.zeros(X.shape[1])).epoch_loss[-1] - best
                              for seed in range(5)])
              for name, s in contenders.items()}
    for name, v in excess.items():
        if name != "constant":
            assert np.all(excess["constant"] > 100 * v), name
    # 'ends 340 to 27000 times lower on average over the five seeds' (two digits, as printed)
    ratios = [excess["constant"].mean() / v.mean() for k, v in excess.items() if k != "constant"]
    assert (float(f"{min(ratios):.2g}"), float(f"{max(ratios):.2g}")) == (340, 27000)


def test_a_rate_above_2_over_L_grows_the_loss_by_1_21_per_step():
    """Section 1: 'Left alone, its loss would have kept growing, by a factor of about
    (1 - 0.21 * 10)^2 = 1.21 per step'."""
    big = _quiet(lambda: minimize(BOWL, X0, SGD(lr=0.21), steps=150))
    late = big.loss[-20:]
    assert np.allclose(late[1:] / late[:-1], 1.21, rtol=1e-3)


def test_at_exactly_2_over_L_the_steep_component_oscillates_at_constant_size():
    """Issue 18 quoted the old section 3 text 'no convergence at or beyond 2/L, where runs
    diverge': at exactly 2/L the run does not diverge; the steep component keeps its size
    0.3575 and flips sign at every step, and the loss stays at 0.639 (section 3's text)."""
    _, V = np.linalg.eigh(BOWL.hess(X0))
    edge = minimize(BOWL, X0, SGD(lr=2 / L), steps=3000, tol=1e-8)
    steep, flat = edge.path @ V[:, 1], edge.path @ V[:, 0]
    assert not edge.diverged and not edge.converged
    assert np.allclose(np.abs(steep), 0.3575, atol=5e-5) and np.all(steep[1:] * steep[:-1] < 0)
    assert abs(flat[-1]) < 1e-12 and round(float(edge.loss[-1]), 3) == 0.639


def test_each_step_multiplies_the_gradient_norm_by_at_most_rho():
    """Section 3: 'each step multiplies the gradient's norm by at most rho' (issue 18: the
    text had it inverted, 'shrinks by at most rho')."""
    for lr in [0.01, 0.1, 2 / 11, 0.19]:
        rho = max(abs(1 - lr * MU), abs(1 - lr * L))
        g = np.linalg.norm([BOWL.grad(x) for x in minimize(BOWL, X0, SGD(lr=lr), steps=200).path], axis=1)
        assert np.all(g[1:] <= rho * g[:-1] * (1 + 1e-12))
        assert np.any(g[1:] > 0.99 * rho * g[:-1])          # the bound is reached, not loose


@pytest.mark.slow   # the 97-run sweep
def test_no_measured_count_exceeds_the_bound_from_rho(sweep):
    lrs, steps, _ = sweep
    rho = np.maximum(np.abs(1 - lrs * MU), np.abs(1 - lrs * L))
    ok = np.isfinite(steps)
    bound = np.log(1e-8 / np.linalg.norm(BOWL.grad(X0))) / np.log(rho[ok])
    assert np.all(steps[ok] <= np.ceil(bound))


@pytest.mark.slow   # the 97-run sweep
def test_the_sweeps_best_rate_is_inside_its_grid(sweep):
    lrs, steps, _ = sweep
    with warnings.catch_warnings():
        warnings.simplefilter("error", gdlab.GridEdgeWarning)
        assert gdlab.best_on_grid(lrs, steps, what="learning rate").on_edge is None


LINEAR = gdlab.data.make_linear(n=200, d=5, noise=1.0, seed=1)
N_UPDATES = 20 * 200


def _excess_over_seeds(schedule):
    X, y, _ = LINEAR
    model = gdlab.models.LinearRegression()
    best = model.loss(np.linalg.lstsq(X, y, rcond=None)[0], X, y)
    return np.array([_quiet(lambda: fit(model, X, y, SGD(lr=schedule), batch_size=1, epochs=20,
                                        seed=seed, params0=np.zeros(X.shape[1]))).epoch_loss[-1] - best
                     for seed in range(5)])


@pytest.fixture(scope="module")
def grid_runs():
    """Section 6b: final excess loss over seeds 0-4 for the constant rate and 1/t."""
    grid = [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1]
    return {(name, lr): _excess_over_seeds(schedules.constant(lr) if name == "constant" else
                                           schedules.inverse_time(lr, decay=20 / N_UPDATES))
            for name in ["constant", "1/t"] for lr in grid}


def _best(runs, name, grid):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = gdlab.best_on_grid(grid, [runs[name, lr].mean() for lr in grid], what="base rate")
    return r, [w for w in caught if issubclass(w.category, gdlab.GridEdgeWarning)]


@pytest.mark.slow
def test_a_grid_that_does_not_bracket_1_over_t_gives_the_opposite_verdict(grid_runs):
    """Section 6b: on [0.0003, 0.001, 0.003] 1/t's best is the top edge (warned) and the
    constant rate (best 0.001, inside) ends lower in every seed, by a factor above 100; on
    the grid widened to 0.1 both bests are inside and 1/t ends 13 to 21 times lower than the
    constant rate in every seed."""
    narrow, wide = [0.0003, 0.001, 0.003], [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1]
    const_n, warned_c = _best(grid_runs, "constant", narrow)
    inv_n, warned_i = _best(grid_runs, "1/t", narrow)
    assert const_n.value == 0.001 and not warned_c
    assert inv_n.on_edge == "high" and len(warned_i) == 1
    ratio = grid_runs["constant", 0.001] / grid_runs["1/t", inv_n.value]
    assert np.all(ratio < 0.02)
    const_w, _ = _best(grid_runs, "constant", wide)
    inv_w, warned = _best(grid_runs, "1/t", wide)
    assert const_w.value == 0.001 and inv_w.on_edge is None and not warned
    ratio = grid_runs["constant", 0.001] / grid_runs["1/t", inv_w.value]
    assert np.all(ratio > 10)                            # 'more than ten times lower'
    assert (round(ratio.min()), round(ratio.max())) == (13, 21)   # 'a factor of 13 to 21'
