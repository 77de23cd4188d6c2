"""The facts lesson 07's text relies on, recomputed with gdlab.

The notebook prints these numbers (nbval pins the printed, rounded values); the claims the
prose makes about them ("many orders of magnitude", "about a hundred times more steps",
"Nesterov oscillates less", ...) are asserted here, each next to the experiment that shows
it, so a change in gdlab that breaks a sentence of the lesson fails a test, not a reader.
"""
import warnings

import numpy as np
import pytest

import gdlab
from gdlab.checks import get_exercise, lesson07

# Each test recomputes a lesson's experiment (seconds each): part of the full suite, not
# of the quick loop (CONTRIBUTING.md).
pytestmark = pytest.mark.slow

X0 = np.array([-2.5, 1.5])   # the lesson's start point on its quadratic bowls


def steps_to(objective, optimizer, factor=1e-10, max_steps=20000):
    f_stop = factor * float(objective.f(X0))
    h = gdlab.train.minimize(objective, X0, optimizer, steps=max_steps,
                             callback=lambda step, x, loss: loss < f_stop)
    return h.n_updates


# ------------------------------------------------------------------ 1 · heavy-ball momentum
def test_momentum_ends_many_orders_of_magnitude_below_gd_and_swings():
    bowl = gdlab.objectives.ill_conditioned(50, angle=np.pi / 6)
    gd = gdlab.train.minimize(bowl, X0, gdlab.optim.SGD(lr=0.035), steps=150)
    hb = gdlab.train.minimize(bowl, X0, gdlab.optim.SGD(lr=0.035, momentum=0.7), steps=150)
    assert np.log10(gd.loss[-1] / hb.loss[-1]) > 10
    assert not np.any(np.diff(gd.loss) > 0)        # GD's loss is monotone here
    assert np.sum(np.diff(hb.loss) > 0) > 20       # the heavy ball rolls past the bottom


def test_steps_grow_like_kappa_for_gd_and_sqrt_kappa_for_heavy_ball():
    kappas = [10, 100, 1000]
    gd, hb = [], []
    for kappa in kappas:
        obj = gdlab.objectives.ill_conditioned(kappa, angle=np.pi / 6)
        L, mu = obj.smoothness, obj.strong_convexity
        gd.append(steps_to(obj, gdlab.optim.SGD(lr=2 / (L + mu))))
        beta = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
        hb.append(steps_to(obj, gdlab.optim.SGD(lr=4 / (np.sqrt(L) + np.sqrt(mu)) ** 2,
                                                momentum=beta)))
    slope_gd = np.polyfit(np.log(kappas), np.log(gd), 1)[0]
    slope_hb = np.polyfit(np.log(kappas), np.log(hb), 1)[0]
    assert abs(slope_gd - 1) < 0.15 and abs(slope_hb - 0.5) < 0.15
    # "about a hundred times more steps ... momentum only about twelve times more"
    assert 50 < gd[-1] / gd[0] < 200 and 5 < hb[-1] / hb[0] < 20


def test_classical_and_torch_momentum_give_the_same_iterates():
    bowl = gdlab.objectives.ill_conditioned(50, angle=np.pi / 6)
    lr, beta = 0.02, 0.9
    torch_path = gdlab.train.minimize(bowl, X0, gdlab.optim.SGD(lr=lr, momentum=beta),
                                      steps=40).path
    x, v, path = X0.copy(), np.zeros(2), [X0.copy()]
    for _ in range(40):
        v = beta * v + (1 - beta) * bowl.grad(x)
        x = x - lr / (1 - beta) * v
        path.append(x)
    assert np.allclose(torch_path, path)


# ------------------------------------------------------------------ 2 · Nesterov
def test_nesterov_oscillates_less_than_heavy_ball():
    bowl100 = gdlab.objectives.ill_conditioned(100, angle=np.pi / 6)
    ups, final = {}, {}
    for nesterov in (False, True):
        h = gdlab.train.minimize(bowl100, X0, gdlab.optim.SGD(lr=0.01, momentum=0.9,
                                                              nesterov=nesterov), steps=300)
        ups[nesterov] = int(np.sum(np.diff(h.loss) > 0))
        final[nesterov] = h.loss[-1]
    assert ups[True] < ups[False]
    assert final[True] < final[False]        # "went up in fewer steps and ended lower"


