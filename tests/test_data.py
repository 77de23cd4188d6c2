"""gdlab.data: generators are seeded and do what they say; scaling and splitting are exact;
the shipped real data sets load with their provenance, without scikit-learn."""
import subprocess
import sys

import numpy as np
import pytest

from gdlab import data
from gdlab.data import (Standardizer, add_intercept, load_breast_cancer, load_diabetes,
                        make_classification, make_linear, make_ratings, ratings_to_pairs,
                        standardize, train_test_split)


def test_make_linear_shapes_intercept_and_recoverable_theta():
    X, y, theta = make_linear(n=500, d=3, noise=0.05, seed=1)
    assert X.shape == (500, 4) and y.shape == (500,) and theta.shape == (4,)
    np.testing.assert_array_equal(X[:, 0], 1.0)
    assert np.all(np.abs(theta) <= 2)
    fitted = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(fitted, theta, atol=0.02)
    residual_std = np.std(y - X @ theta)
    assert residual_std == pytest.approx(0.05, rel=0.15)


def test_make_linear_without_intercept_and_seeding():
    X, y, theta = make_linear(n=10, d=2, seed=3, intercept=False, noise=0.0)
    assert X.shape == (10, 2)
    np.testing.assert_allclose(y, X @ theta)
    again = make_linear(n=10, d=2, seed=3, intercept=False, noise=0.0)
    np.testing.assert_array_equal(again[0], X)
    assert not np.array_equal(make_linear(n=10, d=2, seed=4, intercept=False)[0], X)


def test_make_classification_balance_and_separation():
    X, y = make_classification(n=2000, d=3, separation=4.0, seed=0)
    assert X.shape == (2000, 3) and set(np.unique(y)) == {0, 1}
    assert y.sum() == 1000
    gap = X[y == 1].mean(axis=0) - X[y == 0].mean(axis=0)
    assert np.linalg.norm(gap) == pytest.approx(4.0, rel=0.05)
    # Classify by the side of the midpoint along the mean difference: with the centres
    # 4 standard deviations apart, about Phi(-2) = 2.3% of points are on the wrong side.
    scores = (X - X.mean(axis=0)) @ gap
    error = np.mean((scores > 0) != (y == 1))
    assert 0.01 < error < 0.04


def test_make_ratings_density_coverage_and_pairs():
    R = make_ratings(n_users=30, n_items=20, rank=2, density=0.25, noise=0.0, seed=0)
    assert R.shape == (30, 20)
    observed = ~np.isnan(R)
    assert 0.2 < observed.mean() < 0.4
    assert observed.any(axis=1).all() and observed.any(axis=0).all()
    assert abs(np.nanmean(R) - 3.0) < 0.5
    X, y = ratings_to_pairs(R)
    assert X.dtype.kind == "i" and X.shape == (observed.sum(), 2)
    np.testing.assert_array_equal(R[X[:, 0], X[:, 1]], y)
    # without noise, the fully observed matrix minus the offset 3 has rank exactly `rank`
    full = make_ratings(n_users=6, n_items=5, rank=2, density=1.0, noise=0.0, seed=0) - 3.0
    assert np.linalg.matrix_rank(full, tol=1e-9) == 2


def test_add_intercept():
    out = add_intercept(np.array([[2.0, 3.0], [4.0, 5.0]]))
    np.testing.assert_array_equal(out, [[1, 2, 3], [1, 4, 5]])
    np.testing.assert_array_equal(add_intercept(np.array([7.0, 8.0])), [[1, 7], [1, 8]])


def test_standardizer_roundtrip_and_train_statistics_only():
    rng = np.random.default_rng(0)
    Xtr = rng.normal(5, 3, size=(200, 3)) * np.array([1, 100, 0.01])
    Xte = rng.normal(5, 3, size=(50, 3)) * np.array([1, 100, 0.01])
    s = Standardizer().fit(Xtr)
    Z = s.transform(Xtr)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(s.transform(Xte), (Xte - Xtr.mean(0)) / Xtr.std(0))
    np.testing.assert_allclose(s.inverse_transform(s.transform(Xte)), Xte)
    Xs, mean, std = standardize(Xtr)
    np.testing.assert_allclose(Xs, Z)
    np.testing.assert_allclose(mean, Xtr.mean(0))
    np.testing.assert_allclose(std, Xtr.std(0))


