"""Test functions for gradient descent, each with its gradient, Hessian and known answers.

An :class:`Objective` bundles a function with everything a lesson wants to know about it:
``f``, ``grad`` and ``hess`` written out by hand (so they are exact, and checkable against
finite differences), the known minimizers, saddle points and local maxima, a plot window
(``bounds``), a sensible ``start`` point, and, for quadratics, the curvature constants
``smoothness`` (L, the largest Hessian eigenvalue) and ``strong_convexity`` (mu, the
smallest). Gradient descent on an L-smooth function is stable for learning rates below 2/L,
which is why L is recorded wherever it is known exactly.

Shapes. A point is a flat array of shape ``(dim,)``. ``f`` also accepts a stack of points
whose FIRST axis is the coordinate, so a meshgrid can be evaluated in one call::

    >>> import numpy as np
    >>> from gdlab import objectives
    >>> rb = objectives.rosenbrock()
    >>> float(rb.f(np.array([1.0, 1.0])))
    0.0
    >>> X, Y = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 3, 4))
    >>> rb.f(np.array([X, Y])).shape
    (4, 5)

One-dimensional objectives (``dim == 1``) are elementwise instead: ``x`` is the coordinate
itself, so ``parabola().f(np.linspace(-2, 2, 100))`` returns 100 values and ``grad``/``hess``
return the first/second derivative at each of them.

Critical points that have no closed form (Himmelblau's, Beale's saddle, the wavy curve's
minima, Rastrigin's lattice) are polished by Newton's method when the module is imported,
so they are accurate to about 1e-12, not just to the digits written here.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from gdlab._validation import Interval, check

__all__ = [
    "Objective", "parabola", "quadratic", "ill_conditioned", "rosenbrock", "beale",
    "himmelblau", "booth", "saddle", "monkey_saddle", "wavy", "plateau", "rastrigin",
    "catalog", "get",
]


# --------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------
_ANY_REAL = Interval()
_POSITIVE = Interval(0, None, closed="neither")


def _int(name, value, *, low):
    return check(value, name, Interval(low, None, integer=True))


def _points(name, value, dim):
    """A (k, dim) float array of special points (k may be 0)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, dim))
    arr = arr.reshape(-1, dim) if arr.ndim == 1 and dim == 1 else arr
    if arr.ndim == 1 and arr.shape[0] == dim:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"Invalid {name}: shape {np.shape(value)} (expected (k, {dim}))")
    return arr


def _assemble(parts, batch, dtype):
    """Stack a (nested) list of arrays/scalars into one array of shape (..., *batch).

    Hand-written gradients return lists like ``[gx, gy]`` in which some entries are
    constants (e.g. 2*b); broadcasting each entry to the batch shape first lets them stack.
    """
    if isinstance(parts, (list, tuple)):
        return np.stack([_assemble(p, batch, dtype) for p in parts])
    return np.broadcast_to(np.asarray(parts, dtype=dtype), batch)


