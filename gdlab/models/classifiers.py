"""Linear classifiers: logistic regression (cross-entropy) and a linear SVM (hinge loss)."""
import numpy as np

from gdlab.models._base import LinearModel
from gdlab.models._validate import check_labels, check_nonneg, check_X


def sigmoid(z):
    """1 / (1 + exp(-z)) without overflow: exp(-log(1 + exp(-z))) via logaddexp."""
    z = np.asarray(z)
    return np.exp(-np.logaddexp(0.0, -z))


class LogisticRegression(LinearModel):
    r"""Binary logistic regression with labels y in {0, 1}.

    With scores z = X theta and p = sigmoid(z):

    .. math::
        L(\theta) &= \tfrac{1}{m}\sum_i \big[\log(1 + e^{z_i}) - y_i z_i\big]
                     + \tfrac{\alpha}{2}\lVert w\rVert^2 \\
        \nabla L(\theta) &= \tfrac{1}{m} X^\top (p - y) + \alpha\, w

    The first line is the mean cross-entropy -[y log p + (1 - y) log(1 - p)] rewritten so
    that it never takes the log of 0: log(1 + e^z) is computed as logaddexp(0, z), which
    stays finite for any z (z = 1000 gives 1000, not inf).
    """

    _labels = (0, 1)

    def __init__(self, *, alpha=0.0, n_features=None, intercept=False):
        super().__init__(n_features=n_features, intercept=intercept)
        self.alpha = check_nonneg(alpha, "alpha")

    def _check_labels(self, y):
        check_labels(y, (0, 1), "LogisticRegression",
                     "If your labels are -1/+1, convert them with y01 = (y + 1) / 2.")

    def _loss(self, params, X, y):
        z = X @ params
        value = np.mean(np.logaddexp(0.0, z) - y * z)
        if self.alpha:
            w = self._penalized(params)
            value += 0.5 * self.alpha * (w @ w)
        return value

    def _loss_grad(self, params, X, y):
        z = X @ params
        value = np.mean(np.logaddexp(0.0, z) - y * z)
        g = X.T @ (sigmoid(z) - y)
        g /= X.shape[0]
        if self.alpha:
            w = self._penalized(params)
            value += 0.5 * self.alpha * (w @ w)
            g += self.alpha * w
        return value, g

    def smoothness(self, X):
        """L = lambda_max(X^T X) / (4 m) + alpha, an upper bound on the Hessian's eigenvalues.

        The Hessian is X^T diag(p (1 - p)) X / m + alpha P, and p (1 - p) <= 1/4.
        """
        X = check_X(X)
        return float(np.linalg.eigvalsh(X.T @ X)[-1] / (4.0 * X.shape[0])) + self.alpha

    def predict_proba(self, params, X):
        """P(y = 1 | x) = sigmoid(x . theta), shape (m,)."""
        return sigmoid(self.decision_function(params, X))

    def predict(self, params, X):
        """Class labels in {0, 1} (1 where the probability exceeds 1/2), shape (m,)."""
        return (self.decision_function(params, X) > 0).astype(np.int64)

    def accuracy(self, params, X, y):
        """Fraction of examples whose predicted label equals y."""
        params, X, y = self._check(params, X, y)
        return float(np.mean(((X @ params) > 0) == (y == 1)))

    def _repr_args(self):
        out = {"alpha": self.alpha} if self.alpha else {}
        return {**out, **super()._repr_args()}


class LinearSVM(LinearModel):
    r"""Linear support vector machine trained on the hinge loss, labels y in {-1, +1}.

    .. math::
        L(\theta) &= \tfrac{1}{m}\sum_i \max(0,\ 1 - y_i z_i) + \tfrac{\lambda}{2}\lVert w\rVert^2 \\
        g(\theta) &= -\tfrac{1}{m}\sum_{i:\ y_i z_i < 1} y_i x_i + \lambda\, w

    The hinge has a kink at margin y z = 1; ``grad`` returns the subgradient that takes 0
    for the hinge there (any value between 0 and -y x would be valid). This is the
    objective of Pegasos (Shalev-Shwartz, Singer, Srebro 2007).
    """

    _labels = (-1, 1)

    def __init__(self, lam=0.01, *, n_features=None, intercept=False):
        super().__init__(n_features=n_features, intercept=intercept)
        self.lam = check_nonneg(lam, "lam")

    def _check_labels(self, y):
        check_labels(y, (-1, 1), "LinearSVM",
                     "If your labels are 0/1, convert them with y_pm = 2 * y - 1.")

    def _loss(self, params, X, y):
        w = self._penalized(params)
        return np.mean(np.maximum(0.0, 1.0 - y * (X @ params))) + 0.5 * self.lam * (w @ w)

    def _loss_grad(self, params, X, y):
        margin = y * (X @ params)
        w = self._penalized(params)
        value = np.mean(np.maximum(0.0, 1.0 - margin)) + 0.5 * self.lam * (w @ w)
        active = margin < 1.0
        g = -(X.T @ (y * active)) / X.shape[0]
        g += self.lam * w
        return value, g

    def predict(self, params, X):
        """Class labels in {-1, +1} (ties at score 0 go to +1), shape (m,)."""
        return np.where(self.decision_function(params, X) >= 0, 1, -1)

    def accuracy(self, params, X, y):
        """Fraction of examples whose predicted label equals y."""
        params, X, y = self._check(params, X, y)
        return float(np.mean(np.where(X @ params >= 0, 1.0, -1.0) == y))

    def _repr_args(self):
        return {"lam": self.lam, **super()._repr_args()}
