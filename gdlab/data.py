"""Data for the course: small synthetic generators, feature scaling, splitting, and two real
data sets shipped with the package (see gdlab/data_files/*.README.txt for their sources).

Everything is seeded (``seed=`` is passed to ``np.random.default_rng``), so the same call
gives the same numbers on every machine. numpy only; nothing here needs scikit-learn.
"""
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from gdlab._validation import Interval, Options, check
from gdlab.models._validate import check_nonneg

__all__ = [
    "Dataset", "make_linear", "make_classification", "make_ratings", "ratings_to_pairs",
    "add_intercept", "Standardizer", "standardize", "train_test_split",
    "load_diabetes", "load_breast_cancer",
]


def _positive_int(value, name, minimum=1):
    return check(value, name, Interval(minimum, None, integer=True))


def _as_2d_float(X, name="X"):
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.number):
        raise TypeError(f"{name} must be numeric; got dtype {X.dtype}")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D with shape (m, n_features); got shape {X.shape}")
    return X


# -- synthetic data ---------------------------------------------------------------------------
def make_linear(n=100, d=2, *, noise=0.1, seed=0, intercept=True):
    r"""Regression data from a known linear model: y = X theta + noise.

    The d features are standard normal. With ``intercept=True`` (default) a column of ones
    is put first, so X has shape (n, d + 1) and true_theta[0] is the intercept; fitting a
    LinearRegression to (X, y) then recovers true_theta up to the noise. The true
    coefficients are drawn uniformly from [-2, 2].

    Returns ``X, y, true_theta`` with shapes (n, d [+1]), (n,), (d [+1],).

    >>> X, y, theta = make_linear(n=5, d=2, seed=0)
    >>> X.shape, theta.shape
    ((5, 3), (3,))
    """
    n = _positive_int(n, "n")
    d = _positive_int(d, "d")
    noise = check_nonneg(noise, "noise")
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n, d))
    X = add_intercept(features) if intercept else features
    true_theta = rng.uniform(-2.0, 2.0, size=X.shape[1])
    y = X @ true_theta + noise * rng.standard_normal(n)
    return X, y, true_theta


def make_classification(n=200, d=2, *, separation=2.0, seed=0):
    """Two Gaussian clouds (identity covariance) whose centres are ``separation`` apart.

    The centres sit at +-separation/2 along a random unit direction, so the classes overlap
    a lot for separation ~ 1 and hardly at all for separation ~ 5. Half the points (rounded
    down) have label 0, the rest label 1, in random order.

    Returns ``X`` (n, d) float and ``y`` (n,) int in {0, 1}.
    """
    n = _positive_int(n, "n", minimum=2)
    d = _positive_int(d, "d")
    separation = check_nonneg(separation, "separation")
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal(d)
    direction /= np.linalg.norm(direction)
    y = np.zeros(n, dtype=np.int64)
    y[n // 2:] = 1
    rng.shuffle(y)
    centres = np.where(y[:, None] == 1, 0.5, -0.5) * separation * direction
    X = centres + rng.standard_normal((n, d))
    return X, y


def make_ratings(n_users=50, n_items=40, *, rank=3, density=0.3, noise=0.1, seed=0):
    """A ratings matrix of low rank with most entries missing (NaN).

    True ratings are 3 + U V^T with U (n_users, rank), V (n_items, rank) drawn from
    N(0, 1/sqrt(rank)) so each rating varies by about +-1 around 3. A random fraction
    ``density`` of the entries is observed (with Gaussian noise of std ``noise``); every user
    and every item gets at least one observed rating, so each row of U and V is learnable.

    Returns R of shape (n_users, n_items), float, NaN where missing. Use
    ``ratings_to_pairs(R)`` to get (X, y) for ``gdlab.models.MatrixFactorization``.
    """
    n_users = _positive_int(n_users, "n_users")
    n_items = _positive_int(n_items, "n_items")
    rank = _positive_int(rank, "rank")
    noise = check_nonneg(noise, "noise")
    density = check(density, "density", Interval(0, 1, closed="right"))
    rng = np.random.default_rng(seed)
    scale = rank ** -0.25  # entries of U V^T then have variance 1
    U = rng.normal(0.0, scale, size=(n_users, rank))
    V = rng.normal(0.0, scale, size=(n_items, rank))
    full = 3.0 + U @ V.T + noise * rng.standard_normal((n_users, n_items))
    observed = rng.random((n_users, n_items)) < density
    # guarantee one rating per user and per item
    observed[np.arange(n_users), rng.integers(0, n_items, n_users)] = True
    observed[rng.integers(0, n_users, n_items), np.arange(n_items)] = True
    return np.where(observed, full, np.nan)


def ratings_to_pairs(R):
    """Observed entries of a ratings matrix as ``X`` (m, 2) int (user, item) pairs and ``y`` (m,)."""
    R = _as_2d_float(R, "R")
    users, items = np.nonzero(~np.isnan(R))
    return np.column_stack([users, items]).astype(np.int64), R[users, items]


# -- preprocessing ----------------------------------------------------------------------------
def add_intercept(X):
    """Put a column of ones in front of X: shape (m, n) -> (m, n + 1). A 1-D X is one feature."""
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]
    X = _as_2d_float(X)
    return np.hstack([np.ones((X.shape[0], 1), dtype=X.dtype), X])