# --------------------------------------------------------------------------------------
# the Objective class
# --------------------------------------------------------------------------------------
class Objective:
    """A differentiable test function with its derivatives and known critical points.

    Args:
      name: short identifier (the key used by :func:`get`).
      dim: number of coordinates d.
      f, grad, hess: callables. For ``dim >= 2`` they receive ``x`` of shape
        ``(d, *batch)`` and return arrays of shape ``batch``, ``(d, *batch)`` and
        ``(d, d, *batch)`` (nested lists of per-entry arrays are fine; constants are
        broadcast). For ``dim == 1`` they are elementwise functions of ``x``.
      bounds: ``((lo, hi), ...)`` per coordinate, the default plot window.
      start: a default start point, shape ``(d,)``.
      minimizers: all known local minimizers, ``(k, d)``.
      global_minimizers: the subset that attains the smallest value (default: the
        minimizers with the lowest f).
      saddles, maximizers: known saddle points and local maxima, ``(k, d)``.
      smoothness: L = sup of the largest Hessian eigenvalue magnitude, if known exactly.
      strong_convexity: mu = inf of the smallest Hessian eigenvalue, if it is positive.
      params: the constructor arguments, shown by ``repr``.
      formula: a plain-text formula, used in plot titles.

    Example::

        >>> import numpy as np
        >>> from gdlab.objectives import himmelblau
        >>> h = himmelblau()
        >>> h.grad(np.array([3.0, 2.0]))
        array([0., 0.])
        >>> len(h.minimizers), len(h.saddles), len(h.maximizers)
        (4, 4, 1)
    """

    def __init__(self, name, dim, f, grad, hess, *, bounds, start, minimizers=(),
                 global_minimizers=None, saddles=(), maximizers=(), smoothness=None,
                 strong_convexity=None, params=None, formula=""):
        if not isinstance(name, str) or not name:
            raise TypeError(f"Invalid name: {name!r} (expected a non-empty string)")
        self.name = name
        self.dim = _int("dim", dim, low=1)
        for label, fn in (("f", f), ("grad", grad), ("hess", hess)):
            if not callable(fn):
                raise TypeError(f"Invalid {label}: {fn!r} (expected a callable)")
        self._f, self._grad, self._hess = f, grad, hess
        try:
            b = tuple((float(lo), float(hi)) for lo, hi in bounds)
        except (TypeError, ValueError):
            raise ValueError(f"Invalid bounds: {bounds!r} (expected one (lo, hi) pair per "
                             f"coordinate, {self.dim} in all)") from None
        if len(b) != self.dim or not all(lo < hi for lo, hi in b):
            raise ValueError(f"Invalid bounds: {bounds!r} (expected {self.dim} (lo, hi) "
                             "pairs with lo < hi)")
        self.bounds = b
        start = np.asarray(start, dtype=np.float64).reshape(-1)
        if start.shape != (self.dim,):
            raise ValueError(f"Invalid start: shape {start.shape} (expected ({self.dim},))")
        self._start = start
        self._minimizers = _points("minimizers", minimizers, self.dim)
        if global_minimizers is None and len(self._minimizers):
            values = np.array([float(self.f(self._unpoint(m))) for m in self._minimizers])
            best = values.min()
            # Ties within rounding (Himmelblau's four zeros) are all global.
            tol = 1e-9 * max(1.0, abs(best))
            global_minimizers = self._minimizers[values <= best + tol]
        self._global = _points("global_minimizers", global_minimizers if
                               global_minimizers is not None else (), self.dim)
        self._saddles = _points("saddles", saddles, self.dim)
        self._maximizers = _points("maximizers", maximizers, self.dim)
        self.smoothness = None if smoothness is None else float(smoothness)
        self.strong_convexity = None if strong_convexity is None else float(strong_convexity)
        self.params = dict(params or {})
        self.formula = formula

    # Special points are handed out as copies so a learner's in-place update
    # (``x = obj.start; x -= lr * g``) can never corrupt the shared definition.
    @property
    def start(self):
        """A default start point, shape (dim,) (a fresh copy each time)."""
        return self._start.copy()

    @property
    def minimizers(self):
        """All known local minimizers, shape (k, dim)."""
        return self._minimizers.copy()

    @property
    def global_minimizers(self):
        """The known minimizers with the smallest value, shape (k, dim)."""
        return self._global.copy()

    @property
    def saddles(self):
        """Known saddle points, shape (k, dim) (possibly (0, dim))."""
        return self._saddles.copy()

    @property
    def maximizers(self):
        """Known local maximizers, shape (k, dim) (possibly (0, dim))."""
        return self._maximizers.copy()

    @property
    def f_star(self):
        """The smallest known value f(x*), or None if no minimizer is known."""
        if not len(self._global):
            return None
        return float(min(float(self.f(self._unpoint(m))) for m in self._global))

    # --- evaluation ----------------------------------------------------------------------
    def _unpoint(self, p):
        # A stored point (dim,) as the argument f expects (a 1-D objective is elementwise,
        # so its single coordinate is passed as a scalar).
        return p[0] if self.dim == 1 else p

    def _coerce(self, x):
        arr = np.asarray(x)
        if arr.dtype.kind in "iu":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind != "f":
            raise TypeError(f"Invalid x for {self.name}: dtype {arr.dtype} (expected real "
                            "numbers, e.g. a float numpy array)")
        if self.dim > 1 and (arr.ndim == 0 or arr.shape[0] != self.dim):
            raise ValueError(
                f"Invalid x for {self.name}: shape {arr.shape} (expected ({self.dim},) for "
                f"one point, or ({self.dim}, ...) for a batch or meshgrid with the "
                f"coordinates on the first axis; n points stored as rows of an "
                f"(n, {self.dim}) array can be passed as X.T)")
        return arr

    def _finish(self, out, arr, lead):
        """Give a raw result the shape (lead dims..., *batch) and the input's dtype."""
        batch = arr.shape if self.dim == 1 else arr.shape[1:]
        if isinstance(out, (list, tuple)):
            out = _assemble(out, batch, arr.dtype)
        out = np.asarray(out)
        if out.shape[lead:] != batch:
            # constant Hessians and the like: broadcast over the batch
            out = np.broadcast_to(out.reshape(out.shape[:lead] + (1,) * len(batch)),
                                  out.shape[:lead] + batch)
        # a private, writeable array of the caller's float type (float32 stays float32)
        out = np.array(out, dtype=arr.dtype, copy=True)
        return out[()] if out.ndim == 0 else out

    def f(self, x):
        """The value f(x): a 0-d float for one point, shape ``batch`` for a stack."""
        arr = self._coerce(x)
        return self._finish(self._f(arr), arr, 0)

    __call__ = f

    def grad(self, x):
        """The gradient: shape (dim,) for one point ((dim, *batch) for a stack).

        For a 1-D objective: the derivative f'(x), elementwise, same shape as x.
        """
        arr = self._coerce(x)
        return self._finish(self._grad(arr), arr, 0 if self.dim == 1 else 1)

    def hess(self, x):
        """The Hessian: shape (dim, dim) for one point ((dim, dim, *batch) for a stack).

        For a 1-D objective: the second derivative f''(x), elementwise, same shape as x.
        """
        arr = self._coerce(x)
        return self._finish(self._hess(arr), arr, 0 if self.dim == 1 else 2)

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items() if k != "dim")
        return f"Objective({self.name!r}, dim={self.dim}{extra})"