# ------------------------------------------------------------------ exercise 07-choose-momentum
BOWL100 = gdlab.objectives.ill_conditioned(100, angle=np.pi / 6)


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.669, 0.78, 0.81, 0.825, 0.85, 0.9, 0.95])
def test_the_checks_own_count_agrees_with_gdlab(mu):
    # the check counts in eigen-coordinates with plain floats; gdlab runs the real bowl
    assert lesson07.heavy_ball_steps(mu) == steps_to(BOWL100, gdlab.optim.SGD(lr=0.01,
                                                                              momentum=mu))


def test_budget_admits_a_window_around_polyaks_momentum_and_not_the_usual_values():
    budget = lesson07.MOMENTUM_BUDGET
    beta = max((1 - np.sqrt(0.01 * lam)) ** 2 for lam in (1.0, 100.0))
    assert beta == pytest.approx(0.81)
    assert steps_to(BOWL100, gdlab.optim.SGD(lr=0.01, momentum=beta)) <= budget
    inside = [mu for mu in np.arange(0.70, 0.95, 0.005)
              if steps_to(BOWL100, gdlab.optim.SGD(lr=0.01, momentum=mu), max_steps=400)
              <= budget]
    # one window, wide enough to find with a coarse grid, narrow enough to need measuring
    assert 0.04 <= inside[-1] - inside[0] <= 0.12
    assert len(inside) == round((inside[-1] - inside[0]) / 0.005) + 1
    for habit in (0.9, ((np.sqrt(100) - 1) / (np.sqrt(100) + 1)) ** 2, 0.0):
        assert steps_to(BOWL100, gdlab.optim.SGD(lr=0.01, momentum=habit)) > budget


# ------------------------------------------------------------------ 3 · AdaGrad and RMSprop
def test_adaptive_methods_beat_gd_on_a_badly_scaled_bowl():
    scaled = gdlab.objectives.quadratic(np.diag([100.0, 1.0]))
    start = np.array([1.0, 4.0])
    final = {name: gdlab.train.minimize(scaled, start, opt, steps=200).loss[-1]
             for name, opt in [("gd", gdlab.optim.SGD(lr=0.015)),
                               ("adagrad", gdlab.optim.Adagrad(lr=0.5)),
                               ("rmsprop", gdlab.optim.RMSprop(lr=0.05))]}
    assert final["adagrad"] < 1e-4 * final["gd"] and final["rmsprop"] < 1e-4 * final["gd"]


def _steady_gradient_steps(opt, n=1000):
    slope = (lambda x: x[0], lambda x: np.ones(1))
    h = gdlab.train.minimize(slope, np.zeros(1), opt, steps=n, max_loss=np.inf)
    return -np.diff(h.path[:, 0])


def test_adagrad_keeps_shrinking_and_rmsprop_settles():
    ada = _steady_gradient_steps(gdlab.optim.Adagrad(lr=0.1))
    rms = _steady_gradient_steps(gdlab.optim.RMSprop(lr=0.1))
    t = np.arange(1, 1001)
    assert np.allclose(ada, 0.1 / np.sqrt(t), rtol=1e-6)          # lr / sqrt(t)
    assert rms[0] == pytest.approx(1.0, rel=1e-6)                 # 10 lr at the first step
    assert rms[-1] == pytest.approx(0.1, rel=1e-3) and ada[-1] < 0.01


@pytest.mark.parametrize("g, k, lr, alpha, eps", [
    (1.0, 1, 0.1, 0.99, 1e-8), (1.0, 10, 0.1, 0.99, 1e-8), (-3.0, 7, 0.05, 0.9, 1e-6),
    (0.002, 40, 0.5, 0.95, 1e-8)])
def test_the_checks_prediction_is_what_the_optimizers_do(g, k, lr, alpha, eps):
    slope = (lambda x: g * x[0], lambda x: np.array([g]))
    moves = []
    for opt in (gdlab.optim.Adagrad(lr=lr, eps=eps), gdlab.optim.RMSprop(lr=lr, alpha=alpha,
                                                                         eps=eps)):
        h = gdlab.train.minimize(slope, np.zeros(1), opt, steps=k, max_loss=np.inf)
        moves.append(h.path[k, 0] - h.path[k - 1, 0])
    predicted = get_exercise("07-adaptive-steps").reference(g, k, lr, alpha, eps)
    assert np.allclose(moves, predicted, rtol=1e-9, atol=0)