class Standardizer:
    r"""Rescale each column to mean 0 and standard deviation 1: x' = (x - mean) / std.

    Fit on the training data only, then apply the same ``mean_``/``std_`` to validation and
    test data (fitting on everything leaks information from the test set).

    A column with zero variance cannot be scaled (division by 0). With
    ``constant="error"`` (default) ``fit`` raises a ValueError naming the columns; the usual
    cause is standardizing after ``add_intercept`` (standardize first, then add the ones).
    With ``constant="keep"`` such columns are centred but not scaled (their std_ is set to 1),
    so a constant column becomes all zeros.

    >>> s = Standardizer().fit(np.array([[1.0], [3.0]]))
    >>> s.transform(np.array([[1.0], [3.0]])).ravel()
    array([-1.,  1.])
    """

    def __init__(self, *, constant="error"):
        self.constant = check(constant, "constant", Options("error", "keep"))
        self.mean_ = None
        self.std_ = None

    def fit(self, X):
        X = _as_2d_float(X)
        if X.shape[0] < 2:
            raise ValueError(f"need at least 2 rows to estimate a standard deviation; got {X.shape[0]}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or inf; clean or impute it before standardizing")
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        # a column is constant if its spread is at rounding-error level relative to its size
        constant = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
        if constant.any():
            cols = np.flatnonzero(constant).tolist()
            if self.constant == "error":
                raise ValueError(
                    f"column(s) {cols} of X are constant (std = 0) and cannot be standardized. "
                    f"If one is the intercept column of ones, standardize before add_intercept; "
                    f"otherwise drop it, or use Standardizer(constant='keep') to centre it only.")
            std = np.where(constant, 1.0, std)
        self.mean_, self.std_ = mean, std
        return self

    def _check_fitted(self, X):
        if self.mean_ is None:
            raise ValueError("this Standardizer is not fitted yet: call fit(X_train) first")
        X = _as_2d_float(X)
        if X.shape[1] != self.mean_.shape[0]:
            raise ValueError(
                f"X has {X.shape[1]} columns but the Standardizer was fitted on {self.mean_.shape[0]}")
        return X

    def transform(self, X):
        X = self._check_fitted(X)
        return ((X - self.mean_) / self.std_).astype(X.dtype, copy=False)

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, Xs):
        Xs = self._check_fitted(Xs)
        return (Xs * self.std_ + self.mean_).astype(Xs.dtype, copy=False)

    def __repr__(self):
        state = "fitted" if self.mean_ is not None else "not fitted"
        return f"Standardizer(constant={self.constant!r}) [{state}]"


def standardize(X, *, constant="error"):
    """Standardize the columns of X; returns ``(Xs, mean, std)``. See :class:`Standardizer`."""
    s = Standardizer(constant=constant).fit(X)
    return s.transform(X), s.mean_, s.std_