# --------------------------------------------------------------------------------------
# Newton polishing of critical points that have no closed form
# --------------------------------------------------------------------------------------
def _polish(grad, hess, x0, *, tol=1e-13, iters=60):
    """Newton's method on grad = 0 from x0 (scalar or vector); raises if it fails.

    Used at import time, so a typo in a starting guess shows up as an ImportError-time
    failure instead of a silently wrong "known minimizer".
    """
    x = np.array(x0, dtype=np.float64)
    for _ in range(iters):
        g, h = np.asarray(grad(x)), np.asarray(hess(x))
        step = g / h if x.ndim == 0 else np.linalg.solve(h, g)
        x = x - step
        if np.max(np.abs(step)) < tol * max(1.0, float(np.max(np.abs(x)))):
            return x
    if np.max(np.abs(grad(x))) < 1e-10:
        return x
    raise RuntimeError(f"Newton polishing did not converge from {x0!r}")


# --------------------------------------------------------------------------------------
# one-dimensional objectives (elementwise)
# --------------------------------------------------------------------------------------
def parabola(a=1.0, c=0.0):
    r"""The parabola f(x) = a/2 (x - c)^2, the simplest objective there is.

    f'(x) = a (x - c) and f''(x) = a, so L = mu = a. Gradient descent with learning rate
    lr maps the error e = x - c to (1 - lr a) e: it converges for 0 < lr < 2/a, in one
    step at lr = 1/a, and oscillates for lr between 1/a and 2/a.

    Args:
      a: the curvature, a > 0.
      c: the minimizer.
    """
    a = check(a, "a", _POSITIVE, hint="a is the curvature f'' and must be positive for a minimum")
    c = check(c, "c", _ANY_REAL)
    return Objective(
        "parabola", 1,
        lambda x: 0.5 * a * (x - c) ** 2,
        lambda x: a * (x - c),
        lambda x: np.full_like(x, a),
        bounds=[(c - 3.0, c + 3.0)], start=[c + 2.5], minimizers=[[c]],
        smoothness=a, strong_convexity=a, params={"a": a, "c": c},
        formula=f"f(x) = {a:g}/2 (x - {c:g})²" if c else f"f(x) = {a:g}/2 x²")


_WAVY_GUESSES = {"min": (-3.4153, -0.6977, 2.0824), "max": (-2.7322, 0.8987)}


@lru_cache(maxsize=1)
def _wavy_points():
    fp = lambda x: 0.5 * x + 2.0 * np.cos(2.0 * x)  # noqa: E731
    fpp = lambda x: 0.5 - 4.0 * np.sin(2.0 * x)  # noqa: E731
    mins = [float(_polish(fp, fpp, g)) for g in _WAVY_GUESSES["min"]]
    maxs = [float(_polish(fp, fpp, g)) for g in _WAVY_GUESSES["max"]]
    return np.array(mins)[:, None], np.array(maxs)[:, None]


def wavy():
    r"""A 1-D curve with three local minima: f(x) = x^2/4 + sin(2x).

    f'(x) = x/2 + 2 cos(2x) and f''(x) = 1/2 - 4 sin(2x). All critical points lie in
    |x| <= 4 (there |x/2| <= 2 is needed for f' = 0): minima near -3.415, -0.698 (global,
    f = -0.863) and 2.082, and maxima near -2.732 and 0.899. Started at x0 = 3 with a
    small step, gradient descent settles in the local minimum near 2.08, not the global
    one. f'' <= 4.5 everywhere, so L = 4.5 is a global smoothness constant.
    """
    mins, maxs = _wavy_points()
    return Objective(
        "wavy", 1,
        lambda x: 0.25 * x ** 2 + np.sin(2.0 * x),
        lambda x: 0.5 * x + 2.0 * np.cos(2.0 * x),
        lambda x: 0.5 - 4.0 * np.sin(2.0 * x),
        bounds=[(-4.5, 4.5)], start=[3.0], minimizers=mins, maximizers=maxs,
        smoothness=4.5, formula="f(x) = x²/4 + sin(2x)")


