"""gdlab.train: minimize and fit reach known answers, stop for the stated reasons, detect
divergence with one clear warning, and implement batch / shuffle semantics exactly."""
import math
import warnings

import numpy as np
import pytest

from gdlab import objectives
from gdlab.data import add_intercept, load_breast_cancer, make_linear, standardize
from gdlab.history import DivergenceWarning, History
from gdlab.models import (MLP, Lasso, LinearRegression, LogisticRegression,
                          MatrixFactorization)
from gdlab.optim import SGD, Adam, Newton
from gdlab.train import fit, minimize


# -- minimize: convergence table -------------------------------------------------------------
QUAD_A = np.array([[3.0, 1.0], [1.0, 2.0]])
QUAD_B = np.array([1.0, 1.0])

CONVERGENCE = [
    # (optimizer factory, objective factory, steps, tolerance on the distance to the minimizer)
    ("gd", lambda: SGD(lr=0.3), lambda: objectives.quadratic(QUAD_A, QUAD_B), 300, 1e-6),
    ("momentum", lambda: SGD(lr=0.1, momentum=0.9), lambda: objectives.quadratic(QUAD_A, QUAD_B), 300, 1e-5),
    ("adam", lambda: Adam(lr=0.05), lambda: objectives.quadratic(QUAD_A, QUAD_B), 2000, 1e-6),
    ("newton", lambda: Newton(), lambda: objectives.quadratic(QUAD_A, QUAD_B), 1, 1e-12),
    ("gd", lambda: SGD(lr=0.05), objectives.booth, 500, 1e-6),
    ("momentum", lambda: SGD(lr=0.01, momentum=0.9), objectives.booth, 600, 1e-6),
    ("nesterov", lambda: SGD(lr=0.01, momentum=0.9, nesterov=True), objectives.booth, 400, 1e-6),
    ("adam", lambda: Adam(lr=0.1), objectives.booth, 3000, 1e-6),
    ("newton", lambda: Newton(), objectives.booth, 1, 1e-12),
    ("gd", lambda: SGD(lr=1.5e-3), objectives.rosenbrock, 15000, 1e-3),
    ("momentum", lambda: SGD(lr=3e-4, momentum=0.9), objectives.rosenbrock, 8000, 1e-3),
    ("adam", lambda: Adam(lr=0.01), objectives.rosenbrock, 10000, 1e-6),
    ("newton-linesearch", lambda: Newton(line_search=True), objectives.rosenbrock, 50, 1e-8),
]


def _known_minimizer(obj):
    if obj.name.startswith("quadratic"):
        return np.linalg.solve(QUAD_A, QUAD_B)   # independent of the objective's metadata
    return {"booth": np.array([1.0, 3.0]), "rosenbrock": np.array([1.0, 1.0])}[obj.name]


@pytest.mark.parametrize("name,make_opt,make_obj,steps,atol", CONVERGENCE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONVERGENCE)])
def test_minimize_reaches_known_minimizer(name, make_opt, make_obj, steps, atol):
    obj = make_obj()
    h = minimize(obj, obj.start, make_opt(), steps=steps, tol=1e-12)
    assert not h.diverged
    np.testing.assert_allclose(h.x, _known_minimizer(obj), atol=atol)
    assert h.loss[-1] <= h.loss[0]


def test_minimize_history_shapes_and_records():
    obj = objectives.booth()
    h = minimize(obj, obj.start, SGD(lr=0.01), steps=25)
    assert isinstance(h, History)
    assert h.n_updates == 25 and h.stop_reason == "step budget exhausted"
    assert h.path.shape == (26, 2) and h.loss.shape == (26,) and h.time.shape == (26,)
    assert h.grad_norm.shape == (25,) and h.lr.shape == (25,)
    np.testing.assert_array_equal(h.path[0], obj.start)
    np.testing.assert_allclose(h.loss, [obj.f(p) for p in h.path])
    np.testing.assert_allclose(h.grad_norm, [np.linalg.norm(obj.grad(p)) for p in h.path[:-1]])
    np.testing.assert_array_equal(h.lr, 0.01)
    assert np.all(np.diff(h.time) >= 0)
    # one plain gradient step, written out here
    np.testing.assert_allclose(h.path[1], obj.start - 0.01 * obj.grad(obj.start))
    assert h.grad_evals == 25 and not h.converged
    assert "25 updates" in h.summary() and "step budget exhausted" in repr(h)
    assert h.epoch_loss.size == 0 and h.val_loss.size == 0