def test_standardizer_constant_column():
    X = add_intercept(np.array([[1.0], [2.0], [4.0]]))
    with pytest.raises(ValueError, match=r"column\(s\) \[0\].*standardize before add_intercept"):
        Standardizer().fit(X)
    Z = Standardizer(constant="keep").fit_transform(X)
    np.testing.assert_array_equal(Z[:, 0], 0.0)
    np.testing.assert_allclose(Z[:, 1].std(), 1.0)


def test_train_test_split_partitions_rows_together():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20) * 10
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert len(Xte) == 5 and len(Xtr) == 15
    np.testing.assert_array_equal(Xtr[:, 0] // 2 * 10, ytr)   # rows stay paired
    np.testing.assert_array_equal(Xte[:, 0] // 2 * 10, yte)
    assert sorted(np.concatenate([ytr, yte]).tolist()) == y.tolist()
    again = train_test_split(X, y, test_fraction=0.25, seed=1)
    np.testing.assert_array_equal(again[1], Xte)
    assert not np.array_equal(train_test_split(X, y, seed=2)[1], Xte)


def test_load_diabetes():
    ds = load_diabetes()
    assert ds.X.shape == (442, 10) and ds.y.shape == (442,)
    assert ds.feature_names[:4] == ["age", "sex", "bmi", "bp"]
    # first patient of the published table (Efron et al. 2004)
    np.testing.assert_allclose(ds.X[0], [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87])
    assert ds.y[0] == 151 and ds.y.min() == 25 and ds.y.max() == 346
    assert "Least angle regression" in ds.citation and "Efron" in ds.citation
    assert ds.license and "442" in ds.description


def test_load_breast_cancer():
    ds = load_breast_cancer()
    assert ds.X.shape == (569, 30) and ds.y.shape == (569,)
    assert ds.y.sum() == 212 and set(np.unique(ds.y)) == {0, 1}   # 212 malignant = 1
    assert ds.y[0] == 1 and ds.X[0, 0] == pytest.approx(17.99)
    assert ds.feature_names[0] == "mean radius" and len(ds.feature_names) == 30
    assert "CC BY 4.0" in ds.license and "Wolberg" in ds.citation


def test_loading_does_not_import_sklearn():
    code = ("import sys, gdlab.data as d; d.load_diabetes(); d.load_breast_cancer(); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


ERRORS = [
    (lambda: make_linear(n=0), ValueError, "Invalid n: 0"),
    (lambda: make_linear(d=2.5), TypeError, r"^Invalid d: 2.5 \(must be an integer >= 1, not float\)"),
    (lambda: make_linear(noise=-1), ValueError, "Invalid noise: -1"),
    (lambda: make_classification(n=1), ValueError, "Invalid n: 1"),
    (lambda: make_ratings(density=0.0), ValueError, "Invalid density: 0.0"),
    (lambda: Standardizer().transform(np.ones((2, 2))), ValueError, "not fitted"),
    (lambda: Standardizer().fit(np.ones(3)), ValueError, "2-D"),
    (lambda: Standardizer().fit(np.array([[1.0, np.nan], [2.0, 3.0]])), ValueError, "NaN"),
    (lambda: Standardizer().fit(np.eye(3)).transform(np.ones((2, 2))), ValueError, "fitted on 3"),
    (lambda: Standardizer(constant="drop"), ValueError, "Invalid constant: 'drop'"),
    (lambda: train_test_split(np.ones((5, 2)), np.ones(4)), ValueError, "5 rows, y has 4"),
    (lambda: train_test_split(np.ones((5, 2)), np.ones(5), test_fraction=1.0), ValueError,
     "Invalid test_fraction: 1.0"),
]


@pytest.mark.parametrize("call,exc,match", ERRORS)
def test_bad_input_gives_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_public_names():
    for name in data.__all__:
        assert getattr(data, name) is not None