def plateau():
    r"""A saturated tanh unit: f(x) = tanh(x)^2, flat far from its minimum at 0.

    Think of x as the pre-activation of a tanh neuron whose target output is 0: the loss is
    (tanh(x) - 0)^2. Far from 0 the unit saturates, tanh(x) -> +-1, and the gradient
    f'(x) = 2 tanh(x) sech(x)^2 decays like 8 e^{-2|x|}, so gradient descent started on the
    plateau (e.g. at the default start x0 = 3, where f' is about 0.02) crawls for many
    steps before it drops into the well. f''(x) = 2 sech^2 (sech^2 - 2 tanh^2) =
    2s(3s - 2) with s = sech^2 in (0, 1], so f'' lies in [-2/3, 2]: L = 2 (at x = 0).
    """
    def g(x):
        t = np.tanh(x)
        return 2.0 * t * (1.0 - t * t)

    def h(x):
        t = np.tanh(x)
        s = 1.0 - t * t
        return 2.0 * s * (s - 2.0 * t * t)

    return Objective(
        "plateau", 1, lambda x: np.tanh(x) ** 2, g, h,
        bounds=[(-5.0, 5.0)], start=[3.0], minimizers=[[0.0]], smoothness=2.0,
        formula="f(x) = tanh(x)²")


# --------------------------------------------------------------------------------------
# quadratics
# --------------------------------------------------------------------------------------
def _quadratic_1d(a, b, name, params, formula):
    # The 1-D quadratic is elementwise like every 1-D objective.
    center = b / a if a != 0 else 0.0
    crit = [[center]] if a != 0 else []
    return Objective(
        name, 1, lambda x: 0.5 * a * x * x - b * x, lambda x: a * x - b,
        lambda x: np.full_like(x, a),
        bounds=[(center - 3.0, center + 3.0)], start=[center + 2.5],
        minimizers=crit if a > 0 else [], maximizers=crit if a < 0 else [],
        smoothness=abs(a) if a != 0 else None, strong_convexity=a if a > 0 else None,
        params=params, formula=formula)


def quadratic(A, b=None):
    r"""The quadratic f(x) = 1/2 x^T A x - b^T x with a symmetric matrix A.

    grad f(x) = A x - b and hess f(x) = A. If A is positive definite the unique minimizer
    solves A x* = b; its eigenvalues lambda_min <= ... <= lambda_max give
    L = lambda_max, mu = lambda_min and the condition number kappa = L / mu, which sets
    how slowly gradient descent converges (error shrinks by about 1 - 1/kappa per step at
    lr = 1/L). If A is indefinite, x* is a saddle; if singular, there is no unique critical
    point and none is listed.

    Args:
      A: symmetric (d, d) matrix (array-like).
      b: vector of length d (default zeros).
    """
    return _quadratic(A, b, "quadratic", None)


