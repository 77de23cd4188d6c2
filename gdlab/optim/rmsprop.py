"""RMSprop: divide by a running root-mean-square of recent gradients."""
import numpy as np

from ._base import Optimizer, check_lr, check_nonneg, check_unit


class RMSprop(Optimizer):
    r"""RMSprop, as in torch.optim.RMSprop (optionally centered, optionally with momentum).

    Symbols: :math:`\gamma` = ``lr``, :math:`\alpha` = ``alpha`` (smoothing constant),
    :math:`\epsilon` = ``eps``, :math:`\lambda` = ``weight_decay``, :math:`\mu` =
    ``momentum``; buffers start at :math:`v_0 = \bar g_0 = b_0 = 0`.

    .. math::

        g_t &\leftarrow -g_t                               &&\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda x_{t-1}               &&\text{if } \lambda \ne 0 \\
        v_t &= \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2 \\
        \bar g_t &= \alpha\, \bar g_{t-1} + (1 - \alpha)\, g_t,\quad
            \tilde v_t = v_t - \bar g_t^2                  &&\text{if centered (else } \tilde v_t = v_t) \\
        b_t &= \mu\, b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon),\quad
            x_t = x_{t-1} - \gamma\, b_t                   &&\text{if } \mu > 0 \\
        x_t &= x_{t-1} - \gamma\, g_t / (\sqrt{\tilde v_t} + \epsilon)  &&\text{otherwise}

    ``state``: ``{"step": t, "square_avg": v}`` plus ``"momentum_buffer": b`` when
    ``momentum > 0`` and ``"grad_avg":`` :math:`\bar g` when ``centered``.

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import RMSprop
        >>> opt = RMSprop(lr=0.01, alpha=0.9)
        >>> x = opt.step(np.array([1.0]), np.array([3.0]))
        >>> print(np.round(x, 4))         # v = 0.1 * 9, step = 0.01 * 3 / sqrt(0.9)
        [0.9684]

    Reference:
        Tieleman & Hinton, Lecture 6.5 "rmsprop", COURSERA: Neural Networks for Machine
        Learning, 2012. Graves, "Generating sequences with recurrent neural networks",
        arXiv:1308.0850, 2013 (the centered variant).
    """

    _buffer_names = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, maximize=False):
        lr = check_lr(lr)
        self.alpha = check_unit(alpha, "alpha value")
        self.eps = check_nonneg(eps, "epsilon value")
        self.weight_decay = check_nonneg(weight_decay, "weight_decay value")
        self.momentum = check_nonneg(momentum, "momentum value")
        self.centered = bool(centered)
        self.maximize = bool(maximize)
        super().__init__(lr=lr)

    def _hyperparameters(self):
        return dict(alpha=self.alpha, eps=self.eps, weight_decay=self.weight_decay,
                    momentum=self.momentum, centered=self.centered, maximize=self.maximize)

    def _update(self, x, g, lr):
        a = self.alpha
        d = np.negative(g, out=np.empty_like(g)) if self.maximize else g.copy()
        if self.weight_decay != 0:
            d += self.weight_decay * x
        v = self._buffer("square_avg", x)
        v *= a
        v += (1.0 - a) * (d * d)
        if self.centered:
            gbar = self._buffer("grad_avg", x)
            gbar *= a
            gbar += (1.0 - a) * d
            denom = np.multiply(gbar, gbar, out=np.empty_like(v))
            np.subtract(v, denom, out=denom)
            np.sqrt(denom, out=denom)
        else:
            denom = np.sqrt(v, out=np.empty_like(v))
        denom += self.eps
        d /= denom
        if self.momentum > 0:
            b = self._buffer("momentum_buffer", x)
            b *= self.momentum
            b += d
            d[...] = b
        d *= -lr
        d += x
        return d