# ------------------------------------------------------------------ 4 · Adam's bias correction
def test_the_efficient_form_differs_from_torchs_only_through_eps():
    # Lesson 07, exercise 4: Kingma & Ba's "efficient" form equals torch's form with eps
    # replaced by eps / sqrt(1 - beta2**t) ("about 32 eps at t = 1"); with the default eps and
    # gradients of order 1 the steps agree to better than 1e-6 of their length.
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 1e-3
    assert round(1 / np.sqrt(1 - b2)) == 32
    rng = np.random.default_rng(0)
    m = v = np.zeros(1000)
    worst = 0.0
    for t in range(1, 201):
        g = rng.choice([-1.0, 1.0], size=1000) * rng.uniform(0.5, 2.0, size=1000)   # order 1
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        torch = lr * m_hat / (np.sqrt(v_hat) + eps)
        efficient = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
        assert np.allclose(efficient, lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2 ** t)),
                           rtol=1e-12, atol=0)
        worst = max(worst, float(np.max(np.abs(efficient - torch) / np.abs(torch))))
    assert 0 < worst < 1e-6


def test_bias_correction_makes_every_step_lr_long():
    steps = _steady_gradient_steps(gdlab.optim.Adam(lr=1e-3), n=3000) / 1e-3
    assert np.allclose(steps, 1.0, rtol=1e-4)

    def uncorrected(n, correct_m, correct_v, b1=0.9, b2=0.999):
        m = v = 0.0
        out = []
        for t in range(1, n + 1):
            m, v = b1 * m + (1 - b1), b2 * v + (1 - b2)
            out.append((m / (1 - b1 ** t) if correct_m else m) /
                       np.sqrt(v / (1 - b2 ** t) if correct_v else v))
        return np.array(out)

    assert uncorrected(1, False, True)[0] == pytest.approx(0.1)       # "tiny (0.1 lr)"
    assert uncorrected(1, True, False)[0] == pytest.approx(np.sqrt(1000))
    neither = uncorrected(300, False, False)
    assert 5 < neither.max() < 7                                       # "up to about 6x"


# ------------------------------------------------------------------ 5 · L2 inside Adam vs AdamW
@pytest.fixture(scope="module")
def weight_decay_runs():
    rng = np.random.default_rng(0)
    m_rows = 400
    X = rng.normal(size=(m_rows, 3)) * np.array([0.1, 1.0, 10.0])
    y = X @ np.ones(3) + rng.normal(size=m_rows)
    model = gdlab.models.LinearRegression()

    def tail_average(optimizer):
        h = gdlab.train.fit(model, X, y, optimizer, batch_size=16, epochs=80,
                            params0=np.zeros(3), seed=0)
        return h.path[-20 * h.updates_per_epoch:].mean(axis=0)

    adamw = gdlab.optim.AdamW(lr=0.01, weight_decay=1.0)
    ends = {"gd+l2": tail_average(gdlab.optim.SGD(lr=0.004, weight_decay=1.0)),
            "adam": tail_average(gdlab.optim.Adam(lr=0.01)),
            "adam+l2": tail_average(gdlab.optim.Adam(lr=0.01, weight_decay=1.0)),
            "adamw": tail_average(adamw)}
    H = 2 / m_rows * X.T @ X
    b = 2 / m_rows * X.T @ y
    sqrt_v_hat = np.sqrt(adamw.state["exp_avg_sq"] / (1 - adamw.betas[1] ** adamw.t))
    fixed = {"ridge": np.linalg.solve(H + np.eye(3), b),
             "adamw": np.linalg.solve(H + np.diag(sqrt_v_hat), b)}
    return ends, fixed, sqrt_v_hat, tail_average


def test_l2_runs_end_at_ridge_and_adamw_at_its_own_fixed_point(weight_decay_runs):
    ends, fixed, sqrt_v_hat, _ = weight_decay_runs
    assert np.max(np.abs(ends["gd+l2"] - fixed["ridge"])) < 0.002
    assert np.max(np.abs(ends["adam+l2"] - fixed["ridge"])) < 0.002
    assert np.max(np.abs(ends["adam+l2"] - ends["gd+l2"])) < 0.001   # 07-why-adamw's "A" message
    # 07-why-adamw's option C: the per-weight penalty grows with the gradient's size ...
    assert sqrt_v_hat[0] < 0.3 and 30 < sqrt_v_hat[2] < 100
    # ... and predicts AdamW's end point "to about 0.01" (option D's refutation)
    assert np.max(np.abs(ends["adamw"] - fixed["adamw"])) < 0.02
    assert np.max(np.abs(ends["adamw"] - fixed["ridge"])) > 0.15


