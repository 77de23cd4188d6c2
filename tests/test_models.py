"""gdlab.models: every gradient against finite differences, losses against formulas written
out here, and the shape/label errors a learner is likely to hit."""
import numpy as np
import pytest

from gdlab import models
from gdlab.models import (MLP, Lasso, LinearRegression, LinearSVM, LogisticRegression,
                          MatrixFactorization, Ridge, soft_threshold)


def numerical_grad(f, x, eps=1e-6):
    """Central differences, one coordinate at a time (the independent reference)."""
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def rel_err(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)


rng0 = np.random.default_rng(42)
X = rng0.normal(size=(25, 4))
y_reg = rng0.normal(size=25)
y01 = (rng0.random(25) < 0.5).astype(float)
ypm = 2 * y01 - 1


def _linear_cases():
    return [
        ("linear", LinearRegression(), y_reg),
        ("ridge", Ridge(0.7), y_reg),
        ("ridge-intercept", Ridge(0.7, intercept=True), y_reg),
        ("lasso-subgradient", Lasso(0.3, method="subgradient"), y_reg),
        ("lasso-proximal", Lasso(0.3, method="proximal"), y_reg),
        ("logistic", LogisticRegression(), y01),
        ("logistic-l2", LogisticRegression(alpha=0.5, intercept=True), y01),
        ("svm", LinearSVM(0.2), ypm),
        ("svm-intercept", LinearSVM(0.2, intercept=True), ypm),
    ]


@pytest.mark.parametrize("name,model,y", _linear_cases(), ids=[c[0] for c in _linear_cases()])
def test_linear_model_gradients_match_finite_differences(name, model, y):
    rng = np.random.default_rng(1)
    for _ in range(3):
        theta = rng.normal(size=4)   # generic point: no coefficient at 0, no margin exactly 1
        if name == "lasso-proximal":
            # grad is the smooth part only; the L1 term is handled by prox
            f = lambda t: np.mean((X @ t - y) ** 2)
        else:
            f = lambda t: model.loss(t, X, y)
        num = numerical_grad(f, theta)
        assert rel_err(model.grad(theta, X, y), num) < 1e-7


def test_linear_regression_loss_and_grad_formulas():
    model = LinearRegression()
    theta = np.array([0.5, -1.0, 2.0, 0.0])
    r = X @ theta - y_reg
    assert model.loss(theta, X, y_reg) == pytest.approx(np.sum(r ** 2) / 25)
    np.testing.assert_allclose(model.grad(theta, X, y_reg), 2 / 25 * X.T @ r)
    value, g = model.loss_and_grad(theta, X, y_reg)
    assert value == pytest.approx(model.loss(theta, X, y_reg))
    np.testing.assert_allclose(g, model.grad(theta, X, y_reg))


def test_linear_regression_smoothness_is_largest_hessian_eigenvalue():
    H = 2 / 25 * X.T @ X
    assert LinearRegression().smoothness(X) == pytest.approx(np.linalg.eigvalsh(H).max())
    assert Ridge(0.5).smoothness(X) == pytest.approx(np.linalg.eigvalsh(H).max() + 1.0)
    # logistic: the Hessian X^T diag(p(1-p)) X / m is largest when every p = 1/2
    H_logistic = X.T @ X / (4 * 25)
    assert LogisticRegression(alpha=0.1).smoothness(X) == pytest.approx(
        np.linalg.eigvalsh(H_logistic).max() + 0.1)


def test_ridge_gradient_vanishes_at_closed_form_solution():
    alpha = 0.4
    P = np.eye(4)
    P[0, 0] = 0.0  # intercept column unpenalised
    theta_star = np.linalg.solve(X.T @ X / 25 + alpha * P, X.T @ y_reg / 25)
    g = Ridge(alpha, intercept=True).grad(theta_star, X, y_reg)
    assert np.linalg.norm(g) < 1e-10


