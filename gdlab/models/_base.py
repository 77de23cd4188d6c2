"""The shared skeleton of the linear models: one weight per column of X.

A linear model scores example x_i with z_i = x_i . theta. The models differ only in the
loss they put on z (squared error, cross-entropy, hinge) and the penalty on theta. This
base class holds what they share: the parameter count, the zero initialisation and input
checking; each subclass supplies ``_loss(params, X, y)`` and ``_loss_grad(params, X, y)``.
"""
import numpy as np

from gdlab.models._validate import check_n_features, check_params, check_X, check_y


class Differentiable:
    """loss / grad / loss_and_grad for a model that defines the private pieces.

    A model supplies ``_check(params, X, y)`` (validates and converts, raising messages a
    learner can act on), ``_loss`` and ``_loss_grad``; this mixin turns them into the public
    API every model shares, so validation happens exactly once per call.
    """

    def loss(self, params, X, y):
        """Mean loss over the m examples (plus any penalty), a Python float."""
        params, X, y = self._check(params, X, y)
        return float(self._loss(params, X, y))

    def grad(self, params, X, y):
        """Gradient of ``loss`` with respect to params, a flat array like params."""
        params, X, y = self._check(params, X, y)
        return self._loss_grad(params, X, y)[1]

    def loss_and_grad(self, params, X, y):
        """(loss, grad) in one pass, sharing the forward computation."""
        params, X, y = self._check(params, X, y)
        value, g = self._loss_grad(params, X, y)
        return float(value), g


class LinearModel(Differentiable):
    """Base class: parameters theta of shape (n_features,), scores X @ theta.

    ``intercept=True`` says that column 0 of X is the column of ones made by
    ``gdlab.data.add_intercept``; the penalty (if any) then leaves theta[0] alone, because
    shrinking the intercept towards zero would bias every prediction.
    """

    #: class attribute; labels the loss in reprs and error messages
    _labels = None

    def __init__(self, *, n_features=None, intercept=False):
        self.n_features = check_n_features(n_features, type(self).__name__)
        if not isinstance(intercept, (bool, np.bool_)):
            raise TypeError(f"intercept must be True or False; got {intercept!r}")
        self.intercept = bool(intercept)

    @property
    def n_params(self):
        """Number of parameters (= number of columns of X); None until known."""
        return self.n_features

    def init_params(self, seed=0, *, n_features=None):
        """Zeros of shape (n_features,).

        Linear models are convex, so the start point does not change the answer; zeros are
        the usual, reproducible choice. ``seed`` is accepted so every model has the same
        signature. ``n_features`` may be given here (``fit`` passes ``X.shape[1]``).
        """
        n_features = check_n_features(n_features, type(self).__name__)
        if n_features is not None:
            if self.n_features is not None and n_features != self.n_features:
                raise ValueError(
                    f"{type(self).__name__} was created with n_features={self.n_features}, "
                    f"but init_params got n_features={n_features}")
            self.n_features = n_features
        if self.n_features is None:
            raise ValueError(
                f"{type(self).__name__} does not know its number of features yet: pass "
                f"n_features=X.shape[1] to init_params (or to the constructor)")
        return np.zeros(self.n_features)

    # -- input checking -------------------------------------------------------------------
    def _check(self, params, X, y=None):
        X = check_X(X)
        d = X.shape[1]
        name = type(self).__name__
        params_arr = np.asarray(params)
        if params_arr.ndim == 1 and params_arr.shape[0] != d:
            extra = ""
            if params_arr.shape[0] == d + 1:
                extra = " (did you forget gdlab.data.add_intercept(X)?)"
            elif params_arr.shape[0] == d - 1:
                extra = " (X may already contain an intercept column, or params lacks one)"
            raise ValueError(
                f"params has {params_arr.shape[0]} entries but X has {d} columns; {name} needs "
                f"one parameter per column{extra}")
        params = check_params(params, d, name)
        if y is not None:
            y = check_y(y, X.shape[0])
            if self._labels is not None:
                self._check_labels(y)
        return params, X, y

    def _check_labels(self, y):
        pass

    def _penalized(self, params):
        """params with the intercept entry zeroed (the part the penalty sees)."""
        if not self.intercept:
            return params
        w = params.copy()
        w[0] = 0.0
        return w

    # -- public API -----------------------------------------------------------------------
    def decision_function(self, params, X):
        """The linear scores z = X @ params, shape (m,)."""
        params, X, _ = self._check(params, X)
        return X @ params

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._repr_args().items())
        return f"{type(self).__name__}({args})"

    def _repr_args(self):
        out = {}
        if self.intercept:
            out["intercept"] = True
        return out
