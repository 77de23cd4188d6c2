"""Newton's method: step to the minimum of the local quadratic model."""
import numpy as np

from ._base import Optimizer, _check_real, as_float_array, check_lr, check_nonneg


class Newton(Optimizer):
    r"""(Damped) Newton's method with an optional backtracking Armijo line search.

    Symbols: :math:`\gamma` = ``lr`` (the first trial step length), :math:`\delta` =
    ``damping`` (added to the Hessian's diagonal), :math:`H_t` = ``hess`` and
    :math:`g_t` = ``grad`` at :math:`x_{t-1}`, :math:`f` = ``fun``, :math:`c` =
    ``armijo_c``, :math:`\rho` = ``shrink``.

    .. math::

        (H_t + \delta I)\, d_t &= g_t \\
        x_t &= x_{t-1} - \alpha_t\, d_t

    Without a line search :math:`\alpha_t = \gamma`. With ``line_search=True``,
    :math:`\alpha_t` is the first of :math:`\gamma, \rho\gamma, \rho^2\gamma, \dots`
    (at most ``max_backtracks`` shrinks) that satisfies the Armijo condition

    .. math::

        f(x_{t-1} - \alpha d_t) \le f(x_{t-1}) - c\, \alpha\, g_t^\top d_t .

    If none does (for instance because :math:`d_t` points uphill where the Hessian is not
    positive definite), the smallest trial step is taken and ``state["line_search_ok"]``
    is False, so the learner can see it happened.

    ``hess`` may be a (d, d) matrix, a callable returning one, or, for 1-D objectives
    whose ``hess`` is elementwise, an array with the shape of ``x`` (read as a diagonal
    Hessian). ``fun`` is needed only for the line search.

    ``state``: ``{"step": t, "step_size": alpha_t, "line_search_ok": bool}`` after a step.

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import Newton
        >>> A = np.array([[3.0, 1.0], [1.0, 2.0]]); b = np.array([1.0, -1.0])
        >>> x = np.zeros(2)
        >>> x = Newton().step(x, A @ x - b, hess=A)   # one step solves a quadratic
        >>> print(np.round(x, 4), np.allclose(A @ x, b))
        [ 0.6 -0.8] True

    Reference:
        Nocedal & Wright, "Numerical Optimization", 2nd ed., Springer 2006, chapters 3
        (backtracking, Armijo condition) and 3.4 (Newton with Hessian modification).
    """

    needs_hessian = True
    _buffer_names = ("step_size", "line_search_ok")

    def __init__(self, *, lr=1.0, damping=0.0, line_search=False, armijo_c=1e-4,
                 shrink=0.5, max_backtracks=30):
        lr = check_lr(lr)
        self.damping = check_nonneg(damping, "damping value")
        self.line_search = bool(line_search)
        self.armijo_c = _check_real(armijo_c, "armijo_c")
        if not 0.0 < self.armijo_c < 1.0:
            raise ValueError(f"Invalid armijo_c value: {self.armijo_c} (must be in (0, 1))")
        self.shrink = _check_real(shrink, "shrink")
        if not 0.0 < self.shrink < 1.0:
            raise ValueError(f"Invalid shrink value: {self.shrink} (must be in (0, 1))")
        if isinstance(max_backtracks, bool) or not isinstance(max_backtracks, (int, np.integer)) \
                or max_backtracks < 0:
            raise ValueError(f"Invalid max_backtracks value: {max_backtracks!r} "
                             "(must be an int >= 0)")
        self.max_backtracks = int(max_backtracks)
        super().__init__(lr=lr)

    def _hyperparameters(self):
        return dict(damping=self.damping, line_search=self.line_search)

    def step(self, x, grad, hess=None, fun=None):
        """One Newton step from ``x``; ``hess`` is required, ``fun`` if ``line_search``."""
        if hess is None:
            raise TypeError("Newton.step needs the Hessian: call opt.step(x, grad, hess=H) "
                            "with H the (d, d) matrix of second derivatives at x (or a "
                            "callable x -> H, e.g. hess=objective.hess)")
        if self.line_search and fun is None:
            raise TypeError("Newton(line_search=True) needs the objective value: call "
                            "opt.step(x, grad, hess=H, fun=f) with f a callable x -> float")
        x, g = self._prepare(x, grad)
        H = hess(x) if callable(hess) else hess
        d = self._direction(x, g, H)
        lr = self.current_lr
        alpha, ok = lr, True
        if self.line_search:
            alpha, ok = self._backtrack(fun, x, g, d, lr)
        self._buffers["step_size"] = alpha
        self._buffers["line_search_ok"] = ok
        self.t += 1
        # asarray: keeps 0-d input a 0-d array (arithmetic on it yields numpy scalars).
        return np.asarray(x - alpha * d, dtype=x.dtype)

    def _direction(self, x, g, H):
        H = as_float_array(H, "hess")
        n = x.size
        if n > 1 and H.shape == (n, n):
            Hd = H + self.damping * np.eye(n, dtype=H.dtype)
            try:
                d = np.linalg.solve(Hd, g.reshape(n))
            except np.linalg.LinAlgError:
                raise np.linalg.LinAlgError(self._singular_message) from None
            return d.reshape(x.shape).astype(x.dtype, copy=False)
        if H.size == n:
            # Elementwise second derivative (1-D objectives, or a 1x1 matrix): a diagonal.
            diag = H.reshape(x.shape) + self.damping
            if np.any(diag == 0):
                raise np.linalg.LinAlgError(self._singular_message)
            return (g / diag).astype(x.dtype, copy=False)
        raise ValueError(f"hess has shape {H.shape} but x has shape {x.shape}; expected a "
                         f"({n}, {n}) matrix or, for elementwise 1-D objectives, shape {x.shape}")

    _singular_message = ("the Hessian (plus damping) is singular at this x, so the Newton "
                         "step is undefined; use damping > 0, e.g. Newton(damping=1e-3)")

    def _backtrack(self, fun, x, g, d, lr):
        f0 = float(np.asarray(fun(x)).sum())
        slope = float(np.sum(g * d))
        alpha = lr
        for _ in range(self.max_backtracks + 1):
            f_new = float(np.asarray(fun(x - alpha * d)).sum())
            if f_new <= f0 - self.armijo_c * alpha * slope:
                return alpha, True
            alpha *= self.shrink
        return alpha / self.shrink, False
