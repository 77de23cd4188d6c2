"""Lesson 04's comparisons, recomputed with gdlab over the same seeds the notebook uses.

issue 18: every comparison lesson 04 prints runs over at least 5 seeds with its spread, or
says "in this one run"; and one place shows a conclusion that flips with the seed. Each test
quotes the claim of solutions/04_batch_sizes.ipynb it protects. The data and the quadratic
form for the full-data loss are the lesson's (cells c004, c011); the runs are gdlab.fit.
"""
import numpy as np
import pytest

import gdlab
from gdlab.optim import SGD
from gdlab.train import fit

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data():
    X, y, _ = gdlab.data.make_linear(n=1024, d=4, noise=0.5, seed=1)
    model = gdlab.models.LinearRegression()
    theta_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    order = np.argsort(y)
    return dict(X=X, y=y, model=model, theta_ls=theta_ls, J=model.loss(theta_ls, X, y),
                Xs=X[order], ys=y[order], m=len(y), d=X.shape[1])


def excess_along(D, path):
    return np.array([D["model"].loss(p, D["X"], D["y"]) for p in path]) - D["J"]


def last_epoch(D, h):
    return excess_along(D, h.path[-h.updates_per_epoch:]).mean()


def once_and_reshuffled(D, seed, lr):
    once = np.random.default_rng(seed).permutation(D["m"])
    a = fit(D["model"], D["Xs"][once], D["ys"][once], SGD(lr=lr), batch_size=8, epochs=10,
            shuffle=False, params0=np.zeros(D["d"]))
    b = fit(D["model"], D["Xs"], D["ys"], SGD(lr=lr), batch_size=8, epochs=10, shuffle=True,
            seed=seed, params0=np.zeros(D["d"]))
    return last_epoch(D, a), last_epoch(D, b)


def test_04_epoch_average_equals_full_gradient_only_at_a_fixed_theta(data):
    """c005/c006: with theta held at 0 the mean of the 32 batch gradients is the full
    gradient; along a real epoch (lr 0.05) it differs from the full gradient at the start by
    70 %."""
    D = data
    X, y, model = D["X"], D["y"], D["model"]
    order = np.random.default_rng(0).permutation(D["m"])
    theta, moving = np.zeros(D["d"]), []
    for s in range(0, D["m"], 32):
        rows = order[s:s + 32]
        moving.append(model.grad(theta, X[rows], y[rows]))
        theta = theta - 0.05 * moving[-1]
    full = model.grad(np.zeros(D["d"]), X, y)
    gap = np.linalg.norm(np.mean(moving, axis=0) - full) / np.linalg.norm(full)
    assert f"{gap:.0%}" == "70%"


def test_04_the_reshuffling_verdict_flips_with_the_seed_and_ties_over_20(data):
    """c014b/c014d: 'Seed 0 says "reshuffle", seed 1 says "a single shuffle is better"';
    over 20 seeds 'the wins are split, and the mean difference is well inside two standard
    errors of zero'; the recap: 'over 20 seeds the two were tied'."""
    pairs = np.array([once_and_reshuffled(data, s, 0.05) for s in range(20)])
    diff = pairs[:, 1] - pairs[:, 0]
    assert diff[0] < 0 < diff[1]
    se = diff.std(ddof=1) / np.sqrt(20)
    assert abs(diff.mean()) < 2 * se
    assert 7 <= np.sum(diff < 0) <= 13


def test_04_a_fixed_random_orders_bias_is_proportional_to_the_rate(data):
    """c014e/c014f: halving the rate shrinks the distance of the epoch's end point from the
    least-squares solution 'by a factor that approaches 2 as the rate gets small'."""
    D = data
    once = np.random.default_rng(0).permutation(D["m"])
    dist = []
    for lr in [0.05, 0.025, 0.0125, 0.00625]:
        h = fit(D["model"], D["Xs"][once], D["ys"][once], SGD(lr=lr), batch_size=8, epochs=10,
                shuffle=False, params0=np.zeros(D["d"]))
        dist.append(np.linalg.norm(h.x - D["theta_ls"]))
    factors = np.array(dist[:-1]) / dist[1:]
    assert np.all(np.diff(factors) > 0) and 1.8 < factors[-1] < 2.0