def test_logistic_loss_matches_cross_entropy_and_is_stable():
    model = LogisticRegression()
    theta = np.array([0.3, -0.2, 0.1, 0.5])
    p = 1 / (1 + np.exp(-(X @ theta)))
    ce = -np.mean(y01 * np.log(p) + (1 - y01) * np.log(1 - p))
    assert model.loss(theta, X, y01) == pytest.approx(ce, rel=1e-12)
    # A huge score on the wrong side: the naive formula gives log(0) = -inf; ours gives ~1000.
    Xbig = np.array([[1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert model.loss(np.array([1.0]), Xbig, np.array([0.0])) == pytest.approx(1000.0)
        assert model.loss(np.array([1.0]), Xbig, np.array([1.0])) == pytest.approx(0.0, abs=1e-300)
        assert np.all(np.isfinite(model.grad(np.array([1.0]), -Xbig, np.array([1.0]))))
    np.testing.assert_allclose(model.predict_proba(theta, X), p)
    np.testing.assert_array_equal(model.predict(theta, X), (p > 0.5).astype(int))


def test_svm_hinge_loss_and_subgradient_by_hand():
    model = LinearSVM(lam=0.0)
    Xs = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    ys = np.array([1.0, -1.0, 1.0])
    theta = np.array([2.0, 0.5])
    # margins: 2.0 (inactive), -0.5 (hinge 1.5), 2.5 (inactive)
    assert model.loss(theta, Xs, ys) == pytest.approx(1.5 / 3)
    # only example 2 is active: -(1/m) * y_2 * x_2 = -(1/3) * (-1) * [0, 1]
    np.testing.assert_allclose(model.grad(theta, Xs, ys), np.array([0.0, 1.0]) / 3)
    np.testing.assert_array_equal(model.predict(theta, Xs), [1, 1, 1])
    assert model.accuracy(theta, Xs, ys) == pytest.approx(2 / 3)


@pytest.mark.parametrize("x,t,expected", [
    ([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0], 1.0, [-2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]),
    ([2.5, -2.5], 0.0, [2.5, -2.5]),
    ([0.2, -0.3], 10.0, [0.0, 0.0]),
])
def test_soft_threshold_table(x, t, expected):
    out = soft_threshold(np.array(x), t)
    np.testing.assert_array_equal(out, expected)


def test_soft_threshold_rejects_negative_threshold():
    with pytest.raises(ValueError, match="Invalid threshold t: -1"):
        soft_threshold(np.ones(3), -1.0)


def test_lasso_prox_is_soft_thresholding_and_keeps_intercept():
    theta = np.array([0.05, -2.0, 0.3, 0.01])
    out = Lasso(2.0, intercept=True).prox(theta, 0.1)      # threshold 0.2
    np.testing.assert_allclose(out, [0.05, -1.8, 0.1, 0.0])
    assert out[3] == 0.0
    np.testing.assert_array_equal(theta, [0.05, -2.0, 0.3, 0.01])  # input untouched


def test_lasso_loss_includes_l1_penalty_both_methods():
    theta = np.array([1.0, -2.0, 0.0, 0.5])
    mse = np.mean((X @ theta - y_reg) ** 2)
    for method in ("subgradient", "proximal"):
        assert Lasso(0.3, method=method).loss(theta, X, y_reg) == pytest.approx(mse + 0.3 * 3.5)


def test_matrix_factorization_gradient_and_formula():
    mf = MatrixFactorization(5, 6, rank=2, reg=0.05, init_scale=0.5)
    rng = np.random.default_rng(3)
    pairs = np.column_stack([rng.integers(0, 5, 40), rng.integers(0, 6, 40)])  # repeats included
    r = rng.normal(3, 1, size=40)
    params = mf.init_params(seed=7)
    assert params.shape == (mf.n_params,) == ((5 + 6) * 2,)
    num = numerical_grad(lambda p: mf.loss(p, pairs, r), params)
    assert rel_err(mf.grad(params, pairs, r), num) < 1e-7
    U, V = mf.unpack(params)
    pred = np.array([U[u] @ V[i] for u, i in pairs])
    expected = np.mean((pred - r) ** 2) + 0.05 * (np.sum(U ** 2) + np.sum(V ** 2))
    assert mf.loss(params, pairs, r) == pytest.approx(expected)
    np.testing.assert_allclose(mf.predict(params, pairs), pred)
    np.testing.assert_allclose(mf.predict_matrix(params), U @ V.T)
    np.testing.assert_array_equal(mf.pack(U, V), params)
    np.testing.assert_array_equal(mf.init_params(seed=7), params)       # seeded
    assert not np.array_equal(mf.init_params(seed=8), params)


MLP_CASES = [
    ("regression", 1, "tanh"), ("regression", 1, "relu"), ("regression", 1, "sigmoid"),
    ("regression", 3, "tanh"), ("classification", 1, "tanh"), ("classification", 1, "relu"),
    ("classification", 4, "sigmoid"), ("classification", 4, "relu"),
]


@pytest.mark.parametrize("task,n_out,activation", MLP_CASES)
def test_mlp_backprop_matches_finite_differences(task, n_out, activation):
    rng = np.random.default_rng(5)
    net = MLP([4, 6, 5, n_out], activation=activation, task=task)
    # random biases too, so no ReLU unit sits exactly at its kink
    params = net.init_params(seed=1) + rng.normal(0, 0.3, size=net.n_params)
    if task == "regression":
        target = rng.normal(size=25) if n_out == 1 else rng.normal(size=(25, n_out))
    else:
        target = rng.integers(0, 2 if n_out == 1 else n_out, size=25)
    num = numerical_grad(lambda p: net.loss(p, X, target), params)
    assert rel_err(net.grad(params, X, target), num) < 1e-6


def test_mlp_forward_matches_a_plain_loop_and_pack_roundtrips():
    net = MLP([4, 3, 2], activation="tanh", task="classification")
    params = net.init_params(seed=0) + 0.1
    layers = net.unpack(params)
    assert [W.shape for W, _ in layers] == [(4, 3), (3, 2)]
    assert net.n_params == 4 * 3 + 3 + 3 * 2 + 2
    (W1, b1), (W2, b2) = layers
    out = np.tanh(X @ W1 + b1) @ W2 + b2
    np.testing.assert_allclose(net.forward(params, X), out)
    probs = np.exp(out) / np.exp(out).sum(axis=1, keepdims=True)
    labels = np.arange(25) % 2
    ce = -np.mean(np.log(probs[np.arange(25), labels]))
    assert net.loss(params, X, labels) == pytest.approx(ce)
    np.testing.assert_allclose(net.predict_proba(params, X), probs)
    np.testing.assert_array_equal(net.pack(layers), params)


@pytest.mark.parametrize("init,expected_std", [("xavier", np.sqrt(2 / (300 + 200))),
                                                ("he", np.sqrt(2 / 300)), (0.05, 0.05)])
def test_mlp_initialisation_scales(init, expected_std):
    net = MLP([300, 200], init=init)
    W, b = net.unpack(net.init_params(seed=0))[0]
    assert W.std() == pytest.approx(expected_std, rel=0.02)
    assert np.all(b == 0)


def test_float32_stays_float32():
    X32 = X.astype(np.float32)
    g = LinearRegression().grad(np.zeros(4, dtype=np.float32), X32, y_reg.astype(np.float32))
    assert g.dtype == np.float32


def test_models_do_not_mutate_inputs():
    theta = np.array([0.1, 0.2, 0.3, 0.4])
    copies = theta.copy(), X.copy(), y_reg.copy()
    for name, model, y in _linear_cases():
        model.loss_and_grad(theta, X, y)
    np.testing.assert_array_equal(theta, copies[0])
    np.testing.assert_array_equal(X, copies[1])
    np.testing.assert_array_equal(y_reg, copies[2])


def test_init_params_needs_feature_count_for_linear_models():
    with pytest.raises(ValueError, match="n_features"):
        LinearRegression().init_params()
    np.testing.assert_array_equal(LinearRegression().init_params(n_features=3), np.zeros(3))
    assert LinearRegression(n_features=5).n_params == 5


ERRORS = [
    (lambda: LinearRegression().loss(np.zeros(4), X, y_reg[:, None]), ValueError, r"column vector.*ravel"),
    (lambda: LinearRegression().loss(np.zeros(4), X, y_reg[:20]), ValueError, "25 rows but y has 20"),
    (lambda: LinearRegression().loss(np.zeros(5), X, y_reg), ValueError, "5 entries but X has 4 columns"),
    (lambda: LinearRegression().loss(np.zeros(4), X[:, 1:], y_reg), ValueError, "add_intercept"),
    (lambda: LinearRegression().loss(np.zeros((4, 1)), X, y_reg), ValueError, r"flat vector.*ravel"),
    (lambda: LinearRegression().loss(np.zeros(1), X[:, 0], y_reg), ValueError, r"reshape\(-1, 1\)"),
    (lambda: LinearRegression().loss(np.zeros(4), X.astype(str), y_reg), TypeError, "numeric"),
    (lambda: LogisticRegression().loss(np.zeros(4), X, ypm), ValueError, r"labels.*\(y \+ 1\) / 2"),
    (lambda: LinearSVM().loss(np.zeros(4), X, y01), ValueError, r"2 \* y - 1"),
    (lambda: Ridge(alpha=-1.0), ValueError, "Invalid alpha: -1.0"),
    (lambda: Lasso(0.1, method="coordinate"), ValueError, "Invalid method: 'coordinate'"),
    (lambda: LinearSVM(lam=float("nan")), ValueError, "Invalid lam"),
    (lambda: MatrixFactorization(0, 3), ValueError, "Invalid n_users: 0"),
    (lambda: MatrixFactorization(2, 3, rank=1).loss(np.zeros(5), np.array([[0, 3]]), np.ones(1)),
     ValueError, "item index 3 out of range"),
    (lambda: MatrixFactorization(2, 3, rank=1).loss(np.zeros(5), np.array([[0.5, 1]]), np.ones(1)),
     TypeError, "integer"),
    (lambda: MatrixFactorization(2, 3, rank=1).loss(np.zeros(5), np.array([0, 1]), np.ones(1)),
     ValueError, r"shape \(m, 2\)"),
    (lambda: MLP([4]), ValueError, "Invalid sizes"),
    (lambda: MLP([4, 1], activation="softplus"), ValueError, "Invalid activation: 'softplus'"),
    (lambda: MLP([4, 1], init="zeros"), ValueError, "Invalid init: 'zeros'"),
    (lambda: MLP([4, 1], task="ranking"), ValueError, "Invalid task: 'ranking'"),
    (lambda: MLP([3, 1]).loss(np.zeros(4), X, y_reg), ValueError, "X has 4 columns"),
    (lambda: MLP([4, 1]).init_params(n_features=3), ValueError, "expects 4 input features"),
    (lambda: MLP([4, 3], task="classification").loss(np.zeros(15), X, np.full(25, 3)),
     ValueError, "labels 0..2"),
    (lambda: MLP([4, 2]).loss(np.zeros(10), X, y_reg), ValueError, r"shape \(25, 2\)"),
]


@pytest.mark.parametrize("call,exc,match", ERRORS)
def test_bad_input_gives_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_public_names():
    for name in models.__all__:
        assert getattr(models, name) is not None
