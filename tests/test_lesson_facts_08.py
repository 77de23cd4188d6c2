"""The facts lesson 08's text relies on, recomputed with gdlab.

The lesson prints these numbers and its prose draws conclusions from them ("far better than
the baseline", "exactly zero", "the plain network stalls"). Here each conclusion is checked
on a fresh computation, so a change in gdlab or in the lesson's settings that silently
breaks a sentence fails a test instead of leaving a wrong claim in the notebook.

Code the lesson itself defines (the two-moons generator, the reverse-mode Node class, the
BatchNormMLP subclass) is taken from the solution notebook, so the facts are checked for
exactly the code learners read.
"""
from pathlib import Path

import nbformat
import numpy as np
import pytest

import gdlab
from gdlab import data, models, optim, schedules
from gdlab.train import fit

# Each test recomputes a lesson's experiment (seconds each): part of the full suite, not
# of the quick loop (CONTRIBUTING.md).
pytestmark = pytest.mark.slow

LESSON = Path(__file__).resolve().parents[1] / "solutions" / "08_applications.ipynb"


@pytest.fixture(scope="module")
def lesson_code():
    """Namespace holding the definitions made by the lesson's own code cells."""
    cells = [c.source for c in nbformat.read(LESSON, as_version=4).cells if c.cell_type == "code"]
    namespace = {"np": np, "gdlab": gdlab, "models": models}
    for marker in ("def two_moons(", "class Node:", "class BatchNormMLP(", "def bn_loss_grad("):
        matches = [src for src in cells if marker in src]
        assert len(matches) == 1, f"expected one code cell with {marker!r}, found {len(matches)}"
        src = matches[0]
        if marker == "def two_moons(":   # only the generator, not the training that follows it
            src = src.split("\nXm, ym")[0]
        if marker == "def bn_loss_grad(":   # the method and its attachment, not the check below
            src = src.split("\nbn_probe")[0]
        exec(compile(src, f"lesson 08: {marker}", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def cancer_split():
    cancer = data.load_breast_cancer()
    X_train, X_test, y_train, y_test = data.train_test_split(cancer.X, cancer.y, test_fraction=0.25, seed=0)
    scaler = data.Standardizer().fit(X_train)
    A_train = data.add_intercept(scaler.transform(X_train))
    A_test = data.add_intercept(scaler.transform(X_test))
    majority = float(np.mean(y_test == 0))
    return A_train, A_test, y_train, y_test, majority


@pytest.fixture(scope="module")
def diabetes_split():
    diabetes = data.load_diabetes()
    X_train, _, y_train, _ = data.train_test_split(diabetes.X, diabetes.y, seed=0)
    D = data.add_intercept(data.Standardizer().fit(X_train).transform(X_train))
    return D, (y_train - y_train.mean()) / y_train.std()


@pytest.fixture(scope="module")
def moons(lesson_code):
    Xm, ym = lesson_code["two_moons"](400, noise=0.2, seed=0)
    return data.train_test_split(Xm, ym, test_fraction=0.3, seed=0)


# ------------------------------------------------------------------ sections 1-4
def test_logistic_regression_beats_the_majority_baseline_by_far(cancer_split):
    A_train, A_test, y_train, y_test, majority = cancer_split
    model = models.LogisticRegression(intercept=True)
    h = fit(model, A_train, y_train, optim.SGD(lr=1.0 / model.smoothness(A_train)), epochs=300)
    assert model.accuracy(h.x, A_test, y_test) > majority + 0.25


def test_lasso_subgradient_has_no_exact_zeros_proximal_has_several(diabetes_split):
    D, t = diabetes_split
    lr = 1.0 / models.Ridge(0.05, intercept=True).smoothness(D)
    zeros = {}
    for method in ("subgradient", "proximal"):
        h = fit(models.Lasso(0.05, method=method, intercept=True), D, t, optim.SGD(lr=lr), epochs=2000)
        zeros[method] = int(np.sum(h.x[1:] == 0.0))
    assert zeros["subgradient"] == 0
    assert zeros["proximal"] >= 2


def test_regularisation_paths_lasso_switches_features_off_ridge_never(diabetes_split):
    D, t = diabetes_split
    m = D.shape[0]
    alpha_max = float(np.abs(2.0 * D[:, 1:].T @ t / m).max())
    alphas = np.logspace(-3, np.log10(1.2 * alpha_max), 13)
    lasso_zeros, ridge_zeros = [], 0
    for a in alphas[[0, -1]]:   # the two ends of the lesson's path carry its claims
        for model in (models.Ridge(a, intercept=True), models.Lasso(a, method="proximal", intercept=True)):
            x = fit(model, D, t, optim.SGD(lr=1.0 / model.smoothness(D)), epochs=800).x[1:]
            if isinstance(model, models.Lasso):
                lasso_zeros.append(int(np.sum(x == 0)))
            else:
                ridge_zeros += int(np.sum(x == 0))
    assert lasso_zeros[0] <= 1 and lasso_zeros[-1] == 10
    assert ridge_zeros == 0


def test_linear_svm_beats_the_majority_baseline_by_far(cancer_split):
    A_train, A_test, y_train, y_test, majority = cancer_split
    svm = models.LinearSVM(lam=0.01, intercept=True)
    h = fit(svm, A_train, 2 * y_train - 1, optim.SGD(lr=schedules.inverse_time(0.5, decay=0.05)), epochs=300)
    assert svm.accuracy(h.x, A_test, 2 * y_test - 1) > majority + 0.25


def test_matrix_factorisation_halves_the_baseline_rmse():
    R = data.make_ratings(n_users=50, n_items=40, rank=3, density=0.3, seed=0)
    pairs, ratings = data.ratings_to_pairs(R)
    P_train, P_test, r_train, r_test = data.train_test_split(pairs, ratings, test_fraction=0.2, seed=0)
    mu = r_train.mean()
    mf = models.MatrixFactorization(50, 40, rank=3, reg=1e-4)
    h = fit(mf, P_train, r_train - mu, optim.SGD(lr=0.05), batch_size=1, epochs=40, seed=0,
            record_path=False)
    test_rmse = np.sqrt(np.mean((mf.predict(h.x, P_test) + mu - r_test) ** 2))
    baseline = np.sqrt(np.mean((mu - r_test) ** 2))
    assert test_rmse < 0.5 * baseline


# ------------------------------------------------------------------ section 5
def test_two_layer_network_beats_logistic_regression_on_the_moons(moons):
    X_train, X_test, y_train, y_test = moons
    lin = models.LogisticRegression(intercept=True)
    h_lin = fit(lin, data.add_intercept(X_train), y_train, optim.SGD(lr=1.0), epochs=500)
    lin_test = lin.accuracy(h_lin.x, data.add_intercept(X_test), y_test)
    net = models.MLP([2, 16, 1], activation="tanh", task="classification")
    h = fit(net, X_train, y_train, optim.Adam(lr=0.05), epochs=1000, seed=0)
    net_test = net.accuracy(h.x, X_test, y_test)
    assert net_test > lin_test + 0.05 and net_test >= 0.95


def _unit_spread(net, params):
    (W1, b1), (W2, _) = net.unpack(params)
    owned = np.vstack([W1, b1, W2.T])
    return float(np.abs(owned - owned[:, :1]).max())


def test_equal_initial_weights_keep_hidden_units_identical(moons):
    X_train, X_test, y_train, y_test = moons
    net = models.MLP([2, 16, 1], activation="tanh", task="classification")
    runs = {name: fit(net, X_train, y_train, optim.Adam(lr=0.05), epochs=300, params0=p0)
            for name, p0 in (("zero", np.zeros(net.n_params)), ("half", np.full(net.n_params, 0.5)),
                             ("random", net.init_params(seed=0)))}
    assert _unit_spread(net, runs["zero"].x) == 0.0
    assert _unit_spread(net, runs["half"].x) == 0.0
    assert _unit_spread(net, runs["random"].x) > 1.0
    # all zeros: only the output bias learns, so the loss stays at about log 2
    assert abs(runs["zero"].final_loss - np.log(2)) < 1e-3
    # all 0.5: one effective tanh unit, a straight boundary, logistic regression's accuracy
    lin = models.LogisticRegression(intercept=True)
    h_lin = fit(lin, data.add_intercept(X_train), y_train, optim.SGD(lr=1.0), epochs=500)
    assert net.accuracy(runs["half"].x, X_test, y_test) == lin.accuracy(
        h_lin.x, data.add_intercept(X_test), y_test)
    assert runs["random"].final_loss < 0.5 * runs["half"].final_loss


def test_reverse_mode_on_the_lessons_graph_matches_finite_differences(lesson_code):
    Node, tape = lesson_code["Node"], lesson_code["tape"]
    point = np.array([0.7, -1.3])
    tape.clear()
    a, b = Node(point[0]), Node(point[1])
    out = lesson_code["node_tanh"](a * b + a) * b
    lesson_code["backward"](out)
    reverse = np.array([a.adjoint, b.adjoint])
    f = lambda v: np.tanh(v[0] * v[1] + v[0]) * v[1]
    assert len(tape) == 6
    assert np.abs(reverse - gdlab.numerical_grad(f, point)).max() < 1e-8
    # the analytic gradient, written out independently of the tape
    t = np.tanh(point[0] * point[1] + point[0])
    exact = np.array([(1 - t * t) * (point[1] + 1) * point[1], (1 - t * t) * point[0] * point[1] + t])
    np.testing.assert_allclose(reverse, exact, rtol=1e-12)


def test_batch_norm_backward_pass_agrees_with_finite_differences(lesson_code, moons):
    X_train, _, y_train, _ = moons
    net = lesson_code["BatchNormMLP"]([2, 5, 4, 1], task="classification")
    params = net.init_params(seed=1) + 0.1 * np.random.default_rng(2).normal(size=net.n_params)
    result = gdlab.check_grad(lambda p: net.loss(p, X_train[:40], y_train[:40]),
                              lambda p: net.grad(p, X_train[:40], y_train[:40]), params)
    assert result.ok, result


def test_batch_norm_keeps_training_where_the_plain_network_stalls(lesson_code, moons):
    X_train, X_test, y_train, _ = moons
    deep = [2] + [16] * 6 + [1]
    runs, final = {}, {"plain": [], "bn": []}
    for label, Net in (("plain", models.MLP), ("bn", lesson_code["BatchNormMLP"])):
        model = Net(deep, task="classification")
        for seed in range(5):
            h = fit(model, X_train, y_train, optim.SGD(lr=1.0), epochs=100, seed=seed)
            final[label].append(h.final_loss)
            if seed == 0:
                runs[label] = (model, h)
    plain, bn = runs["plain"][1], runs["bn"][1]
    assert bn.final_loss < 0.5 * plain.final_loss
    assert plain.final_loss > 0.25                 # "stalls around 0.3"
    assert plain.loss[100] > plain.loss[50]        # "rises again between updates 50 and 100"
    # "over the five initialisations the normalised network ends lower every time, and its
    # worst seed beats the plain network's best"
    assert all(b < p for b, p in zip(final["bn"], final["plain"]))
    assert max(final["bn"]) < min(final["plain"])
    model, h = runs["bn"]
    alone = [model.forward(h.x, X_test[i:i + 1])[0, 0] for i in range(3)]
    assert alone[0] == alone[1] == alone[2]        # a batch of one: z_hat = 0 everywhere
    in_batches = [model.forward(h.x, X_test[:k])[0, 0] for k in (2, 10, len(X_test))]
    assert np.ptp(in_batches) > 0.1                # the same example, three different scores


def test_adam_and_sgd_momentum_differ_by_at_most_one_test_error_per_split():
    # The lesson's protocol: one learning rate per optimiser, chosen on a grid that brackets
    # it by the validation loss averaged over the five re-splits; the test set plays no part.
    from gdlab.checks import lesson08
    cancer = data.load_breast_cancer()
    grids = {"sgd": (lambda lr: optim.SGD(lr=lr, momentum=0.9), (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)),
             "adam": (lambda lr: optim.Adam(lr=lr), (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1))}
    net = models.MLP([30, 16, 1], activation="tanh", task="classification")
    splits, trained = [], {name: [] for name in grids}
    for rep in range(5):
        X_rest, X_te, y_rest, y_te = data.train_test_split(cancer.X, cancer.y, test_fraction=0.25, seed=rep)
        X_tr, X_va, y_tr, y_va = data.train_test_split(X_rest, y_rest, test_fraction=0.2, seed=rep)
        scaler = data.Standardizer().fit(X_tr)
        X_tr, X_va, X_te = (scaler.transform(Z) for Z in (X_tr, X_va, X_te))
        splits.append((X_tr, y_tr, X_va, y_va, X_te, y_te))
        for name, (make, lrs) in grids.items():
            trained[name].append({lr: fit(net, X_tr, y_tr, make(lr), batch_size=32, epochs=30,
                                          seed=rep, record_path=False).x for lr in lrs})
    errors, train_acc, test_acc = {}, {}, {}
    for name, (_, lrs) in grids.items():
        val = [np.mean([net.loss(t[lr], s[2], s[3]) for t, s in zip(trained[name], splits)])
               for lr in lrs]
        best = gdlab.best_on_grid(lrs, val, warn=False)
        assert best.on_edge is None                # the grid brackets the chosen rate
        lr = best.value
        errors[name] = np.array([np.sum(net.predict(t[lr], s[4]) != s[5])
                                 for t, s in zip(trained[name], splits)])
        train_acc[name] = np.mean([net.accuracy(t[lr], s[0], s[1]) for t, s in zip(trained[name], splits)])
        test_acc[name] = np.array([net.accuracy(t[lr], s[4], s[5]) for t, s in zip(trained[name], splits)])
    diff = errors["adam"] - errors["sgd"]
    assert np.abs(diff).max() <= 1                 # "at most one of 142 test examples"
    for name in grids:
        assert train_acc[name] > 0.985             # "fit the training data to about 99 %"
        assert test_acc[name].mean() > 0.975       # "about 98 % on the test examples"
        assert 0.005 < test_acc[name].std(ddof=1) < 0.02          # "about 0.01"
        assert train_acc[name] - test_acc[name].mean() < 0.015     # "within about 1.5 points"
    # the numbers the check's messages and its reveal quote
    wrong, reveal = lesson08._READING_WRONG, lesson08._READING_REVEAL
    gap = test_acc["adam"].mean() - test_acc["sgd"].mean()
    assert f"higher by {gap:.4f}" in wrong["A"]
    assert ", ".join(str(int(d)) for d in diff) in wrong["A"]
    assert abs(gap * len(splits[0][5]) - 0.2) < 0.05          # "a fifth of one test example"
    assert np.all(diff <= 0)                                   # B: SGD never made fewer errors
    assert f"({train_acc['adam']:.4f}) is LOWER than" in wrong["D"]
    assert f"({train_acc['sgd']:.4f})" in wrong["D"] and train_acc["adam"] < train_acc["sgd"]
    assert np.sum(diff == -1) == 1 and np.sum(diff == 0) == 4  # "in one ... other four"
    assert "one repetition and the same number in the other four" in reveal
    # Nadeau & Bengio's (2003) standard error for overlapping re-splits, written out by hand
    n_train, n_test = len(splits[0][1]), len(splits[0][5])
    se = np.sqrt(np.var(diff, ddof=1) * (1 / len(diff) + n_test / n_train))
    assert (n_train, n_test) == (342, 142)
    assert f"mean difference, {diff.mean():.1f} errors" in reveal
    assert f"({se:.2f} errors, Nadeau" in reveal and abs(diff.mean()) < se
    assert f"a mean of {diff.mean():.1f} errors, against a standard error of {se:.2f}" in wrong["A"]


def test_the_largest_coefficients_are_not_importances(cancer_split):
    # Lesson 08, section 1: near-collinear features, and an unpenalised fit whose top five
    # change when it runs ten times longer (issue 18, c014)
    A_train, _, y_train, _, _ = cancer_split
    logreg = models.LogisticRegression(intercept=True)
    lr = 1.0 / logreg.smoothness(A_train)
    corr = np.corrcoef(A_train[:, 1:], rowvar=False) - np.eye(A_train.shape[1] - 1)
    assert round(float(np.abs(corr).max()), 3) == 0.998
    theta = {n: fit(logreg, A_train, y_train, optim.SGD(lr=lr), epochs=n).x for n in (300, 3000)}
    top = {n: set(np.argsort(-np.abs(t[1:]))[:5]) for n, t in theta.items()}
    assert len(top[300] & top[3000]) == 2                      # "the top five change"
    assert np.linalg.norm(theta[3000]) > 1.5 * np.linalg.norm(theta[300])   # still growing
    assert logreg.accuracy(theta[300], A_train, y_train) > 0.98             # nearly separable


def test_reverse_mode_adjoint_of_a_prev_is_dA_prev_over_m():
    # Lesson 08, c048-07: for the MEAN loss, A-bar = Z-bar W^T with Z-bar = dZ / m, so it is
    # the exercise's dA_prev = dZ W^T divided by m; W-bar is the exercise's dW.
    rng = np.random.default_rng(0)
    m, n_in, n_out = 6, 3, 2
    A, W, T = rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=(m, n_out))

    def mean_loss(A_, W_):           # each example's loss: half the squared error of its row
        return 0.5 * np.sum((A_ @ W_ - T) ** 2) / m

    dZ = A @ W - T                   # per-example gradients, as in the exercise
    A_bar = gdlab.gradcheck.numerical_grad(lambda a: mean_loss(a.reshape(m, n_in), W), A.ravel())
    W_bar = gdlab.gradcheck.numerical_grad(lambda w: mean_loss(A, w.reshape(n_in, n_out)), W.ravel())
    assert np.allclose(A_bar.reshape(m, n_in), dZ @ W.T / m, atol=1e-6)
    assert np.allclose(W_bar.reshape(n_in, n_out), A.T @ dZ / m, atol=1e-6)