def test_04_with_a_decaying_rate_only_the_sorted_order_stays_behind(data):
    """c014g/c014h (issue 18: 'shuffled once 3.6e-4 vs reshuffled 4.8e-4 after 10 epochs'):
    over 5 seeds the single shuffle is not worse than reshuffling, 'here it even ends a
    little lower on average'; the sorted order ends more than 5 times above every shuffled
    run."""
    D = data
    decay = lambda: gdlab.schedules.inverse_time(0.05, decay=0.005)  # noqa: E731
    runs = np.array([once_and_reshuffled(D, s, decay()) for s in range(5)])
    sorted_run = fit(D["model"], D["Xs"], D["ys"], SGD(lr=decay()), batch_size=8, epochs=10,
                     shuffle=False, params0=np.zeros(D["d"]))
    assert runs[:, 0].mean() < runs[:, 1].mean()
    assert f"{runs[:, 0].mean():.1e}" == "3.5e-04" and f"{runs[:, 1].mean():.1e}" == "4.8e-04"
    assert last_epoch(D, sorted_run) > 5 * runs.max()


def test_04_batch_size_race_over_5_seeds(data):
    """c027b/c028: every run reaches 1.5 J*; 'B = 1 ... needs more [updates] in every seed';
    the fluctuation 'falls steeply with B, in every seed'."""
    D = data
    updates, flucts = {}, {}
    for B, epochs in {1: 2, 8: 4, 32: 10, 256: 60, None: 600}.items():
        updates[B], flucts[B] = [], []
        for seed in range(5):
            h = fit(D["model"], D["X"], D["y"], SGD(lr=0.05), batch_size=B, epochs=epochs,
                    params0=np.zeros(D["d"]), seed=seed)
            loss = excess_along(D, h.path) + D["J"]
            assert np.any(loss <= 1.5 * D["J"]), f"B={B}, seed {seed} never reached the target"
            updates[B].append(int(np.argmax(loss <= 1.5 * D["J"])))
            flucts[B].append(loss[-100:].std())
    assert min(updates[1]) > max(max(updates[B]) for B in [8, 32, 256, None])
    # c028: "SGD reaches the target before it has seen a tenth of the data" (B = 1: one
    # example per update), in every seed
    assert max(updates[1]) < D["m"] / 10
    sizes = list(flucts)
    assert all(np.all(np.array(flucts[a]) > flucts[b]) for a, b in zip(sizes, sizes[1:]))


def test_04_decaying_rate_beats_both_constant_rates_in_every_seed(data):
    """c036b/c037/recap: over 5 seeds the decaying rate ends more than 100 times lower than
    constant 0.05 and below constant 0.005 in every seed; 0.005's band is more than 10 times
    lower than 0.05's, and its start several (here: more than 3) times slower; the decaying
    rate has "the best of both in every seed": it starts more than 3 times faster than
    0.005."""
    D = data
    res = {}
    for name, make in {"0.05": lambda: 0.05, "0.005": lambda: 0.005,
                       "decaying": lambda: gdlab.schedules.inverse_time(0.05, decay=0.005)}.items():
        rows = []
        for seed in range(5):
            h = fit(D["model"], D["X"], D["y"], SGD(lr=make()), batch_size=1, epochs=20,
                    params0=np.zeros(D["d"]), seed=seed)
            G = D["X"].T @ D["X"] / D["m"]
            P = h.path
            excess = (np.einsum("ij,jk,ik->i", P, G, P) - 2 * P @ (D["X"].T @ D["y"] / D["m"])
                      + D["y"] @ D["y"] / D["m"] - D["J"])
            rows.append((int(np.argmax(excess < 0.5)), excess[-D["m"]:].mean()))
        res[name] = np.array(rows)
    assert np.all(res["0.05"][:, 1] > 100 * res["decaying"][:, 1])
    assert np.all(res["decaying"][:, 1] < res["0.005"][:, 1])
    assert np.all(res["0.05"][:, 1] > 10 * res["0.005"][:, 1])
    assert np.all(res["0.005"][:, 0] > 3 * res["0.05"][:, 0])
    assert np.all(res["0.005"][:, 0] > 3 * res["decaying"][:, 0])