def _quadratic(A, b, _name, _params):
    # shared by quadratic() and ill_conditioned(), which names itself and its parameters
    try:
        A = np.array(A, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"Invalid A: {A!r} (expected a square matrix of real numbers)") \
            from None
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"Invalid A: shape {A.shape} (expected a square (d, d) matrix, "
                         "e.g. [[2.0, 0.5], [0.5, 1.0]])")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"Invalid A: {A.tolist()!r} (entries must be finite)")
    d = A.shape[0]
    asym = np.abs(A - A.T)
    scale = max(1.0, float(np.max(np.abs(A))))
    if np.max(asym) > 1e-10 * scale:
        i, j = np.unravel_index(np.argmax(asym), asym.shape)
        raise ValueError(f"Invalid A: not symmetric (A[{i}, {j}] = {A[i, j]!r} but "
                         f"A[{j}, {i}] = {A[j, i]!r}); the Hessian of a quadratic is "
                         "symmetric, use (A + A.T) / 2")
    A = 0.5 * (A + A.T)  # exact symmetry, so eigvalsh and the Hessian agree
    if b is None:
        b = np.zeros(d)
    else:
        try:
            b = np.array(b, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"Invalid b: {b!r} (expected a vector of {d} real numbers)") \
                from None
        if b.shape != (d,):
            raise ValueError(f"Invalid b: shape {b.shape} (expected ({d},) to match A of "
                             f"shape {A.shape})")
        if not np.all(np.isfinite(b)):
            raise ValueError(f"Invalid b: {b.tolist()!r} (entries must be finite)")
    params = _params if _params is not None else {"A": A.tolist(), "b": b.tolist()}
    formula = "f(x) = ½ xᵀAx - bᵀx"
    if d == 1:
        return _quadratic_1d(float(A[0, 0]), float(b[0]), _name, params, formula)

    eig = np.linalg.eigvalsh(A)
    tiny = 1e-12 * max(1.0, float(np.max(np.abs(eig))))
    mins, sads, maxs = [], [], []
    center = np.zeros(d)
    if np.all(np.abs(eig) > tiny):
        center = np.linalg.solve(A, b)
        if eig[0] > 0:
            mins = [center]
        elif eig[-1] < 0:
            maxs = [center]
        else:
            sads = [center]

    def f(x):
        Ax = np.tensordot(A, x, axes=1)
        return 0.5 * np.sum(x * Ax, axis=0) - np.tensordot(b, x, axes=1)

    def grad(x):
        return np.tensordot(A, x, axes=1) - b.reshape((d,) + (1,) * (x.ndim - 1))

    def hess(x):
        return np.broadcast_to(A.reshape(A.shape + (1,) * (x.ndim - 1)),
                               A.shape + x.shape[1:])

    offset = np.full(d, 1.5)
    offset[0] = -2.5
    L = float(np.max(np.abs(eig)))
    return Objective(
        _name, d, f, grad, hess,
        bounds=[(c - 3.0, c + 3.0) for c in center], start=center + offset,
        minimizers=mins, saddles=sads, maximizers=maxs,
        smoothness=L if L > 0 else None,
        strong_convexity=float(eig[0]) if eig[0] > tiny else None,
        params=params, formula=formula)


def ill_conditioned(kappa, dim=2, angle=0.0):
    r"""A quadratic bowl with condition number kappa, minimizer at the origin.

    f(x) = 1/2 x^T A x with A = R diag(1, ..., kappa) R^T: the Hessian eigenvalues are
    1 and kappa (for dim > 2, spaced geometrically between them), so L = kappa, mu = 1
    and L/mu = kappa. With angle = 0 and dim = 2 this is f = (x^2 + kappa y^2)/2, a
    valley stretched along x; R rotates the (x0, x1) plane by ``angle`` radians, so the
    valley is no longer aligned with the axes (then rescaling the coordinates one by one,
    as Adagrad/Adam do, cannot undo the stretch).

    Args:
      kappa: condition number, >= 1.
      dim: number of coordinates, >= 2.
      angle: rotation of the eigenvectors in the (x0, x1) plane, in radians.
    """
    kappa = check(kappa, "kappa", Interval(1, None),
                  hint="kappa = L/mu is the condition number, at least 1")
    dim = _int("dim", dim, low=2)
    angle = check(angle, "angle", _ANY_REAL, hint="the rotation angle in radians")
    eig = np.geomspace(1.0, kappa, dim)
    R = np.eye(dim)
    c, s = math.cos(angle), math.sin(angle)
    R[:2, :2] = [[c, -s], [s, c]]
    A = R @ np.diag(eig) @ R.T
    obj = _quadratic(A, None, "ill_conditioned", {"kappa": kappa, "dim": dim, "angle": angle})
    obj.formula = (f"f(x, y) = (x² + {kappa:g} y²)/2" if dim == 2 and angle == 0
                   else f"f(x) = ½ xᵀAx, κ(A) = {kappa:g}")
    # Exact values instead of eigvalsh's rounding: the tests compare against kappa.
    obj.smoothness, obj.strong_convexity = kappa, 1.0
    return obj


def booth():
    r"""Booth's function f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2.

    A quadratic in disguise: its Hessian is the constant [[10, 8], [8, 10]] with
    eigenvalues 2 and 18 (L = 18, mu = 2, kappa = 9); the minimum f = 0 is at (1, 3).
    """
    def f(p):
        x, y = p
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2

    def grad(p):
        x, y = p
        u, v = x + 2 * y - 7, 2 * x + y - 5
        return [2 * u + 4 * v, 4 * u + 2 * v]

    return Objective(
        "booth", 2, f, grad, lambda p: [[10.0, 8.0], [8.0, 10.0]],
        bounds=[(-4.0, 6.0), (-2.0, 8.0)], start=[-3.0, -1.0], minimizers=[[1.0, 3.0]],
        smoothness=18.0, strong_convexity=2.0,
        formula="f(x, y) = (x + 2y - 7)² + (2x + y - 5)²")