def test_minimize_accepts_f_grad_tuple_and_does_not_mutate_x0():
    x0 = np.array([3.0, -4.0])
    h = minimize((lambda x: float(x @ x), lambda x: 2 * x), x0, SGD(lr=0.25), steps=3)
    np.testing.assert_array_equal(x0, [3.0, -4.0])
    np.testing.assert_allclose(h.path[1], [1.5, -2.0])   # x - 0.25 * 2x = x / 2
    np.testing.assert_allclose(h.x, x0 / 8)


def test_minimize_stopping_rules():
    obj = objectives.quadratic(QUAD_A, QUAD_B)
    h = minimize(obj, obj.start, SGD(lr=0.3), steps=10_000, tol=1e-6)
    assert h.stop_reason == "gradient norm below tol" and h.converged
    assert np.linalg.norm(obj.grad(h.x)) <= 1e-6 and h.n_updates < 10_000
    assert h.grad_evals == h.n_updates + 1
    h = minimize(obj, obj.start, SGD(lr=0.3), steps=10_000, loss_tol=1e-9)
    assert h.stop_reason == "loss change below loss_tol" and h.converged
    assert abs(h.loss[-1] - h.loss[-2]) <= 1e-9
    calls = []
    h = minimize(obj, obj.start, SGD(lr=0.1), steps=100,
                 callback=lambda step, x, loss: calls.append(step) or step == 7)
    assert h.stop_reason == "stopped by callback" and h.n_updates == 7 and calls == list(range(1, 8))


def test_minimize_records_schedule_and_feeds_observe():
    class Halving:
        """Stand-in schedule: lr halves every call to observe()."""
        def __init__(self):
            self.value, self.seen = 0.1, []

        def __call__(self, step):
            return self.value

        def observe(self, loss):
            self.seen.append(loss)
            self.value /= 2

    sched = Halving()
    h = minimize(objectives.booth(), [0.0, 0.0], SGD(lr=sched), steps=4)
    np.testing.assert_allclose(h.lr, [0.1, 0.05, 0.025, 0.0125])
    np.testing.assert_allclose(sched.seen, h.loss[1:])


def test_minimize_one_dimensional_objective_and_float32():
    h = minimize(objectives.parabola(a=2.0), 3.0, SGD(lr=0.25), steps=3)
    np.testing.assert_allclose(h.x, [3.0 * 0.5 ** 3])     # x <- x - 0.25 * 2x
    h32 = minimize(objectives.parabola(a=2.0), np.array([3.0], dtype=np.float32), SGD(lr=0.25), steps=3)
    assert h32.x.dtype == np.float32


def test_newton_counts_hessians():
    obj = objectives.rosenbrock()
    h = minimize(obj, obj.start, Newton(line_search=True), steps=50, tol=1e-10)
    assert h.hess_evals == h.n_updates > 0 and h.converged


# -- divergence ----------------------------------------------------------------------------
@pytest.mark.parametrize("a", [1.0, 4.0])
def test_divergence_above_two_over_L_warns_once_with_the_limit(a):
    obj = objectives.parabola(a=a)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = minimize(obj, 1.0, SGD(lr=2.05 / a), steps=5000)
    assert h.diverged and h.stop_reason.startswith("diverged at step")
    assert not h.converged and h.n_updates < 5000
    assert [type(w.message) for w in caught] == [DivergenceWarning]   # no numpy overflow noise
    message = str(caught[0].message)
    assert f"2/L = {2 / a:.4g}" in message and f"lr = {2.05 / a:.4g}" in message
    assert f"step {h.n_updates}" in message
    assert issubclass(DivergenceWarning, RuntimeWarning)


@pytest.mark.parametrize("a", [1.0, 4.0])
def test_learning_rate_just_below_two_over_L_does_not_diverge(a):
    obj = objectives.parabola(a=a)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = minimize(obj, 1.0, SGD(lr=1.95 / a), steps=2000)
    assert not h.diverged and abs(h.x[0]) < 1e-6


def test_nan_loss_is_divergence_without_smoothness():
    # f has no smoothness attribute: the message suggests a smaller rate instead of 2/L
    with pytest.warns(DivergenceWarning, match="smaller learning rate") as record:
        h = minimize((lambda x: float(np.sum(np.exp(x ** 2))), lambda x: 2 * x * np.exp(x ** 2)),
                     np.array([1.0]), SGD(lr=1.0), steps=100)
    assert h.diverged and len(record) == 1


