"""Models as (loss, gradient) pairs on flat parameter vectors, for gradient descent.

Every model has ``init_params(seed=0, *, n_features=None) -> params`` (shape (n_params,)),
``loss(params, X, y) -> float``, ``grad(params, X, y) -> (n_params,)``,
``loss_and_grad(params, X, y)`` and ``predict(params, X)``. Gradients are written out by
hand and vectorised; the tests compare each one with finite differences.

>>> import numpy as np
>>> from gdlab import data, models
>>> X, y, theta = data.make_linear(n=50, d=2, seed=0)
>>> model = models.LinearRegression()
>>> model.grad(np.zeros(3), X, y).shape
(3,)
"""
from gdlab.models.classifiers import LinearSVM, LogisticRegression, sigmoid
from gdlab.models.factorization import MatrixFactorization
from gdlab.models.linear import Lasso, LinearRegression, Ridge, soft_threshold
from gdlab.models.mlp import MLP

__all__ = [
    "LinearRegression", "Ridge", "Lasso", "soft_threshold", "LogisticRegression",
    "LinearSVM", "sigmoid", "MatrixFactorization", "MLP",
]