# --------------------------------------------------------------------------------------
# classic non-convex surfaces
# --------------------------------------------------------------------------------------
def rosenbrock(a=1.0, b=100.0):
    r"""Rosenbrock's banana valley f(x, y) = (a - x)^2 + b (y - x^2)^2.

    The only critical point is the global minimum (a, a^2) (f_y = 0 forces y = x^2, then
    f_x = 0 forces x = a). The curved valley floor y = x^2 is easy to reach and slow to
    follow: gradient descent zig-zags across it. The Hessian at the minimum is
    [[2 + 8 b a^2, -4 b a], [-4 b a, 2 b]].

    Args:
      a: x-coordinate of the minimum.
      b: steepness of the valley walls, > 0.
    """
    a = check(a, "a", _ANY_REAL)
    b = check(b, "b", _POSITIVE, hint="b weights the valley term and must be positive")

    def f(p):
        x, y = p
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(p):
        x, y = p
        r = y - x * x
        return [-2.0 * (a - x) - 4.0 * b * x * r, 2.0 * b * r]

    def hess(p):
        x, y = p
        hxy = -4.0 * b * x
        return [[2.0 - 4.0 * b * y + 12.0 * b * x * x, hxy], [hxy, 2.0 * b]]

    return Objective(
        "rosenbrock", 2, f, grad, hess,
        bounds=[(a - 3.0, a + 1.0), (a * a - 2.0, a * a + 2.0)],
        start=[a - 2.2, a * a], minimizers=[[a, a * a]],
        params={"a": a, "b": b}, formula=f"f(x, y) = ({a:g} - x)² + {b:g} (y - x²)²")


_BEALE_C = (1.5, 2.25, 2.625)


def _beale_terms(p):
    # f = sum_i t_i^2 with t_i = c_i - x + x y^i; derivatives of each t_i by the chain rule.
    x, y = p
    t = [c - x + x * y ** i for i, c in enumerate(_BEALE_C, start=1)]
    tx = [y ** i - 1.0 for i in (1, 2, 3)]
    ty = [i * x * y ** (i - 1) for i in (1, 2, 3)]
    txy = [i * y ** (i - 1) for i in (1, 2, 3)]
    tyy = [0.0 * x, 2.0 * x, 6.0 * x * y]
    return t, tx, ty, txy, tyy


def _beale_f(p):
    t = _beale_terms(p)[0]
    return t[0] ** 2 + t[1] ** 2 + t[2] ** 2


def _beale_grad(p):
    t, tx, ty, _, _ = _beale_terms(p)
    return [sum(2 * a * b for a, b in zip(t, tx)), sum(2 * a * b for a, b in zip(t, ty))]


def _beale_hess(p):
    t, tx, ty, txy, tyy = _beale_terms(p)
    hxx = sum(2 * u * u for u in tx)  # t_xx = 0
    hxy = sum(2 * (u * v + w * z) for u, v, w, z in zip(tx, ty, t, txy))
    hyy = sum(2 * (v * v + w * z) for v, w, z in zip(ty, t, tyy))
    return [[hxx, hxy], [hxy, hyy]]


@lru_cache(maxsize=1)
def _beale_saddles():
    g = lambda p: np.array(_beale_grad(p))  # noqa: E731
    h = lambda p: np.array(_beale_hess(p))  # noqa: E731
    # (0, 1) is exact: on x = 0 every t_i is constant and f_x = 2 sum c_i (y^i - 1) = 0.
    return np.array([[0.0, 1.0], _polish(g, h, [0.100538, -2.644514])])


def beale():
    r"""Beale's function f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2.

    Global minimum f = 0 at (3, 0.5), in a narrow curved valley; critical points found by
    Newton from a dense grid of starts: the minimum and two saddles, (0, 1) (exactly) and
    one near (0.1005, -2.6445). Flat near y = 0 and extremely steep for |y| > 2, so a
    learning rate that is safe in one region explodes in another.
    """
    return Objective(
        "beale", 2, _beale_f, _beale_grad, _beale_hess,
        bounds=[(-4.5, 4.5), (-4.5, 4.5)], start=[1.0, 1.5], minimizers=[[3.0, 0.5]],
        saddles=_beale_saddles(),
        formula="f = (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²")


def _himmelblau_grad(p):
    x, y = p
    u, v = x * x + y - 11.0, x + y * y - 7.0
    return [4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v]


def _himmelblau_hess(p):
    x, y = p
    hxy = 4.0 * (x + y)
    return [[12.0 * x * x + 4.0 * y - 42.0, hxy], [hxy, 4.0 * x + 12.0 * y * y - 26.0]]


