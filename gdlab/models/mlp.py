"""A small multi-layer perceptron with hand-written backpropagation, on a flat parameter vector."""
import numpy as np

from gdlab._validation import Interval, Options, check
from gdlab.models._base import Differentiable
from gdlab.models._validate import check_params, check_X, check_y, check_labels
from gdlab.models.classifiers import sigmoid


# Each activation: (function, derivative expressed through (z, a)) where a = function(z).
# Using the output a avoids recomputing tanh / sigmoid in the backward pass.
_ACTIVATIONS = {
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(z.dtype)),
    "sigmoid": (sigmoid, lambda z, a: a * (1.0 - a)),
    "identity": (lambda z: z, lambda z, a: np.ones_like(z)),
}
_INITS = ("xavier", "he")
_TASKS = ("regression", "classification")


class MLP(Differentiable):
    r"""Fully connected network: sizes = [n_in, hidden..., n_out].

    Layer l maps a_{l-1} to z_l = a_{l-1} W_l + b_l (W_l of shape (sizes[l-1], sizes[l])),
    then a_l = activation(z_l) for hidden layers; the last layer stays linear (its output
    o is a score, not a probability). Parameters are packed as
    ``[W_1.ravel(), b_1, W_2.ravel(), b_2, ...]``; ``unpack`` gives the list of (W, b) views.

    Losses, averaged over the m examples:

    * ``task="regression"``: mean of (o - y)^2 over all outputs (y shape (m,) when n_out = 1,
      else (m, n_out)).
    * ``task="classification"`` with n_out = 1: binary cross-entropy on logits, y in {0, 1}.
    * ``task="classification"`` with n_out = k > 1: softmax cross-entropy, y integer labels
      0..k-1 of shape (m,).

    Backpropagation (delta_L = dLoss/do; then for l = L..1):

    .. math::
        \partial L / \partial W_l = a_{l-1}^\top \delta_l, \qquad
        \partial L / \partial b_l = \textstyle\sum_i \delta_{l,i}, \qquad
        \delta_{l-1} = (\delta_l W_l^\top) \odot \sigma'(z_{l-1})

    Initialisation (biases start at 0): ``"xavier"`` draws W ~ N(0, 2 / (fan_in + fan_out))
    (Glorot & Bengio 2010), ``"he"`` draws W ~ N(0, 2 / fan_in) (He et al. 2015, for ReLU),
    and a positive float s draws W ~ N(0, s^2) (handy to show vanishing/exploding signals).
    """

    def __init__(self, sizes, *, activation="tanh", init="xavier", task="regression"):
        try:
            sizes = [int(s) for s in sizes]
        except (TypeError, ValueError):
            raise TypeError(f"sizes must be a list of layer widths like [2, 8, 1]; got {sizes!r}") from None
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(
                f"Invalid sizes: {sizes}; need at least [n_inputs, n_outputs], every width >= 1")
        check(activation, "activation", Options(*sorted(_ACTIVATIONS)))
        if isinstance(init, str):
            check(init, "init", Options(*_INITS), also="a positive float std")
        else:
            check(init, "init", Interval(0, None, closed="neither"),
                  also=f"one of {', '.join(map(repr, _INITS))}")
        check(task, "task", Options(*_TASKS))
        self.sizes = sizes
        self.activation = activation
        self.init = init
        self.task = task
        self._act, self._dact = _ACTIVATIONS[activation]
        # (start, end) offsets of each W and b inside the flat vector
        self._slices = []
        pos = 0
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            w = (pos, pos + n_in * n_out)
            b = (w[1], w[1] + n_out)
            self._slices.append((w, b, n_in, n_out))
            pos = b[1]
        self._n_params = pos

    @property
    def n_params(self):
        return self._n_params

    @property
    def n_layers(self):
        return len(self.sizes) - 1

    def init_params(self, seed=0, *, n_features=None):
        """Random weights (see the class docstring), zero biases, flat shape (n_params,)."""
        if n_features is not None and n_features != self.sizes[0]:
            raise ValueError(
                f"MLP with sizes={self.sizes} expects {self.sizes[0]} input features, but X has "
                f"{n_features} columns")
        rng = np.random.default_rng(seed)
        params = np.zeros(self._n_params)
        for (w0, w1), _, n_in, n_out in self._slices:
            if self.init == "xavier":
                std = np.sqrt(2.0 / (n_in + n_out))
            elif self.init == "he":
                std = np.sqrt(2.0 / n_in)
            else:
                std = float(self.init)
            params[w0:w1] = rng.normal(0.0, std, size=n_in * n_out)
        return params

    def unpack(self, params):
        """List of (W, b) views into params, W of shape (n_in, n_out), b of shape (n_out,)."""
        params = check_params(params, self._n_params, repr(self))
        return [(params[w0:w1].reshape(n_in, n_out), params[b0:b1])
                for (w0, w1), (b0, b1), n_in, n_out in self._slices]

    def pack(self, layers):
        """Inverse of unpack: a list of (W, b) pairs -> flat vector."""
        layers = list(layers)
        if len(layers) != self.n_layers:
            raise ValueError(f"expected {self.n_layers} (W, b) pairs; got {len(layers)}")
        parts = []
        for (W, b), (_, _, n_in, n_out) in zip(layers, self._slices):
            W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
            if W.shape != (n_in, n_out) or b.shape != (n_out,):
                raise ValueError(f"layer shapes must be W {(n_in, n_out)}, b {(n_out,)}; "
                                 f"got {W.shape}, {b.shape}")
            parts += [W.ravel(), b]
        return np.concatenate(parts)

    # -- input checking -------------------------------------------------------------------
    def _check(self, params, X, y=None):
        params = check_params(params, self._n_params, repr(self))
        X = check_X(X)
        if X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"X has {X.shape[1]} columns but this MLP's input layer has sizes[0] = {self.sizes[0]}")
        if y is not None:
            y = self._check_target(y, X.shape[0])
        return params, X, y

    def _check_target(self, y, m):
        n_out = self.sizes[-1]
        if self.task == "regression" and n_out > 1:
            y = np.asarray(y, dtype=float)
            if y.shape != (m, n_out):
                raise ValueError(f"y must have shape ({m}, {n_out}) for {n_out} regression outputs; "
                                 f"got {y.shape}")
            return y
        y = check_y(y, m)
        if self.task == "classification":
            if n_out == 1:
                check_labels(y, (0, 1), "MLP(task='classification') with one output",
                             "Use integer labels 0/1, or sizes[-1] = k with labels 0..k-1.")
            else:
                ok = (y >= 0) & (y < n_out) & (y == np.round(y))
                if not ok.all():
                    raise ValueError(
                        f"MLP classification with {n_out} outputs expects integer labels 0..{n_out - 1}; "
                        f"found {np.unique(y[~ok])[:5].tolist()}")
        return y

    # -- forward and backward -------------------------------------------------------------
    def _forward(self, params, X):
        """Return the pre-activations zs and activations acts (acts[0] = X)."""
        acts, zs = [X], []
        a = X
        last = self.n_layers - 1
        for l, ((w0, w1), (b0, b1), n_in, n_out) in enumerate(self._slices):
            z = a @ params[w0:w1].reshape(n_in, n_out) + params[b0:b1]
            zs.append(z)
            a = z if l == last else self._act(z)
            acts.append(a)
        return zs, acts

    def _output_loss_grad(self, out, y):
        """Loss value and dLoss/d(out) for the output scores out (m, n_out)."""
        m, n_out = out.shape
        if self.task == "regression":
            target = y.reshape(m, n_out)
            diff = out - target
            return np.mean(diff * diff), (2.0 / diff.size) * diff
        if n_out == 1:
            z = out[:, 0]
            value = np.mean(np.logaddexp(0.0, z) - y * z)
            return value, ((sigmoid(z) - y) / m)[:, None]
        labels = y.astype(np.int64)
        shifted = out - out.max(axis=1, keepdims=True)   # softmax is shift-invariant; avoids exp overflow
        log_norm = np.log(np.exp(shifted).sum(axis=1))
        value = np.mean(log_norm - shifted[np.arange(m), labels])
        probs = np.exp(shifted - log_norm[:, None])
        probs[np.arange(m), labels] -= 1.0
        return value, probs / m

    def _loss(self, params, X, y):
        _, acts = self._forward(params, X)
        return self._output_loss_grad(acts[-1], y)[0]

    def _loss_grad(self, params, X, y):
        zs, acts = self._forward(params, X)
        value, delta = self._output_loss_grad(acts[-1], y)
        g = np.empty_like(params)
        for l in range(self.n_layers - 1, -1, -1):
            (w0, w1), (b0, b1), n_in, n_out = self._slices[l]
            g[w0:w1] = (acts[l].T @ delta).ravel()
            g[b0:b1] = delta.sum(axis=0)
            if l > 0:
                W = params[w0:w1].reshape(n_in, n_out)
                delta = (delta @ W.T) * self._dact(zs[l - 1], acts[l])
        return value, g

    def forward(self, params, X, *, return_activations=False):
        """Output scores (m, n_out); with return_activations, also the list [X, a_1, ..., o]."""
        params, X, _ = self._check(params, X)
        _, acts = self._forward(params, X)
        return (acts[-1], acts) if return_activations else acts[-1]

    def predict(self, params, X):
        """Regression: outputs ((m,) when n_out = 1). Classification: labels ((m,) ints)."""
        out = self.forward(params, X)
        if self.task == "regression":
            return out[:, 0] if out.shape[1] == 1 else out
        if out.shape[1] == 1:
            return (out[:, 0] > 0).astype(np.int64)
        return out.argmax(axis=1)

    def predict_proba(self, params, X):
        """Classification only: P(y = 1) (m,) for one output, softmax (m, k) otherwise."""
        if self.task != "classification":
            raise ValueError("predict_proba is only defined for task='classification'")
        out = self.forward(params, X)
        if out.shape[1] == 1:
            return sigmoid(out[:, 0])
        e = np.exp(out - out.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def accuracy(self, params, X, y):
        """Classification only: fraction of correctly predicted labels."""
        params, X, y = self._check(params, X, y)
        return float(np.mean(self.predict(params, X) == y))

    def __repr__(self):
        return (f"MLP(sizes={self.sizes}, activation={self.activation!r}, init={self.init!r}, "
                f"task={self.task!r})")
