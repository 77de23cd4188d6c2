"""Adagrad: per-coordinate step sizes from the running sum of squared gradients."""
import numpy as np

from ._base import Optimizer, check_lr, check_nonneg


class Adagrad(Optimizer):
    r"""Adagrad, as in torch.optim.Adagrad.

    Symbols: :math:`\gamma` = ``lr``, :math:`\eta` = ``lr_decay``, :math:`\lambda` =
    ``weight_decay``, :math:`\epsilon` = ``eps``, :math:`s_0` = ``initial_accumulator_value``
    (every coordinate of the accumulator starts there); t = 1, 2, ... counts the steps.

    .. math::

        g_t &\leftarrow -g_t                              &&\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda x_{t-1}              &&\text{if } \lambda \ne 0 \\
        \tilde\gamma_t &= \gamma / (1 + (t - 1)\, \eta) \\
        s_t &= s_{t-1} + g_t^2 \\
        x_t &= x_{t-1} - \tilde\gamma_t\, g_t / (\sqrt{s_t} + \epsilon)

    Squares, roots and divisions are per coordinate. When ``lr`` is a schedule,
    :math:`\gamma` is its value at the 0-based index t - 1 of this update.

    ``state``: ``{"step": t, "sum": s}``.

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import Adagrad
        >>> opt = Adagrad(lr=0.5)
        >>> x = opt.step(np.array([1.0, 1.0]), np.array([4.0, -0.1]))
        >>> print(np.round(x, 4))         # first step moves every coordinate by ~lr
        [0.5 1.5]

    Reference:
        Duchi, Hazan & Singer, "Adaptive subgradient methods for online learning and
        stochastic optimization", JMLR 12, 2011.
    """

    _buffer_names = ("sum",)

    def __init__(self, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, maximize=False):
        lr = check_lr(lr)
        self.lr_decay = check_nonneg(lr_decay, "lr_decay value")
        self.weight_decay = check_nonneg(weight_decay, "weight_decay value")
        self.initial_accumulator_value = check_nonneg(initial_accumulator_value,
                                                      "initial_accumulator_value value")
        self.eps = check_nonneg(eps, "epsilon value")
        self.maximize = bool(maximize)
        super().__init__(lr=lr)

    def _hyperparameters(self):
        return dict(lr_decay=self.lr_decay, weight_decay=self.weight_decay,
                    initial_accumulator_value=self.initial_accumulator_value,
                    eps=self.eps, maximize=self.maximize)

    def _update(self, x, g, lr):
        t = self.t + 1
        d = np.negative(g, out=np.empty_like(g)) if self.maximize else g.copy()
        if self.weight_decay != 0:
            d += self.weight_decay * x
        s = self._buffer("sum", x, self.initial_accumulator_value)
        s += d * d
        clr = lr / (1.0 + (t - 1) * self.lr_decay)
        denom = np.sqrt(s, out=np.empty_like(s))
        denom += self.eps
        d /= denom
        d *= -clr
        d += x
        return d