_HIMMELBLAU_GUESSES = {
    "min": ([3.0, 2.0], [-2.805118, 3.131313], [-3.779310, -3.283186], [3.584428, -1.848127]),
    "saddle": ([-3.073026, -0.081353], [-0.127961, -1.953715], [0.086678, 2.884255],
               [3.385154, 0.073852]),
    "max": ([-0.270845, -0.923039],),
}


@lru_cache(maxsize=1)
def _himmelblau_points():
    g = lambda p: np.array(_himmelblau_grad(p))  # noqa: E731
    h = lambda p: np.array(_himmelblau_hess(p))  # noqa: E731
    return {k: np.array([_polish(g, h, p) for p in v]) for k, v in _HIMMELBLAU_GUESSES.items()}


def himmelblau():
    r"""Himmelblau's function f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2.

    Four global minima with f = 0: (3, 2) exactly and three others near (-2.805, 3.131),
    (-3.779, -3.283), (3.584, -1.848); between them four saddles and one local maximum
    near (-0.271, -0.923) (nine critical points in all). Which minimum gradient descent
    finds depends on the start: the basins of attraction.
    """
    def f(p):
        x, y = p
        return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2

    pts = _himmelblau_points()
    return Objective(
        "himmelblau", 2, f, _himmelblau_grad, _himmelblau_hess,
        bounds=[(-5.0, 5.0), (-5.0, 5.0)], start=[0.0, 0.0], minimizers=pts["min"],
        global_minimizers=pts["min"], saddles=pts["saddle"], maximizers=pts["max"],
        formula="f(x, y) = (x² + y - 11)² + (x + y² - 7)²")


def saddle():
    r"""The saddle f(x, y) = x^2 - y^2: a critical point at the origin that is no minimum.

    Hessian diag(2, -2). Started exactly on the x-axis, gradient descent walks into the
    saddle and stops; started a hair off it (the default start has y = 0.01), the y
    component grows by a factor (1 + 2 lr) per step, so escape is slow at first, then
    sudden. Unbounded below: there is no minimizer.
    """
    def f(p):
        x, y = p
        return x * x - y * y

    def grad(p):
        x, y = p
        return [2.0 * x, -2.0 * y]

    return Objective(
        "saddle", 2, f, grad, lambda p: [[2.0, 0.0], [0.0, -2.0]],
        bounds=[(-2.0, 2.0), (-2.0, 2.0)], start=[-1.5, 0.01], saddles=[[0.0, 0.0]],
        smoothness=2.0, formula="f(x, y) = x² - y²")


def monkey_saddle():
    r"""The monkey saddle f(x, y) = x^3 - 3 x y^2 (room for two legs and a tail).

    The origin is a degenerate saddle: gradient AND Hessian vanish there, so the
    second-derivative test says nothing and f dips below 0 in three directions
    (angles pi/3, pi, 5pi/3). Unbounded below; no minimizer.
    """
    def f(p):
        x, y = p
        return x ** 3 - 3.0 * x * y * y

    def grad(p):
        x, y = p
        return [3.0 * x * x - 3.0 * y * y, -6.0 * x * y]

    def hess(p):
        x, y = p
        return [[6.0 * x, -6.0 * y], [-6.0 * y, -6.0 * x]]

    return Objective(
        "monkey_saddle", 2, f, grad, hess,
        bounds=[(-2.0, 2.0), (-2.0, 2.0)], start=[1.0, 0.3], saddles=[[0.0, 0.0]],
        formula="f(x, y) = x³ - 3xy²")


# --------------------------------------------------------------------------------------
# Rastrigin: a regular lattice of local minima
# --------------------------------------------------------------------------------------
_RASTRIGIN_HALF = 5.12   # the customary search box [-5.12, 5.12]^d
_RASTRIGIN_ENUM = 10_000  # enumerate critical points only while 21^d stays this small


@lru_cache(maxsize=1)
def _rastrigin_1d():
    """Critical points of g(t) = t^2 - 10 cos(2 pi t) inside [-5.12, 5.12].

    g'(t) = 2t + 20 pi sin(2 pi t): one minimum near every integer -5..5 and one maximum
    near every half-integer -4.5..4.5 (the next ones, near +-5.5, lie outside the box).
    """
    gp = lambda t: 2.0 * t + 20.0 * np.pi * np.sin(2.0 * np.pi * t)  # noqa: E731
    gpp = lambda t: 2.0 + 40.0 * np.pi ** 2 * np.cos(2.0 * np.pi * t)  # noqa: E731
    mins = np.array([float(_polish(gp, gpp, k)) for k in range(-5, 6)])
    maxs = np.array([float(_polish(gp, gpp, k + 0.5)) for k in range(-5, 5)])
    return mins, maxs


