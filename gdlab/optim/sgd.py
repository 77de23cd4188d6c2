"""Stochastic gradient descent with (heavy-ball or Nesterov) momentum, as in torch.optim.SGD."""
import numpy as np

from ._base import Optimizer, check_lr, check_nonneg, check_unit


class SGD(Optimizer):
    r"""Gradient descent, optionally with momentum, Nesterov momentum and weight decay.

    Symbols: :math:`\gamma` = ``lr``, :math:`\mu` = ``momentum``, :math:`\tau` =
    ``dampening``, :math:`\lambda` = ``weight_decay``; :math:`g_t` is the gradient passed
    to the t-th call of ``step`` (t = 1, 2, ...), :math:`b_t` the momentum buffer.

    .. math::

        g_t &\leftarrow -g_t                        &&\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda x_{t-1}        &&\text{if } \lambda \ne 0 \\
        b_t &= g_t \;\;(t = 1), \qquad
        b_t = \mu\, b_{t-1} + (1 - \tau)\, g_t \;\;(t > 1)  &&\text{if } \mu \ne 0 \\
        d_t &= g_t + \mu\, b_t \text{ if nesterov, else } b_t  &&\text{if } \mu \ne 0
              \text{ (otherwise } d_t = g_t) \\
        x_t &= x_{t-1} - \gamma\, d_t

    Like PyTorch's implementation, ``maximize`` flips the gradient before weight decay,
    so weight decay still pulls the parameters toward zero when maximizing.
    Nesterov momentum needs ``momentum > 0`` and ``dampening == 0``.

    ``state``: ``{"step": t, "momentum_buffer": b}`` (the buffer exists once momentum is
    used).

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import SGD
        >>> opt = SGD(lr=0.1, momentum=0.9)
        >>> x = np.array([1.0, -2.0])
        >>> x = opt.step(x, 2 * x)          # gradient of ||x||^2
        >>> print(np.round(x, 4))
        [ 0.8 -1.6]
        >>> x = opt.step(x, 2 * x)          # b = 0.9 * 2 + 1.6 = 3.4 for x[0]
        >>> print(np.round(x, 4))
        [ 0.46 -0.92]

    References:
        Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
        Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and
        momentum in deep learning", ICML 2013 (the Nesterov form used here).
    """

    _buffer_names = ("momentum_buffer",)

    def __init__(self, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, maximize=False):
        lr = check_lr(lr)
        self.momentum = check_nonneg(momentum, "momentum value")
        self.dampening = check_unit(dampening, "dampening value")
        self.weight_decay = check_nonneg(weight_decay, "weight_decay value")
        self.nesterov = bool(nesterov)
        self.maximize = bool(maximize)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={self.momentum}, dampening={self.dampening})")
        super().__init__(lr=lr)

    def _hyperparameters(self):
        return dict(momentum=self.momentum, dampening=self.dampening,
                    weight_decay=self.weight_decay, nesterov=self.nesterov,
                    maximize=self.maximize)

    def _update(self, x, g, lr):
        # d starts as a private copy of the gradient so everything after is in place.
        d = np.negative(g, out=np.empty_like(g)) if self.maximize else g.copy()
        if self.weight_decay != 0:
            d += self.weight_decay * x
        if self.momentum != 0:
            buf = self._buffers.get("momentum_buffer")
            if buf is None:                       # b_1 = g_1 (no dampening on the first step)
                self._buffers["momentum_buffer"] = d.copy()
                buf = self._buffers["momentum_buffer"]
            else:
                buf *= self.momentum
                buf += (1.0 - self.dampening) * d
            if self.nesterov:
                d += self.momentum * buf
            else:
                d[...] = buf
        # x - lr * d written into d, which we own.
        d *= -lr
        d += x
        return d
