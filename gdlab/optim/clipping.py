"""Gradient norms and clipping, for one array or a list of arrays (one global norm)."""
import math

import numpy as np

from gdlab._validation import Interval, check

from ._base import as_float_array


def _as_list(grads):
    """(list of float arrays, was_a_single_array)."""
    if isinstance(grads, (list, tuple)):
        if len(grads) == 0:
            raise ValueError("grads is an empty list; pass an array or a non-empty list of arrays")
        return [as_float_array(g, "grads[%d]" % i) for i, g in enumerate(grads)], False
    return [as_float_array(grads, "grads")], True


# inf is a valid norm (the max norm) and a valid clip level (no clipping at all)
_POSITIVE_OR_INF = Interval(0, None, closed="neither", allow_inf=True)
_NONNEG_OR_INF = Interval(0, None, allow_inf=True)


def _check_norm_type(norm_type):
    return check(norm_type, "norm_type", _POSITIVE_OR_INF, hint="e.g. 1, 2 or float('inf')")


def _global_norm(arrays, p):
    if math.isinf(p):
        return max((float(np.max(np.abs(a))) if a.size else 0.0) for a in arrays)
    if p == 2.0:
        return math.sqrt(sum(float(np.vdot(a, a)) for a in arrays))
    return sum(float(np.sum(np.abs(a) ** p)) for a in arrays) ** (1.0 / p)


#: added to the norm before dividing, as torch.nn.utils.clip_grad_norm_ does
CLIP_EPS = 1e-6


def clip_coef(norm, max_norm):
    """The factor ``min(1, max_norm / (norm + 1e-6))`` by which clipping scales a gradient.

    The one clipping rule in gdlab (``clip_grad_norm`` and ``fit(clip_norm=)`` both use it).
    It is torch's, chosen over the bare ``max_norm / norm``: the 1e-6 keeps the division
    finite for a zero gradient (``max_norm=0`` is allowed), and the same rule as torch lets
    ``benchmarks/crosscheck_torch.py`` compare clipped runs number for number. The price is
    that a clipped gradient comes out a hair shorter than ``max_norm`` (by a relative
    1e-6 / norm), which no run can notice.
    """
    return min(1.0, max_norm / (norm + CLIP_EPS))


def grad_norm(grads, norm_type=2.0):
    r"""The p-norm of all gradient entries together, :math:`(\sum_i |g_i|^p)^{1/p}`.

    ``grads`` is an array or a list of arrays (the norm is global across the list, as if
    they were concatenated); ``norm_type=float('inf')`` gives :math:`\max_i |g_i|`.

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import grad_norm
        >>> grad_norm([np.array([3.0]), np.array([4.0])])
        5.0
        >>> grad_norm(np.array([3.0, -4.0]), norm_type=float("inf"))
        4.0
    """
    arrays, _ = _as_list(grads)
    return _global_norm(arrays, _check_norm_type(norm_type))


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    r"""A copy of ``grads`` rescaled so its global norm is at most ``max_norm``.

    As in ``torch.nn.utils.clip_grad_norm_``: with :math:`N` = ``grad_norm(grads,
    norm_type)``, every array is multiplied by

    .. math::  \min\left(1,\ \frac{\text{max\_norm}}{N + 10^{-6}}\right),

    so the direction is kept and only the length changes. Returns an array for an
    array and a list for a list; the inputs are not modified.

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import clip_grad_norm
        >>> print(np.round(clip_grad_norm(np.array([30.0, 40.0]), max_norm=5.0), 4))
        [3. 4.]

    Reference:
        Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural
        networks", ICML 2013.
    """
    max_norm = check(max_norm, "max_norm", _NONNEG_OR_INF)
    arrays, single = _as_list(grads)
    total = _global_norm(arrays, _check_norm_type(norm_type))
    coef = clip_coef(total, max_norm)
    clipped = [a * coef for a in arrays]  # a fresh array each, dtype kept
    return clipped[0] if single else clipped


def clip_grad_value(grads, clip_value):
    """A copy of ``grads`` with every entry clipped to ``[-clip_value, clip_value]``.

    Example:
        >>> import numpy as np
        >>> from gdlab.optim import clip_grad_value
        >>> print(clip_grad_value(np.array([-5.0, 0.5, 2.0]), 1.0))
        [-1.   0.5  1. ]
    """
    clip_value = check(clip_value, "clip_value", _NONNEG_OR_INF)
    arrays, single = _as_list(grads)
    c = float(clip_value)
    clipped = [np.clip(a, -c, c) for a in arrays]
    return clipped[0] if single else clipped
