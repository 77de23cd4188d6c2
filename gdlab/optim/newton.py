"""Newton's method: step to the minimum of the local quadratic model."""
import numpy as np

from ._base import Optimizer, _check_real, as_float_array, check_lr, check_nonneg


class Newton(Optimizer):
    r"""(Damped) Newton's method with an optional backtracking Armijo line search.

    Symbols: :math:`\gamma` = ``lr`` (the first trial step length), :math:`\delta_0` =
    ``damping`` (the first value tried for the shift of the Hessian's diagonal),
    :math:`H_t` = ``hess`` and :math:`g_t` = ``grad`` at :math:`x_{t-1}`, :math:`f` =
    ``fun``, :math:`c` = ``armijo_c``, :math:`\rho` = ``shrink``.

    .. math::

        (H_t + \delta_t I)\, d_t &= g_t \\
        x_t &= x_{t-1} - \alpha_t\, d_t

    ``damping=0`` (the default) is the textbook step, :math:`\delta_t = 0`: it heads for the
    critical point of the local quadratic model, which is a maximum or a saddle wherever
    :math:`H_t` is not positive definite. With ``damping > 0``, :math:`\delta_t` is the
    first of :math:`\delta_0, 2\delta_0, 4\delta_0, \dots` for which
    :math:`H_t + \delta_t I` has a Cholesky factorisation, i.e. is positive definite.
    A fixed :math:`\delta` would not do: it only helps if it exceeds
    :math:`-\lambda_{\min}(H_t)`. With a positive definite matrix,
    :math:`g_t^\top d_t > 0` whenever :math:`g_t \ne 0`, so :math:`-d_t` points downhill.
    (Nocedal & Wright, Algorithm 3.3, with :math:`\delta_0` as the first shift.)

    Without a line search :math:`\alpha_t = \gamma`. With ``line_search=True``,
    :math:`\alpha_t` is the first of :math:`\gamma, \rho\gamma, \rho^2\gamma, \dots`
    (at most ``max_backtracks`` shrinks) that satisfies the Armijo condition

    .. math::

        f(x_{t-1} - \alpha d_t) \le f(x_{t-1}) - c\, \alpha\, g_t^\top d_t .

    The condition only means "f decreased enough" when :math:`g_t^\top d_t > 0`; if
    :math:`-d_t` is not a descent direction (possible only with ``damping=0``), the step is
    rejected: :math:`\alpha_t = 0`, ``x`` is returned unchanged and
    ``state["line_search_ok"]`` is False. If no trial step satisfies the condition, the
    smallest one is taken and ``state["line_search_ok"]`` is False too.

    ``hess`` may be a (d, d) matrix, a callable returning one, or, for 1-D objectives
    whose ``hess`` is elementwise, an array with the shape of ``x`` (read as a diagonal
    Hessian). ``fun`` is needed only for the line search.

    ``state``: ``{"step": t, "step_size": alpha_t, "line_search_ok": bool,
    "damping_used": delta_t}`` after a step.

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import Newton
        >>> A = np.array([[3.0, 1.0], [1.0, 2.0]]); b = np.array([1.0, -1.0])
        >>> x = np.zeros(2)
        >>> x = Newton().step(x, A @ x - b, hess=A)   # one step solves a quadratic
        >>> print(np.round(x, 4), np.allclose(A @ x, b))
        [ 0.6 -0.8] True
        >>> opt = Newton(damping=1.0)                 # indefinite H: delta is raised
        >>> _ = opt.step(np.zeros(2), np.ones(2), hess=np.diag([-3.0, 1.0]))
        >>> opt.state["damping_used"]
        4.0

    Reference:
        Nocedal & Wright, "Numerical Optimization", 2nd ed., Springer 2006, chapters 3
        (backtracking, Armijo condition) and 3.4 (Newton with Hessian modification).
    """

    needs_hessian = True
    _buffer_names = ("step_size", "line_search_ok", "damping_used")
    _max_doublings = 64   # 2**64 * damping: beyond any Hessian with finite entries

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
        return dict(damping=self.damping, line_search=self.line_search,
                    armijo_c=self.armijo_c, shrink=self.shrink,
                    max_backtracks=self.max_backtracks)

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
        d, delta = self._direction(x, g, H)
        lr = self.current_lr
        alpha, ok = lr, True
        if self.line_search:
            alpha, ok = self._backtrack(fun, x, g, d, lr)
        self._buffers["step_size"] = alpha
        self._buffers["line_search_ok"] = ok
        self._buffers["damping_used"] = delta
        self.t += 1
        # asarray: keeps 0-d input a 0-d array (arithmetic on it yields numpy scalars).
        return np.asarray(x - alpha * d, dtype=x.dtype)

    def _direction(self, x, g, H):
        """(d, delta): the solution of (H + delta I) d = g and the damping used."""
        H = as_float_array(H, "hess")
        if not np.all(np.isfinite(H)):
            raise ValueError("hess is not finite (it holds nan or inf) at this x; the "
                             "Newton step needs a Hessian with finite entries")
        n = x.size
        if n > 1 and H.shape == (n, n):
            eye = np.eye(n, dtype=H.dtype)
            delta = self._positive_definite_shift(
                lambda shift: np.linalg.cholesky(H + shift * eye))
            try:
                d = np.linalg.solve(H + delta * eye, g.reshape(n))
            except np.linalg.LinAlgError:
                raise np.linalg.LinAlgError(self._singular_message) from None
            return d.reshape(x.shape).astype(x.dtype, copy=False), delta
        if H.size == n:
            # Elementwise second derivative (1-D objectives, or a 1x1 matrix): a diagonal,
            # positive definite exactly when every entry is positive.
            H = H.reshape(x.shape)

            def factor(shift):
                if not np.all(H + shift > 0):
                    raise np.linalg.LinAlgError("not positive definite")
            delta = self._positive_definite_shift(factor)
            diag = H + delta
            if np.any(diag == 0):
                raise np.linalg.LinAlgError(self._singular_message)
            return (g / diag).astype(x.dtype, copy=False), delta
        raise ValueError(f"hess has shape {H.shape} but x has shape {x.shape}; expected a "
                         f"({n}, {n}) matrix or, for elementwise 1-D objectives, shape {x.shape}")

    def _positive_definite_shift(self, cholesky):
        """The first of damping, 2 damping, 4 damping, ... for which cholesky(shift) works.

        damping = 0 means the plain Newton step: no shift, whatever H is.
        """
        delta = self.damping
        if delta == 0:
            return 0.0
        for _ in range(self._max_doublings):
            try:
                cholesky(delta)
                return delta
            except np.linalg.LinAlgError:
                delta *= 2.0
        raise np.linalg.LinAlgError(f"H + delta I is not positive definite even for delta = "
                                    f"{delta:g}; the Hessian is not usable at this x")

    _singular_message = ("the Hessian (plus damping) is singular at this x, so the Newton "
                         "step is undefined; use damping > 0, e.g. Newton(damping=1e-3)")

    def _backtrack(self, fun, x, g, d, lr):
        slope = float(np.sum(g * d))
        if not slope > 0:
            # -d is not a descent direction: no step length makes the Armijo test mean
            # "f went down", so refuse the step rather than accept an increase.
            return 0.0, False
        f0 = float(np.asarray(fun(x)).sum())
        alpha = lr
        for _ in range(self.max_backtracks + 1):
            f_new = float(np.asarray(fun(x - alpha * d)).sum())
            if f_new <= f0 - self.armijo_c * alpha * slope:
                return alpha, True
            alpha *= self.shrink
        return alpha / self.shrink, False
