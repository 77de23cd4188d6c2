"""One rule for checking arguments, so every gdlab function rejects bad input the same way.

An argument is checked against a constraint: an ``Interval`` of real numbers or of
integers, or a set of ``Options``. A value of the wrong kind raises TypeError, a value of
the right kind outside the allowed set raises ValueError, and both say it in one shape,
the one ``torch.optim`` uses, quoting the value and saying what would be valid::

    Invalid learning rate: -0.1 (must be a finite number >= 0)
    Invalid weight_decay value: '0.1' (must be a finite number >= 0, not str)

What counts as a number is the same everywhere: ``numbers.Real`` (Python and NumPy
floats and ints) but never a bool (``True`` is an int to Python, but ``alpha=True`` is a
slip, not a regularization strength) and never a string (``"0.1"`` is a typo for 0.1 that
we would rather point out than guess). NaN is in no interval.

The design follows scikit-learn's ``Interval`` / ``StrOptions`` constraints
(sklearn/utils/_param_validation.py) in spirit; the code is gdlab's own and far smaller.

>>> check(0.5, "momentum", Interval(0, 1, closed="left"))
0.5
>>> check(True, "alpha", Interval(0, None))
Traceback (most recent call last):
...
TypeError: Invalid alpha: True (must be a finite number >= 0, not bool)
"""
import math
import numbers

import numpy as np

__all__ = ["Interval", "Options", "check", "is_real"]


def is_real(value):
    """True for a real number (int, float, NumPy scalar), False for bools and everything else."""
    return isinstance(value, numbers.Real) and not _is_bool(value)


def _is_bool(value):
    # numpy's bool is no numbers.Real, but Options(True, False) must know it as a bool
    return isinstance(value, (bool, np.bool_))


def _show_bound(bound):
    return repr(bound) if isinstance(bound, int) else f"{bound:g}"


class Interval:
    """Numbers from ``low`` to ``high`` (None = unbounded on that side).

    ``closed`` says which ends belong to the interval: "both", "left", "right", "neither".
    ``integer=True`` admits only integers (``numbers.Integral``, bools excluded).
    An unbounded side admits only finite numbers unless ``allow_inf=True`` (e.g. a loss
    threshold where ``float('inf')`` means "never stop on size").
    """

    _CLOSED = ("both", "left", "right", "neither")

    def __init__(self, low=None, high=None, *, closed="both", integer=False, allow_inf=False):
        if closed not in self._CLOSED:
            raise ValueError(f"Invalid closed: {closed!r} (must be one of {self._CLOSED})")
        self.low, self.high, self.closed = low, high, closed
        self.integer, self.allow_inf = integer, allow_inf

    def kind_ok(self, value):
        if self.integer:
            return isinstance(value, numbers.Integral) and not _is_bool(value)
        return is_real(value)

    def __contains__(self, value):
        v = float(value)
        if math.isnan(v) or (math.isinf(v) and not self.allow_inf):
            return False
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and not (v >= self.low if left else v > self.low):
            return False
        if self.high is not None and not (v <= self.high if right else v < self.high):
            return False
        return True

    def __str__(self):
        noun = "an integer" if self.integer else (
            "a number" if self.allow_inf or (self.low is not None and self.high is not None)
            else "a finite number")
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            return (f"{noun} in {'[' if left else '('}{_show_bound(self.low)}, "
                    f"{_show_bound(self.high)}{']' if right else ')'}")
        if self.low is not None:
            return f"{noun} {'>=' if left else '>'} {_show_bound(self.low)}"
        if self.high is not None:
            return f"{noun} {'<=' if right else '<'} {_show_bound(self.high)}"
        return noun

    def __repr__(self):
        return (f"Interval({self.low!r}, {self.high!r}, closed={self.closed!r}, "
                f"integer={self.integer!r})")


class Options:
    """A fixed set of allowed values, typically strings ("min", "max")."""

    def __init__(self, *values):
        self.values = values

    def kind_ok(self, value):
        return True  # any kind may be compared; membership decides

    def __contains__(self, value):
        if not isinstance(value, (str, numbers.Number)) and not _is_bool(value):
            return False  # an array or a list: == would not give one True/False
        # True == 1 in Python, but passing 1 where the option is True is a slip
        return any(_is_bool(v) == _is_bool(value) and v == value for v in self.values)

    def __str__(self):
        return "one of " + ", ".join(repr(v) for v in self.values)


def _fail(error, label, shown, constraint, also, none_ok, *, kind=None, hint=None):
    rule = str(constraint)  # built only here: check() runs on hot paths (every step)
    if also:
        rule += f" or {also}"
    if none_ok:
        rule += ", or None"
    text = f"Invalid {label}: {shown} (must be {rule}"
    if kind is not None:
        text += f", not {kind}"
    if hint:
        text += f"; {hint}"
    raise error(text + ")")


def check(value, name, constraint, *, label=None, hint=None, none_ok=False, also=None):
    """Return ``value`` (as float / int for an Interval) if it satisfies ``constraint``.

    ``name`` is the argument's name, which the message quotes unless ``label`` names it
    differently (torch says "learning rate" for ``lr``). ``hint`` is appended after a ";".
    ``none_ok`` lets ``None`` through; ``also`` names another accepted kind of value that
    the caller has already handled (e.g. "a schedule"), so the message lists it too.
    """
    if none_ok and value is None:
        return None
    label = name if label is None else label
    if not constraint.kind_ok(value):
        _fail(TypeError, label, repr(value), constraint, also, none_ok,
              kind=type(value).__name__, hint=hint)
    if isinstance(constraint, Interval):
        # quote the value as a plain Python number (np.float64(-1.0) would read badly)
        value = int(value) if constraint.integer else float(value)
    if value not in constraint:
        _fail(ValueError, label, repr(value), constraint, also, none_ok, hint=hint)
    return value