# -- fit: correctness --------------------------------------------------------------------------
def test_full_batch_linear_regression_matches_lstsq():
    X, y, _ = make_linear(n=300, d=3, noise=0.3, seed=2)
    h = fit(LinearRegression(), X, y, SGD(lr=0.3), epochs=400)
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(h.x, expected, atol=1e-8)
    assert h.updates_per_epoch == 1 and h.n_updates == 400
    # loss[k] is the full training loss at path[k] for full batch
    np.testing.assert_allclose(h.loss[:5], [np.mean((X @ p - y) ** 2) for p in h.path[:5]])
    assert h.epoch_loss[-1] == pytest.approx(np.mean((X @ h.x - y) ** 2))
    assert "epochs: 400 (1 update each)" in h.summary()


def test_minimum_norm_solution_for_duplicate_columns():
    # the lesson-03 example: identical columns, descent from 0 ends at the pseudo-inverse answer
    X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    y = np.array([1.0, 2.0, 3.0])
    h = fit(LinearRegression(), X, y, SGD(lr=0.01), epochs=1000, params0=np.zeros(2))
    np.testing.assert_allclose(h.x, np.linalg.pinv(X) @ y, atol=1e-6)
    np.testing.assert_allclose(h.x, [0.5, 0.5], atol=1e-6)


def test_minibatch_sgd_gets_close_to_lstsq():
    X, y, theta = make_linear(n=1000, d=4, noise=0.1, seed=0)
    h = fit(LinearRegression(), X, y, SGD(lr=0.05), batch_size=32, epochs=20, seed=1)
    np.testing.assert_allclose(h.x, np.linalg.lstsq(X, y, rcond=None)[0], atol=0.02)


class Recorder:
    """A model stand-in without the fast private path: records every batch it sees."""
    def __init__(self):
        self.batches = []

    def init_params(self, seed=0, n_features=None):
        return np.zeros(1)

    def loss(self, params, X, y):
        return 0.5 * float(params @ params) + 1.0

    def grad(self, params, X, y):
        self.batches.append((X.copy(), y.copy()))
        return params.copy() + 1.0


def _epochs(rec, m, B):
    per_epoch = math.ceil(m / B)
    ys = [b[1] for b in rec.batches]
    return [np.concatenate(ys[i:i + per_epoch]) for i in range(0, len(ys), per_epoch)]


@pytest.mark.parametrize("m,B", [(10, 1), (10, 3), (10, 10), (10, None), (17, 4), (64, 32),
                                 (1000, 7), (1000, 100), (1000, 300)])  # several gather chunks
def test_updates_per_epoch_and_batch_sizes(m, B):
    X = np.column_stack([np.arange(m), -np.arange(m)]).astype(float)
    y = np.arange(m, dtype=float)
    rec = Recorder()
    h = fit(rec, X, y, SGD(lr=0.01), batch_size=B, epochs=3)
    b = m if B is None else B
    assert h.updates_per_epoch == math.ceil(m / b) and h.n_updates == 3 * math.ceil(m / b)
    sizes = [len(batch[1]) for batch in rec.batches[:h.updates_per_epoch]]
    assert sizes == [b] * (m // b) + ([m % b] if m % b else [])
    assert h.examples_seen == 3 * m
    for Xb, yb in rec.batches:               # X and y rows travel together
        np.testing.assert_array_equal(Xb[:, 0], yb)
        np.testing.assert_array_equal(Xb[:, 1], -yb)
    for order in _epochs(rec, m, b):         # every epoch visits every example once
        assert sorted(order.tolist()) == list(range(m))


def test_shuffling_changes_each_epoch_and_is_reproducible():
    m = 50
    X = np.arange(m, dtype=float)[:, None]
    y = np.arange(m, dtype=float)
    runs = {}
    for key, seed in [("a", 3), ("b", 3), ("c", 4)]:
        rec = Recorder()
        fit(rec, X, y, SGD(lr=0.01), batch_size=5, epochs=3, seed=seed)
        runs[key] = _epochs(rec, m, 5)
    a, b, c = runs["a"], runs["b"], runs["c"]
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea, eb)                 # same seed, same orders
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])  # new order per epoch
    assert not np.array_equal(a[0], np.arange(m))             # actually shuffled
    assert not np.array_equal(a[0], c[0])                     # seed matters
    rec = Recorder()
    fit(rec, X, y, SGD(lr=0.01), batch_size=5, epochs=2, shuffle=False)
    for order in _epochs(rec, m, 5):
        np.testing.assert_array_equal(order, np.arange(m))


