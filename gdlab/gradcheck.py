"""Numerical gradients and gradient checking.

A hand-derived gradient is easy to get subtly wrong (a missing factor 2, a transposed
matrix), and gradient descent with a wrong gradient still "runs". The cure is to compare it
with central differences, which need nothing but f:

    df/dx_i  ~=  ( f(x + eps e_i) - f(x - eps e_i) ) / (2 eps)

The error of this formula is O(eps^2) (the even Taylor terms cancel), against O(eps) for
the one-sided difference; rounding adds about (machine epsilon * |f|) / eps, so eps = 1e-6
balances the two in float64 and gives roughly 8-10 correct digits.

The two gradients are compared by the relative error

    ||a - n|| / max(||a|| + ||n||, tiny)

which is scale-free: about 1e-10..1e-7 means correct, 1e-4 and above almost certainly
means a bug (CS231n's rule of thumb; see also Goodfellow et al., Deep Learning, 11.5).

Example::

    >>> import numpy as np
    >>> from gdlab.gradcheck import check_grad
    >>> f = lambda x: np.sum(x ** 3)
    >>> bool(check_grad(f, lambda x: 3 * x ** 2, np.array([1.0, -2.0])))
    True
    >>> bool(check_grad(f, lambda x: 2 * x ** 2, np.array([1.0, -2.0])))
    False
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdlab._validation import Interval, check

__all__ = ["numerical_grad", "relative_error", "check_grad", "GradCheckResult"]

_TINY = np.finfo(np.float64).tiny


_POSITIVE = Interval(0, None, closed="neither")


def _positive(name, value):
    return check(value, name, _POSITIVE)


def _as_float_array(x, name="x"):
    try:
        arr = np.array(x, dtype=np.float64)  # always a copy: x is never touched
    except (TypeError, ValueError):
        raise TypeError(f"Invalid {name}: {x!r} (expected a number or an array of real "
                        "numbers)") from None
    return arr


def _scalar(value, where):
    """f's output as a float; anything but a single real number is a clear error."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise ValueError(f"f must return a single real number, but f({where}) returned "
                         f"{type(value).__name__} of shape {arr.shape}; gradients are "
                         "defined for scalar-valued functions (e.g. a loss)")
    return float(arr.reshape(()))


def numerical_grad(f, x, eps=1e-6):
    """The gradient of a scalar function by central differences.

    Args:
      f: callable mapping an array shaped like ``x`` to one real number.
      x: the point, a number or an array of any shape (a vector of parameters, a weight
        matrix, ...). It is copied to float64 and never modified.
      eps: the step, > 0.

    Returns:
      An array of the same shape as ``x`` (a float if ``x`` is a scalar) whose entry i is
      (f(x + eps e_i) - f(x - eps e_i)) / (2 eps). Costs 2 * x.size calls of f.

    Example::

        >>> import numpy as np
        >>> g = numerical_grad(lambda w: float(np.sum(w ** 2)), np.array([[1.0, 2.0]]))
        >>> np.round(g, 6)
        array([[2., 4.]])
    """
    if not callable(f):
        raise TypeError(f"Invalid f: {f!r} (expected a callable returning a number)")
    eps = _positive("eps", eps)
    x0 = _as_float_array(x)
    flat = x0.reshape(-1)  # a view: nudging flat[i] nudges the probe point
    grad = np.empty_like(flat)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        f_plus = _scalar(f(x0.copy()), "x + eps e_i")
        flat[i] = keep - eps
        f_minus = _scalar(f(x0.copy()), "x - eps e_i")
        flat[i] = keep
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
    out = grad.reshape(x0.shape)
    return float(out) if out.ndim == 0 else out


def relative_error(a, b):
    """||a - b|| / max(||a|| + ||b||, tiny): 0 for equal inputs, at most 1.

    Args:
      a, b: numbers or arrays of the same shape.
    """
    a = _as_float_array(a, "a")
    b = _as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"Shapes differ: a has shape {a.shape}, b has shape {b.shape} "
                         "(compare arrays of the same shape)")
    num = float(np.linalg.norm((a - b).ravel()))
    den = float(np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel()))
    return num / max(den, _TINY)


@dataclass(frozen=True, repr=False)
class GradCheckResult:
    """The outcome of :func:`check_grad`; ``bool(result)`` is ``result.ok``."""

    ok: bool
    error: float
    numerical: np.ndarray
    analytic: np.ndarray
    tol: float = 1e-6

    def __bool__(self):
        return bool(self.ok)

    @property
    def worst_index(self):
        """Index of the entry where the two gradients disagree most."""
        diff = np.abs(np.asarray(self.analytic) - np.asarray(self.numerical))
        return tuple(int(i) for i in np.unravel_index(np.argmax(diff), diff.shape))

    def __repr__(self):
        verdict = "passed" if self.ok else "FAILED"
        text = (f"GradCheckResult({verdict}: relative error {self.error:.2e} "
                f"{'<=' if self.ok else '>'} tol {self.tol:.0e}")
        if not self.ok and np.size(self.analytic):
            i = self.worst_index
            a = float(np.asarray(self.analytic)[i])
            n = float(np.asarray(self.numerical)[i])
            where = f"[{', '.join(map(str, i))}]" if i else ""
            text += f"; worst entry{where}: analytic {a:.6g} vs numerical {n:.6g}"
        return text + ")"


def check_grad(f, grad, x, eps=1e-6, tol=1e-6):
    """Compare an analytic gradient with central differences at x.

    Args:
      f: callable, the scalar function.
      grad: callable returning the claimed gradient at x (or the gradient array itself).
      x: the point (number or array; never modified).
      eps: finite-difference step, > 0.
      tol: largest relative error that counts as agreement, > 0.

    Returns:
      GradCheckResult(ok, error, numerical, analytic, tol) with
      ok = relative_error(analytic, numerical) <= tol.

    Raises:
      ValueError if grad(x) does not have the shape of x (a (d, 1) column instead of a
      flat (d,) vector is the classic slip).
    """
    eps = _positive("eps", eps)
    tol = _positive("tol", tol)
    x0 = _as_float_array(x)
    analytic = grad(x0.copy()) if callable(grad) else grad
    analytic = _as_float_array(analytic, "grad(x)")
    if analytic.shape != x0.shape:
        raise ValueError(f"grad(x) returned shape {analytic.shape} but x has shape "
                         f"{x0.shape}: a gradient has exactly one entry per entry of x")
    numerical = np.asarray(numerical_grad(f, x0, eps=eps), dtype=np.float64)
    error = relative_error(analytic, numerical)
    return GradCheckResult(ok=bool(error <= tol), error=error, numerical=numerical,
                           analytic=analytic, tol=tol)