def train_test_split(X, y, *, test_fraction=0.25, seed=0):
    """Shuffle the rows (X and y together) and split off a test part.

    The test part gets round(test_fraction * m) rows, at least 1; the training part keeps at
    least 1. Returns ``X_train, X_test, y_train, y_test`` (the order scikit-learn uses).
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays with one row per example")
    m = X.shape[0]
    if y.shape[0] != m:
        raise ValueError(f"X and y disagree on the number of examples: X has {m} rows, y has {y.shape[0]}")
    test_fraction = check(test_fraction, "test_fraction", Interval(0, 1, closed="neither"))
    if m < 2:
        raise ValueError(f"need at least 2 examples to split; got {m}")
    n_test = min(max(int(round(test_fraction * m)), 1), m - 1)
    perm = np.random.default_rng(seed).permutation(m)
    test, train = perm[:n_test], perm[n_test:]
    return X[train], X[test], y[train], y[test]


# -- real data ------------------------------------------------------------------------------
@dataclass(repr=False)
class Dataset:
    """A real data set: features X (m, n), target y (m,), and where it comes from."""
    X: np.ndarray
    y: np.ndarray
    feature_names: list
    target_name: str
    description: str
    citation: str
    license: str
    source: str = ""
    extra: dict = field(default_factory=dict)

    def __repr__(self):
        return (f"Dataset({self.description.splitlines()[0]!r}, X shape {self.X.shape}, "
                f"y shape {self.y.shape}, license {self.license!r})")


def _read_csv(name):
    path = resources.files("gdlab") / "data_files" / name
    with path.open("r", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split(",")
        rows = [line.rstrip("\n").split(",") for line in fh if line.strip()]
    return header, rows


def _readme(name):
    return (resources.files("gdlab") / "data_files" / name).read_text(encoding="utf-8")


def load_diabetes():
    """442 diabetes patients: ten baseline measurements and disease progression a year later.

    Raw, unscaled values (age in years, BMI, blood pressure, six blood serum measurements;
    sex coded 1/2). Regression target ``y`` = progression (25 to 346). Standardize X before
    gradient descent: the columns differ in scale by two orders of magnitude.

    Efron, Hastie, Johnstone and Tibshirani (2004), "Least Angle Regression", Annals of
    Statistics 32(2). Full source and licence notes: gdlab/data_files/diabetes.README.txt.
    """
    header, rows = _read_csv("diabetes.csv")
    table = np.array(rows, dtype=np.float64)
    return Dataset(
        X=table[:, :-1], y=table[:, -1], feature_names=header[:-1], target_name=header[-1],
        description=("Diabetes progression (442 patients, 10 raw baseline features; target: "
                     "disease progression one year after baseline).\n" + _readme("diabetes.README.txt")),
        citation=("Efron, B., Hastie, T., Johnstone, I., and Tibshirani, R. (2004). Least angle "
                  "regression. Annals of Statistics, 32(2), 407-499. doi:10.1214/009053604000000067"),
        license=("no formal licence from the authors; published openly for research and teaching "
                 "and redistributed in scikit-learn (BSD-3-Clause)"),
        source="https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html",
    )


def load_breast_cancer():
    """Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 nucleus features, y = 1 malignant.

    Binary target ``y`` (int): 1 = malignant (212), 0 = benign (357). Note that
    scikit-learn's loader codes the classes the other way round. Standardize X before
    gradient descent (feature scales range from 1e-3 to 1e3).

    Wolberg, Mangasarian, Street and Street (1995), UCI Machine Learning Repository,
    doi:10.24432/C5DW2B, CC BY 4.0. See gdlab/data_files/breast_cancer.README.txt.
    """
    header, rows = _read_csv("breast_cancer.csv")
    X = np.array([r[:-1] for r in rows], dtype=np.float64)
    labels = [r[-1] for r in rows]
    y = np.array([1 if lab == "M" else 0 for lab in labels], dtype=np.int64)
    return Dataset(
        X=X, y=y, feature_names=header[:-1], target_name="malignant",
        description=("Breast Cancer Wisconsin (Diagnostic) (569 tumours, 30 features; y = 1 "
                     "malignant, 0 benign).\n" + _readme("breast_cancer.README.txt")),
        citation=("Wolberg, W., Mangasarian, O., Street, N., and Street, W. (1995). Breast Cancer "
                  "Wisconsin (Diagnostic) [Dataset]. UCI Machine Learning Repository. "
                  "https://doi.org/10.24432/C5DW2B"),
        license="CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
        source="https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic",
    )