def test_validation_clip_and_callback_early_stopping():
    X, y, _ = make_linear(n=200, d=3, seed=0)
    Xv, yv, _ = make_linear(n=50, d=3, seed=1)
    seen = []

    def stop_after_three(epoch, params, train_loss, val_loss):
        seen.append((epoch, train_loss, val_loss))
        return epoch == 2

    h = fit(LinearRegression(), X, y, SGD(lr=0.1), batch_size=20, epochs=10,
            validation=(Xv, yv), clip_norm=0.5, callback=stop_after_three)
    assert h.stop_reason == "stopped by callback" and h.epochs == 3 and len(h.epoch_loss) == 3
    assert len(h.val_loss) == 3
    np.testing.assert_allclose(h.val_loss[-1], np.mean((Xv @ h.x - yv) ** 2))
    assert [s[0] for s in seen] == [0, 1, 2]
    steps = np.linalg.norm(np.diff(h.path, axis=0), axis=1)
    assert np.all(steps <= 0.1 * 0.5 + 1e-12)       # clipped: each move is at most lr * clip_norm
    assert np.any(h.grad_norm > 0.5)                # grad_norm is recorded before clipping


def test_fit_feeds_schedule_observe_once_per_epoch():
    class Recording:
        def __init__(self):
            self.seen = []

        def __call__(self, step):
            return 0.05

        def observe(self, loss):
            self.seen.append(loss)

    sched = Recording()
    X, y, _ = make_linear(n=60, d=2, seed=0)
    h = fit(LinearRegression(), X, y, SGD(lr=sched), batch_size=10, epochs=4)
    np.testing.assert_allclose(sched.seen, h.epoch_loss)


def test_fit_tol_stops_full_batch():
    X, y, _ = make_linear(n=100, d=2, seed=0)
    h = fit(LinearRegression(), X, y, SGD(lr=0.2), epochs=10_000, tol=1e-8)
    assert h.converged and h.stop_reason == "gradient norm below tol"
    assert np.linalg.norm(LinearRegression().grad(h.x, X, y)) <= 1e-8


def test_fit_divergence_names_two_over_L():
    X, y, _ = make_linear(n=100, d=2, seed=0)
    L = np.linalg.eigvalsh(2 / 100 * X.T @ X).max()   # Hessian of the MSE, computed here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = fit(LinearRegression(), X, y, SGD(lr=2.2 / L), epochs=500)
    assert h.diverged and [type(w.message) for w in caught] == [DivergenceWarning]
    assert f"2/L = {2 / L:.4g}" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = fit(LinearRegression(), X, y, SGD(lr=1.9 / L), epochs=500)
    assert not h.diverged


def test_record_path_off_and_float_records():
    X, y, _ = make_linear(n=64, d=2, seed=0)
    h = fit(LinearRegression(), X, y, SGD(lr=0.05), batch_size=8, epochs=2, record_path=False)
    assert h.path is None and h.loss.shape == (17,) and h.n_updates == 16


# -- fit: models from the course ------------------------------------------------------------
def test_proximal_lasso_gives_exact_zeros_and_subgradient_does_not():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 8))
    theta = np.array([3.0, -2.0, 0, 0, 0, 0, 0, 1.5])
    y = X @ theta + 0.1 * rng.normal(size=200)
    prox = fit(Lasso(0.1, method="proximal"), X, y, SGD(lr=0.05), epochs=300)
    sub = fit(Lasso(0.1, method="subgradient"), X, y, SGD(lr=0.05), epochs=300)
    zeros = np.flatnonzero(prox.x == 0.0)
    assert set(zeros.tolist()) == {2, 3, 4, 5, 6}
    assert np.count_nonzero(sub.x == 0.0) == 0
    assert np.abs(sub.x[2:7]).max() < 0.05          # near zero, but not zero
    assert prox.loss[-1] <= sub.loss[-1] + 1e-6


def test_logistic_regression_on_breast_cancer_after_standardizing():
    ds = load_breast_cancer()
    Xs, _, _ = standardize(ds.X)
    X = add_intercept(Xs)
    model = LogisticRegression(intercept=True)
    h = fit(model, X, ds.y, SGD(lr=0.5), batch_size=64, epochs=50, seed=0)
    assert model.accuracy(h.x, X, ds.y) > 0.95
    assert h.epoch_loss[-1] < h.epoch_loss[0]


