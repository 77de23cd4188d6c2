"""Adam and AdamW: momentum on the gradient, RMSprop-style scaling, bias correction."""
import math

import numpy as np

from ._base import Optimizer, check_beta, check_lr, check_nonneg


def _check_betas(betas):
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    return check_beta(b1, 0), check_beta(b2, 1)


class Adam(Optimizer):
    r"""Adam, as in torch.optim.Adam (PyTorch >= 2 semantics for ``amsgrad``).

    Symbols: :math:`\gamma` = ``lr``, :math:`\beta_1, \beta_2` = ``betas``,
    :math:`\epsilon` = ``eps``, :math:`\lambda` = ``weight_decay`` (L2 penalty added to the
    gradient); t = 1, 2, ... counts the steps and :math:`m_0 = v_0 = \hat v^{max}_0 = 0`.

    .. math::

        g_t &\leftarrow -g_t                                    &&\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda x_{t-1}                    &&\text{if } \lambda \ne 0 \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t) \\
        v^{max}_t &= \max(v^{max}_{t-1}, v_t),\quad
            \hat v_t = v^{max}_t / (1 - \beta_2^t)               &&\text{if amsgrad} \\
        \hat v_t &= v_t / (1 - \beta_2^t)                        &&\text{otherwise} \\
        x_t &= x_{t-1} - \gamma\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    ``state``: ``{"step": t, "exp_avg": m, "exp_avg_sq": v}`` plus ``"max_exp_avg_sq"``
    when ``amsgrad``.

    Implementation note: the update is computed with in-place numpy ufuncs on
    preallocated buffers, and the two bias corrections are folded into two scalars,
    using :math:`\hat m_t / (\sqrt{\hat v_t} + \epsilon) = c_t\, m_t / (\sqrt{v_t} +
    \epsilon\sqrt{1-\beta_2^t})` with :math:`c_t = \sqrt{1-\beta_2^t} / (1-\beta_1^t)`.
    That is the same number up to rounding, and 2-3x faster than the textbook
    expression on large vectors (see benchmarks/core.py).

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import Adam
        >>> opt = Adam(lr=0.1)
        >>> x = opt.step(np.array([1.0, -3.0]), np.array([0.5, -20.0]))
        >>> print(np.round(x, 4))         # the first Adam step is ~lr * sign(g)
        [ 0.9 -2.9]
        >>> sorted(opt.state)
        ['exp_avg', 'exp_avg_sq', 'step']

    References:
        Kingma & Ba, "Adam: A method for stochastic optimization", ICLR 2015.
        Reddi, Kale & Kumar, "On the convergence of Adam and beyond", ICLR 2018 (amsgrad).
    """

    _buffer_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _decoupled = False  # AdamW flips this: decay the weights instead of the gradient

    def __init__(self, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, maximize=False):
        lr = check_lr(lr)
        self.eps = check_nonneg(eps, "epsilon value")
        self.betas = _check_betas(betas)
        self.weight_decay = check_nonneg(weight_decay, "weight_decay value")
        self.amsgrad = bool(amsgrad)
        self.maximize = bool(maximize)
        super().__init__(lr=lr)

    def _hyperparameters(self):
        return dict(betas=self.betas, eps=self.eps, weight_decay=self.weight_decay,
                    amsgrad=self.amsgrad, maximize=self.maximize)

    def reset(self):
        super().reset()
        self._scratch = None  # work array, not part of the algorithm's state

    def _update(self, x, g, lr):
        t = self.t + 1
        b1, b2 = self.betas
        m = self._buffer("exp_avg", x)
        v = self._buffer("exp_avg_sq", x)
        if self._scratch is None:
            self._scratch = np.empty_like(x)
        s = self._scratch
        out = np.empty_like(x)  # the returned array; doubles as scratch until the end

        # Effective gradient. Only build a modified copy when needed (into `out`).
        if self.maximize or (self.weight_decay != 0 and not self._decoupled):
            if self.maximize:
                np.negative(g, out=out)
            else:
                np.copyto(out, g)
            if self.weight_decay != 0 and not self._decoupled:
                np.multiply(x, self.weight_decay, out=s)
                out += s
            g = out

        # m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
        np.multiply(g, 1.0 - b1, out=s)
        m *= b1
        m += s
        np.multiply(g, g, out=s)
        s *= 1.0 - b2
        v *= b2
        v += s
        if self.amsgrad:
            vmax = self._buffer("max_exp_avg_sq", x)
            np.maximum(vmax, v, out=vmax)
            v = vmax

        # x - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), rewritten with two scalars.
        bc1 = 1.0 - b1 ** t
        sqrt_bc2 = math.sqrt(1.0 - b2 ** t)
        np.sqrt(v, out=s)
        s += self.eps * sqrt_bc2
        np.divide(m, s, out=s)
        s *= lr * sqrt_bc2 / bc1
        if self._decoupled and self.weight_decay != 0:
            # AdamW: x <- x (1 - lr wd) before the Adam step.
            np.multiply(x, 1.0 - lr * self.weight_decay, out=out)
            out -= s
        else:
            np.subtract(x, s, out=out)
        return out


class AdamW(Adam):
    r"""Adam with decoupled weight decay, as in torch.optim.AdamW.

    Same symbols as :class:`Adam`; the difference is where :math:`\lambda` =
    ``weight_decay`` (default ``1e-2``) enters: the parameters shrink directly, and the
    gradient statistics never see the decay term.

    .. math::

        x_{t-1} &\leftarrow x_{t-1} - \gamma \lambda\, x_{t-1} \\
        m_t, v_t, \hat m_t, \hat v_t &\text{ as in Adam with } \lambda = 0 \\
        x_t &= x_{t-1} - \gamma\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import AdamW
        >>> opt = AdamW(lr=0.1, weight_decay=0.5)
        >>> x = opt.step(np.array([2.0]), np.array([0.0]))
        >>> print(np.round(x, 4))         # zero gradient: only the decay acts, 2 * (1 - 0.05)
        [1.9]

    Reference:
        Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019.
    """

    _decoupled = True

    def __init__(self, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, maximize=False):
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