def rastrigin(dim=2):
    r"""Rastrigin's function f(x) = 10 d + sum_i (x_i^2 - 10 cos(2 pi x_i)).

    A bowl covered in a lattice of bumps: global minimum f = 0 at the origin and a local
    minimum near every integer point. The function is a sum of identical 1-D terms, so its
    critical points are products of the 1-D ones: in the box [-5.12, 5.12]^d each
    coordinate sits at one of 11 minima or 10 maxima of its term. All 11^d minima, the
    mixed saddles and the 10^d maxima are listed while 21^d <= 10000 (dim <= 3); beyond
    that only the global minimizer is (the lists would be astronomically long).
    Each Hessian is diagonal with entries 2 + 40 pi^2 cos(2 pi x_i), so L = 2 + 40 pi^2.

    Args:
      dim: number of coordinates, >= 1 (dim = 1 is elementwise like every 1-D objective).
    """
    dim = _int("dim", dim, low=1)
    tw = 2.0 * np.pi

    def f(x):
        terms = x * x - 10.0 * np.cos(tw * x)
        return 10.0 + terms if dim == 1 else 10.0 * dim + np.sum(terms, axis=0)

    def grad(x):
        return 2.0 * x + 20.0 * np.pi * np.sin(tw * x)

    def hess(x):
        diag = 2.0 + 40.0 * np.pi ** 2 * np.cos(tw * x)
        if dim == 1:
            return diag
        H = np.zeros((dim, dim) + x.shape[1:], dtype=diag.dtype)
        idx = np.arange(dim)
        H[idx, idx] = diag
        return H

    mins1, maxs1 = _rastrigin_1d()
    mins, saddles, maxs = [[0.0] * dim], [], []
    if 21 ** dim <= _RASTRIGIN_ENUM:
        kinds = [(m, 0) for m in mins1] + [(m, 1) for m in maxs1]
        grid = np.array(np.meshgrid(*[np.arange(len(kinds))] * dim, indexing="ij"))
        combos = grid.reshape(dim, -1).T
        coords = np.array([k[0] for k in kinds])[combos]
        n_max = np.array([k[1] for k in kinds])[combos].sum(axis=1)
        mins, maxs = coords[n_max == 0], coords[n_max == dim]
        saddles = coords[(n_max > 0) & (n_max < dim)]
    start = np.where(np.arange(dim) % 2 == 0, 3.2, -2.2)
    return Objective(
        "rastrigin", dim, f, grad, hess,
        bounds=[(-_RASTRIGIN_HALF, _RASTRIGIN_HALF)] * dim, start=start,
        minimizers=mins, global_minimizers=[[0.0] * dim], saddles=saddles,
        maximizers=maxs, smoothness=2.0 + 40.0 * np.pi ** 2, params={"dim": dim},
        formula="f(x) = 10d + Σ (xᵢ² - 10 cos 2πxᵢ)")


# --------------------------------------------------------------------------------------
# lookup by name
# --------------------------------------------------------------------------------------
# The examples used when a parameterised family is requested by name alone.
_EXAMPLE_A = [[3.0, 1.0], [1.0, 2.0]]
_EXAMPLE_B = [1.0, -1.0]


# Factories by name; ``quadratic`` and ``ill_conditioned`` have required arguments, so
# their entries are fixed examples.
_FACTORIES = {
    "parabola": parabola,
    "quadratic": lambda: quadratic(_EXAMPLE_A, _EXAMPLE_B),
    "ill_conditioned": lambda: ill_conditioned(10.0),
    "rosenbrock": rosenbrock,
    "beale": beale,
    "himmelblau": himmelblau,
    "booth": booth,
    "saddle": saddle,
    "monkey_saddle": monkey_saddle,
    "wavy": wavy,
    "plateau": plateau,
    "rastrigin": rastrigin,
}


def catalog():
    """All objectives with their default arguments, as a dict name -> Objective.

    ``quadratic`` and ``ill_conditioned`` have required arguments; here they are the
    examples ``quadratic([[3, 1], [1, 2]], [1, -1])`` and ``ill_conditioned(kappa=10)``.
    A fresh set of objects is built on every call.
    """
    return {name: make() for name, make in _FACTORIES.items()}


def get(name):
    """The objective called ``name`` (see :func:`catalog`), e.g. ``get("rosenbrock")``.

    Case, spaces and hyphens are forgiven ("Monkey saddle" -> "monkey_saddle").
    """
    if not isinstance(name, str):
        raise TypeError(f"Invalid objective name: {name!r} (expected a string such as "
                        "'rosenbrock')")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _FACTORIES:
        raise ValueError(f"Unknown objective: {name!r} (valid names: "
                         f"{', '.join(sorted(_FACTORIES))})")
    return _FACTORIES[key]()