def test_matrix_factorization_loss_decreases():
    from gdlab.data import make_ratings, ratings_to_pairs
    R = make_ratings(n_users=30, n_items=25, rank=2, density=0.4, noise=0.05, seed=0)
    X, y = ratings_to_pairs(R)
    model = MatrixFactorization(30, 25, rank=2, reg=1e-4, init_scale=0.3)
    params0 = model.init_params(seed=0)
    centred = y - 3.0
    # reference loss at the start: mean squared error of the initial factors, plus the penalty
    U0, V0 = params0[:60].reshape(30, 2), params0[60:].reshape(25, 2)
    start = np.mean((np.sum(U0[X[:, 0]] * V0[X[:, 1]], axis=1) - centred) ** 2) \
        + 1e-4 * np.sum(params0 ** 2)
    h = fit(model, X, centred, SGD(lr=0.2, momentum=0.9), batch_size=16, epochs=60,
            params0=params0)
    assert h.epoch_loss[-1] < 0.05 * start
    assert np.all(np.diff(h.epoch_loss[:5]) < 0)
    # the observed ratings are fitted to about the noise level (std 0.05 -> MSE 0.0025)
    assert np.mean((model.predict(h.x, X) - centred) ** 2) < 0.01


def test_mlp_learns_xor():
    rng = np.random.default_rng(0)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    labels = np.array([0, 1, 1, 0])
    idx = rng.integers(0, 4, size=200)
    X = corners[idx] + rng.normal(0, 0.1, size=(200, 2))
    y = labels[idx]
    net = MLP([2, 8, 1], activation="tanh", task="classification")
    h = fit(net, X, y, Adam(lr=0.05), batch_size=32, epochs=100, seed=0)
    assert net.accuracy(h.x, X, y) == 1.0
    np.testing.assert_array_equal(net.predict(h.x, corners), labels)


# -- errors -------------------------------------------------------------------------------------
_X, _y, _ = make_linear(n=20, d=2, seed=0)

ERRORS = [
    (lambda: fit(LinearRegression(), _X, _y[:15], SGD(lr=0.1)), ValueError, "20 rows but y has 15"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), batch_size=0), ValueError, "Invalid batch_size: 0"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), batch_size=21), ValueError,
     r"Invalid batch_size: 21 .*m = 20"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), batch_size=2.5), TypeError,
     r"^Invalid batch_size: 2.5 \(must be an integer in \[1, 20\], not float; m = 20 examples, or None"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), epochs=0), ValueError, "Invalid epochs: 0"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), params0=[np.nan, 0, 0]), ValueError, "finite"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), params0=np.zeros(4)), ValueError,
     "4 entries but X has 3 columns"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), clip_norm=0), ValueError, "Invalid clip_norm: 0"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), tol=-1), ValueError, "Invalid tol: -1"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), validation=_X), TypeError, r"\(X_val, y_val\)"),
    (lambda: fit(LinearRegression(), _X, _y, SGD(lr=0.1), validation=(_X[:, :2], _y)), ValueError,
     "3 entries but X has 2 columns"),
    (lambda: fit(LinearRegression(), _X, _y, Newton()), TypeError, "needs a Hessian"),
    (lambda: fit(LinearRegression(), _X, _y, "sgd"), TypeError, r"step\(x, grad\)"),
    (lambda: fit(object(), _X, _y, SGD(lr=0.1)), TypeError, "loss.*grad"),
    (lambda: fit(LinearRegression(), _X, _y[:, None], SGD(lr=0.1)), ValueError, "column vector"),
    (lambda: fit(LinearRegression(), _X[:, 1], _y, SGD(lr=0.1)), ValueError, r"reshape\(-1, 1\)"),
    (lambda: minimize(objectives.booth(), [np.inf, 0.0], SGD(lr=0.1)), ValueError, "x0 must be finite"),
    (lambda: minimize(objectives.booth(), [1.0, 2.0, 3.0], SGD(lr=0.1)), ValueError,
     "3 entries but the objective is 2-dimensional"),
    (lambda: minimize(objectives.booth(), [[1.0, 2.0]], SGD(lr=0.1)), ValueError, r"shape \(d,\)"),
    (lambda: minimize(objectives.booth(), [1.0, 2.0], SGD(lr=0.1), steps=-1), ValueError, "Invalid steps: -1"),
    (lambda: minimize(objectives.booth(), [1.0, 2.0], SGD(lr=0.1), loss_tol=-0.5), ValueError,
     "Invalid loss_tol: -0.5"),
    (lambda: minimize(objectives.booth(), [1.0, 2.0], SGD(lr=0.1), max_loss=0), ValueError, "Invalid max_loss"),
    (lambda: minimize(lambda x: x, [1.0], SGD(lr=0.1)), TypeError, r"\.f and \.grad"),
    (lambda: minimize((lambda x: float(x @ x), lambda x: 2 * x), [1.0], Newton()), TypeError,
     "needs the Hessian"),
    (lambda: minimize(objectives.booth(), [1.0, 2.0], SGD(lr=0.1), callback=3), TypeError, "callback"),
]


@pytest.mark.parametrize("call,exc,match", ERRORS)
def test_bad_input_gives_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
