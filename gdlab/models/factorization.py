"""Matrix factorisation for recommendations: ratings r_ui ~ u_u . v_i."""
import numpy as np

from gdlab.models._base import Differentiable
from gdlab.models._validate import (as_float_array, check_nonneg, check_params,
                                    check_positive_int, check_y)


class MatrixFactorization(Differentiable):
    r"""Low-rank model of a ratings matrix, trained on the observed (user, item) pairs.

    Parameters are the user factors U (n_users, rank) and item factors V (n_items, rank),
    flattened and concatenated as ``params = [U.ravel(), V.ravel()]``. The data are
    X = int array (m, 2) of (user, item) index pairs, y = the m observed ratings
    (``gdlab.data.ratings_to_pairs`` turns a ratings matrix with NaN gaps into X, y).

    .. math::
        \hat r_k &= u_{a_k} \cdot v_{b_k} \qquad (a_k, b_k) = X_k \\
        L &= \tfrac{1}{m}\sum_k (\hat r_k - y_k)^2 + \text{reg}\,(\lVert U\rVert_F^2 + \lVert V\rVert_F^2) \\
        \partial L / \partial u_a &= \tfrac{2}{m} \sum_{k:\ a_k = a} e_k\, v_{b_k} + 2\,\text{reg}\, u_a,
        \qquad e_k = \hat r_k - y_k

    and symmetrically for v_b. With one rating per update this is the classic SGD
    recommender of the Netflix-prize era (Koren, Bell, Volinsky 2009), except that the
    penalty here covers all factors at every step (weight decay), not only the touched rows.

    The factors start small and random (``init_params(seed)``): starting at zero would be a
    saddle point where every gradient vanishes.
    """

    def __init__(self, n_users, n_items, rank=3, *, reg=0.0, init_scale=0.1):
        self.n_users = check_positive_int(n_users, "n_users")
        self.n_items = check_positive_int(n_items, "n_items")
        self.rank = check_positive_int(rank, "rank")
        self.reg = check_nonneg(reg, "reg")
        self.init_scale = check_nonneg(init_scale, "init_scale")

    @property
    def n_params(self):
        return (self.n_users + self.n_items) * self.rank

    def init_params(self, seed=0, *, n_features=None):
        """Factors drawn from N(0, init_scale^2), flattened to shape (n_params,).

        ``n_features`` is ignored (X holds index pairs, not features); it is accepted so
        that ``fit`` can call every model the same way.
        """
        rng = np.random.default_rng(seed)
        return rng.normal(0.0, self.init_scale, size=self.n_params)

    def unpack(self, params):
        """Views (U, V) of shapes (n_users, rank) and (n_items, rank) into params."""
        params = check_params(params, self.n_params, repr(self))
        split = self.n_users * self.rank
        U = params[:split].reshape(self.n_users, self.rank)
        V = params[split:].reshape(self.n_items, self.rank)
        return U, V

    def pack(self, U, V):
        """Inverse of unpack: concatenate the flattened factors."""
        U = as_float_array(U, "U")
        V = as_float_array(V, "V")
        if U.shape != (self.n_users, self.rank) or V.shape != (self.n_items, self.rank):
            raise ValueError(
                f"expected U of shape {(self.n_users, self.rank)} and V of shape "
                f"{(self.n_items, self.rank)}; got {U.shape} and {V.shape}")
        return np.concatenate([U.ravel(), V.ravel()])

    # -- input checking -------------------------------------------------------------------
    def _check_pairs(self, X):
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(
                f"X must be an int array of shape (m, 2) holding (user, item) pairs; got shape {X.shape}")
        if not np.issubdtype(X.dtype, np.integer):
            if np.issubdtype(X.dtype, np.floating) and np.all(X == np.round(X)):
                X = X.astype(np.int64)
            else:
                raise TypeError(f"X must hold integer (user, item) indices; got dtype {X.dtype}")
        for col, n, what in ((0, self.n_users, "user"), (1, self.n_items, "item")):
            if X.shape[0] and (X[:, col].min() < 0 or X[:, col].max() >= n):
                bad = X[:, col][(X[:, col] < 0) | (X[:, col] >= n)][0]
                raise ValueError(f"{what} index {bad} out of range: valid {what} indices are 0..{n - 1}")
        return X

    def _check(self, params, X, y=None):
        params = check_params(params, self.n_params, repr(self))
        X = self._check_pairs(X)
        if y is not None:
            y = check_y(y, X.shape[0])
        return params, X, y

    # -- loss, gradient, prediction -------------------------------------------------------
    def _predict(self, params, X):
        split = self.n_users * self.rank
        U = params[:split].reshape(self.n_users, self.rank)
        V = params[split:].reshape(self.n_items, self.rank)
        return np.einsum("ij,ij->i", U[X[:, 0]], V[X[:, 1]]), U, V

    def _loss(self, params, X, y):
        pred, _, _ = self._predict(params, X)
        e = pred - y
        return (e @ e) / X.shape[0] + self.reg * (params @ params)

    def _loss_grad(self, params, X, y):
        pred, U, V = self._predict(params, X)
        e = pred - y
        m = X.shape[0]
        value = (e @ e) / m + self.reg * (params @ params)
        g = 2.0 * self.reg * params
        split = self.n_users * self.rank
        gU = g[:split].reshape(self.n_users, self.rank)
        gV = g[split:].reshape(self.n_items, self.rank)
        scale = (2.0 / m) * e[:, None]
        # add.at accumulates correctly when a user (or item) appears several times in the batch
        np.add.at(gU, X[:, 0], scale * V[X[:, 1]])
        np.add.at(gV, X[:, 1], scale * U[X[:, 0]])
        return value, g

    def predict(self, params, X):
        """Predicted ratings u_a . v_b for each (a, b) row of X, shape (m,)."""
        params, X, _ = self._check(params, X)
        return self._predict(params, X)[0]

    def predict_matrix(self, params):
        """The full predicted ratings matrix U V^T, shape (n_users, n_items)."""
        U, V = self.unpack(params)
        return U @ V.T

    def __repr__(self):
        return (f"MatrixFactorization(n_users={self.n_users}, n_items={self.n_items}, "
                f"rank={self.rank}, reg={self.reg}, init_scale={self.init_scale})")