def test_adamw_shrinks_the_large_gradient_weight_more_and_the_small_one_less(
        weight_decay_runs):
    ends, *_ = weight_decay_runs
    l2 = ends["adam+l2"] / ends["adam"]
    w = ends["adamw"] / ends["adam"]
    assert w[2] < l2[2] - 0.1 and w[0] > l2[0] + 0.05


def test_l2_pulls_the_large_gradient_weight_hundreds_of_times_more_weakly(weight_decay_runs):
    # c026b: "a weight with large gradients is pulled hundreds of times more weakly"
    *_, tail_average = weight_decay_runs
    adam_l2 = gdlab.optim.Adam(lr=0.01, weight_decay=1.0)
    tail_average(adam_l2)
    v_hat = adam_l2.state["exp_avg_sq"] / (1 - adam_l2.betas[1] ** adam_l2.t)
    pull = 0.01 / np.sqrt(v_hat)
    assert 100 < pull[0] / pull[2] < 1000


def test_the_fixed_lr_is_a_third_of_section_1s_tuned_rate():
    # c015f: "a third of section 1's tuned learning rate (0.01 instead of 0.033)"
    bowl100 = gdlab.objectives.ill_conditioned(100, angle=np.pi / 6)
    tuned = 4 / (np.sqrt(bowl100.smoothness) + np.sqrt(bowl100.strong_convexity)) ** 2
    assert round(tuned, 3) == 0.033 and 2.5 < tuned / 0.01 < 3.5


def test_learning_rate_moves_adamw_but_not_where_a_converged_l2_run_ends(weight_decay_runs):
    ends, fixed, _, tail_average = weight_decay_runs
    l2_fast = tail_average(gdlab.optim.Adam(lr=0.1, weight_decay=1.0))
    assert np.max(np.abs(l2_fast - fixed["ridge"])) < 0.002     # "within 0.002 of it at lr = 0.1"
    adamw_slow = tail_average(gdlab.optim.AdamW(lr=0.001, weight_decay=1.0))
    assert np.max(np.abs(adamw_slow - ends["adamw"])) > 0.1


# ------------------------------------------------------------------ 6 · the race
@pytest.fixture(scope="module")
def race():
    settings = {"rosenbrock": (1e-3, 1e-3, 1e-3), "beale": (1e-2, 1e-3, 1e-3),
                "saddle": (1e-2, 1e-2, -1.0)}
    reached = {}
    for surface, (gd_lr, mom_lr, target) in settings.items():
        obj = gdlab.objectives.get(surface)
        for name, opt in {"GD": gdlab.optim.SGD(lr=gd_lr),
                          "momentum": gdlab.optim.SGD(lr=mom_lr, momentum=0.9),
                          "AdaGrad": gdlab.optim.Adagrad(lr=0.5),
                          "RMSprop": gdlab.optim.RMSprop(lr=0.01),
                          "Adam": gdlab.optim.Adam(lr=0.05)}.items():
            h = gdlab.train.minimize(obj, obj.start, opt, steps=1000)
            hit = np.flatnonzero(h.loss < target)
            reached[surface, name] = int(hit[0]) if hit.size else None
    return reached


def test_race_claims(race):
    assert race["rosenbrock", "GD"] is None and race["rosenbrock", "momentum"] is not None
    assert all(race["rosenbrock", n] is None for n in ("AdaGrad", "RMSprop", "Adam"))
    assert race["saddle", "Adam"] < race["saddle", "momentum"] < race["saddle", "GD"]
    assert race["saddle", "AdaGrad"] < 10
    assert max(race["saddle", n] for n in ("RMSprop", "Adam")) < 50
    assert race["saddle", "GD"] > 100                      # "hundreds of steps"


def test_momentum_with_the_full_lr_diverges_on_beale():
    beale = gdlab.objectives.beale()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = gdlab.train.minimize(beale, beale.start, gdlab.optim.SGD(lr=1e-2, momentum=0.9),
                                 steps=1000)
    assert h.stop_reason.startswith("diverged")
