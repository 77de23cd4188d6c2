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

    grid = [final(lr) for lr in [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0]]
    assert final(pick) <= 1.1 * min(grid) and final(pick) < 0.95 * grid[0]


@pytest.mark.slow
def test_every_decaying_schedule_ends_100_times_below_the_constant_rate():
    """Section 6: SGD with batch size 1, 20 epochs, three seeds, base rate 0.05."""
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
    excess = {name: np.mean([fit(model, X, y, SGD(lr=s), batch_size=1, epochs=20, seed=seed,
                                 params0=np.zeros(X.shape[1])).epoch_loss[-1] - best
                             for seed in range(3)])
              for name, s in contenders.items()}
    assert all(excess["constant"] / v > 100 for k, v in excess.items() if k != "constant")
