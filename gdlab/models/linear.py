"""Least squares and its penalised cousins: LinearRegression, Ridge, Lasso.

All three use the mean squared error so that the gradient does not grow with the number
of examples (a learning rate that works for 100 rows also works for 100,000):

    MSE(theta) = (1/m) ||X theta - y||^2,   grad = (2/m) X^T (X theta - y).
"""
import numpy as np

from gdlab.models._base import LinearModel
from gdlab.models._validate import check_nonneg, check_X


def soft_threshold(x, t):
    r"""Soft-thresholding, the proximal operator of t * ||x||_1.

    .. math::  S_t(x)_j = \operatorname{sign}(x_j)\,\max(|x_j| - t,\ 0)

    Entries with |x_j| <= t become exactly zero (that is why the proximal lasso gives
    sparse answers while the subgradient method only hovers near zero); the others move
    t closer to zero.

    >>> soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0)
    array([-2.,  0.,  1.])
    """
    x = np.asarray(x)
    t_arr = np.asarray(t)
    if np.any(t_arr < 0) or not np.all(np.isfinite(t_arr)):
        raise ValueError(f"Invalid threshold t: {t!r} (must be finite and >= 0)")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return np.sign(x) * np.maximum(np.abs(x) - t_arr, 0.0).astype(x.dtype, copy=False)


class LinearRegression(LinearModel):
    r"""Ordinary least squares, fitted by descent.

    .. math::
        L(\theta) &= \tfrac{1}{m}\,\lVert X\theta - y \rVert^2 \\
        \nabla L(\theta) &= \tfrac{2}{m}\, X^\top (X\theta - y)

    The loss is a quadratic with Hessian (2/m) X^T X, so its smoothness constant is
    L = (2/m) lambda_max(X^T X) and gradient descent is stable for lr < 2/L
    (see :meth:`smoothness`).

    >>> X = np.array([[1.0, 1.0], [1.0, 2.0]]); y = np.array([1.0, 2.0])
    >>> LinearRegression().grad(np.zeros(2), X, y)
    array([-3., -5.])
    """

    def _loss(self, params, X, y):
        r = X @ params - y
        return (r @ r) / X.shape[0]

    def _loss_grad(self, params, X, y):
        # np.dot rather than @: same BLAS call, less dispatch overhead, which matters
        # when fit() calls this thousands of times on 32-row mini-batches.
        r = np.dot(X, params)
        r -= y
        m = X.shape[0]
        g = np.dot(r, X)          # = X^T r, without forming the transpose
        g *= 2.0 / m
        return np.dot(r, r) / m, g

    def predict(self, params, X):
        """Predictions X @ params, shape (m,)."""
        params, X, _ = self._check(params, X)
        return X @ params

    def smoothness(self, X):
        """L = largest eigenvalue of the Hessian (2/m) X^T X (plus the ridge term)."""
        X = check_X(X)
        top = np.linalg.eigvalsh(X.T @ X / X.shape[0])[-1]
        return float(2.0 * top) + self._smoothness_extra()

    def _smoothness_extra(self):
        return 0.0


class Ridge(LinearRegression):
    r"""Least squares with an L2 penalty (ridge regression, Hoerl & Kennard 1970).

    .. math::
        L(\theta) &= \tfrac{1}{m}\lVert X\theta - y\rVert^2 + \alpha\,\lVert w\rVert^2 \\
        \nabla L(\theta) &= \tfrac{2}{m} X^\top (X\theta - y) + 2\alpha\, w

    where w = theta, or theta with theta[0] set to 0 when ``intercept=True``. The minimiser
    solves (X^T X / m + alpha P) theta = X^T y / m, with P the identity (minus its [0, 0]
    entry when the intercept is unpenalised).
    """

    def __init__(self, alpha=1.0, *, n_features=None, intercept=False):
        super().__init__(n_features=n_features, intercept=intercept)
        self.alpha = check_nonneg(alpha, "alpha")

    def _loss(self, params, X, y):
        w = self._penalized(params)
        return super()._loss(params, X, y) + self.alpha * (w @ w)

    def _loss_grad(self, params, X, y):
        value, g = super()._loss_grad(params, X, y)
        w = self._penalized(params)
        g += 2.0 * self.alpha * w
        return value + self.alpha * (w @ w), g

    def _smoothness_extra(self):
        return 2.0 * self.alpha

    def _repr_args(self):
        return {"alpha": self.alpha, **super()._repr_args()}


class Lasso(LinearRegression):
    r"""Least squares with an L1 penalty (the lasso, Tibshirani 1996).

    .. math::  L(\theta) = \tfrac{1}{m}\lVert X\theta - y\rVert^2 + \alpha\,\lVert w\rVert_1

    The L1 term has no gradient at 0, so there are two ways to descend:

    * ``method="subgradient"``: ``grad`` returns the MSE gradient plus
      alpha * sign(w) (sign(0) = 0). Iterates hover near zero but rarely hit it.
    * ``method="proximal"`` (ISTA, proximal gradient): ``grad`` returns only the smooth MSE
      gradient, and after each step ``prox(params, lr)`` applies soft-thresholding with
      threshold lr * alpha. Coefficients land on exactly 0. ``gdlab.train.fit`` calls
      ``prox`` for you when ``model.proximal`` is true.

    ``loss`` always returns the full objective, MSE + alpha ||w||_1.
    """

    _methods = ("subgradient", "proximal")

    def __init__(self, alpha=1.0, *, method="proximal", n_features=None, intercept=False):
        super().__init__(n_features=n_features, intercept=intercept)
        self.alpha = check_nonneg(alpha, "alpha")
        if method not in self._methods:
            raise ValueError(f"Invalid method: {method!r}; valid methods are {list(self._methods)}")
        self.method = method

    @property
    def proximal(self):
        """True when training should call :meth:`prox` after each gradient step."""
        return self.method == "proximal"

    def _l1(self, params):
        return np.abs(self._penalized(params)).sum()

    def _loss(self, params, X, y):
        return super()._loss(params, X, y) + self.alpha * self._l1(params)

    def _loss_grad(self, params, X, y):
        value, g = super()._loss_grad(params, X, y)
        if not self.proximal:
            g += self.alpha * np.sign(self._penalized(params))
        return value + self.alpha * self._l1(params), g

    def prox(self, params, step):
        """Proximal step for the L1 term: soft_threshold(params, step * alpha).

        ``step`` is the learning rate of the gradient step just taken. The intercept entry
        (``intercept=True``) is left unchanged.
        """
        params = np.asarray(params)
        step = check_nonneg(step, "step")
        out = soft_threshold(params, step * self.alpha)
        if self.intercept:
            out[0] = params[0]
        return out

    def _repr_args(self):
        return {"alpha": self.alpha, "method": self.method, **super()._repr_args()}
