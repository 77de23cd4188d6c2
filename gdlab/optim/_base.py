"""What every optimizer shares: argument checking, dtype rules, the step counter, the lr.

An optimizer here is a small object with a ``step(x, grad) -> new x`` method. It keeps
its running buffers (momentum, squared-gradient averages, ...) between calls, so the
same object must be fed the same parameter vector every step; ``reset()`` forgets them.
"""
import math

import numpy as np

from gdlab._validation import Interval, check


# --------------------------------------------------------------------------- validation
# The rule and the message shape live in gdlab._validation; these wrappers only add the
# torch.optim labels ("Invalid momentum value: -1", "Invalid learning rate: -0.1").
NONNEG = Interval(0, None)
UNIT = Interval(0, 1)  # closed [0, 1], e.g. dampening, RMSprop's alpha


def _check_real(value, name, interval=Interval(None, None), label=None):
    """A real number (not a bool, not a string) in ``interval``, as float."""
    return check(value, name, interval, label=label)


def check_nonneg(value, label):
    """``label`` is the PyTorch-style prefix, e.g. "momentum value" -> "Invalid momentum value: -1"."""
    return check(value, label.split()[0], NONNEG, label=label)


def check_unit(value, label):
    """A number in [0, 1], labelled like ``check_nonneg``."""
    return check(value, label.split()[0], UNIT, label=label)


def check_beta(value, index):
    return check(value, f"betas[{index}]", Interval(0, 1, closed="left"),
                 label=f"beta parameter at index {index}")


def check_lr(lr):
    """A learning rate is a finite float >= 0 or a schedule (callable step -> lr)."""
    if callable(lr):
        return lr
    return check(lr, "lr", NONNEG, label="learning rate",
                 also="a schedule such as gdlab.schedules.cosine(...)")


def as_float_array(x, name="x"):
    """Turn lists/scalars into arrays; ints become float64, float32 stays float32."""
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


# --------------------------------------------------------------------------- base class
class Optimizer:
    """Base class: subclasses implement ``_update(x, g, lr) -> new array``.

    ``x`` and ``g`` handed to ``_update`` are already validated arrays of the same shape
    and dtype; ``x`` may alias the caller's array, so ``_update`` must write its result
    into a fresh array (``np.empty_like``/out=) and never into ``x`` or ``g``.
    ``self.t`` is the number of steps already taken, so inside ``_update`` the current
    step is ``t = self.t + 1`` (PyTorch counts steps from 1).
    """

    needs_hessian = False
    _buffer_names = ()  # names shown in .state, in this order

    def __new__(cls, *args, **kwargs):
        # Every hyperparameter is keyword-only, so a positional argument is almost always
        # torch's habit of handing the parameters to the constructor. Say what differs,
        # instead of Python's bare "takes 1 positional argument but 2 were given".
        if args:
            name = cls.__name__
            raise TypeError(
                f"{name}() takes no positional arguments (got {len(args)}). Unlike torch.optim, "
                f"a gdlab optimizer does not hold the parameters: create it with keywords, "
                f"opt = gdlab.optim.{name}(lr=0.1), and pass the parameters to each step, "
                f"x = opt.step(x, grad), which returns the new x.")
        return super().__new__(cls)

    def __init__(self, *, lr):
        self.lr = lr
        self.reset()

    # -- lr --------------------------------------------------------------------------
    @property
    def lr(self):
        """The learning rate: a float, or a schedule (callable 0-based step -> float)."""
        return self._lr

    @lr.setter
    def lr(self, value):
        # Validated on assignment too, so `opt.lr = -1` fails where it is written.
        self._lr = check_lr(value)

    @property
    def current_lr(self):
        """The learning rate the NEXT step will use (a schedule is evaluated at ``self.t``)."""
        return self.lr_at(self.t)

    def lr_at(self, step):
        """The learning rate of the 0-based update ``step`` (the float lr, or the schedule's
        value there), checked like the lr itself. Does not touch the step count."""
        if not callable(self.lr):
            return self.lr
        value = self.lr(step)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"the lr schedule {self.lr!r} returned {value!r} at step {step}; "
                            "a schedule must return a float") from None
        if not value >= 0.0 or math.isinf(value):
            raise ValueError(f"Invalid learning rate: {value} returned by the schedule "
                             f"{self.lr!r} at step {step} (must be finite and >= 0)")
        return value

    # -- state -----------------------------------------------------------------------
    def reset(self):
        """Forget every buffer and set the step count back to 0 (hyperparameters stay)."""
        self.t = 0
        self._shape = None
        self._dtype = None
        self._buffers = {}

    @property
    def state(self):
        """``{"step": t, <buffer name>: array, ...}``; the arrays are the live buffers."""
        state = {"step": self.t}
        for name in self._buffer_names:
            if name in self._buffers:
                state[name] = self._buffers[name]
        return state

    # -- step ------------------------------------------------------------------------
    def _prepare(self, x, grad):
        if (type(x) is np.ndarray and type(grad) is np.ndarray and x.dtype == self._dtype
                and grad.dtype == self._dtype and x.shape == self._shape == grad.shape):
            # The common case after the first step: float arrays this optimizer has seen
            # (self._dtype is only ever a float dtype). The checks below would return them
            # unchanged; skipping them makes step() ~4 us faster, which a dashboard running
            # hundreds of steps per slider move can feel.
            return x, grad
        x = as_float_array(x, "x")
        g = np.asarray(grad)
        if g.shape != x.shape:
            raise ValueError(f"grad has shape {g.shape} but x has shape {x.shape}; "
                             "they must match")
        g = as_float_array(g, "grad").astype(x.dtype, copy=False)
        if self._shape is None:
            self._shape, self._dtype = x.shape, x.dtype
        elif x.shape != self._shape or x.dtype != self._dtype:
            raise ValueError(
                f"this {type(self).__name__} holds state for x of shape {self._shape} and dtype "
                f"{self._dtype}, but got x of shape {x.shape} and dtype {x.dtype}; use one "
                "optimizer per parameter vector, or call opt.reset() before switching")
        return x, g

    def _buffer(self, name, x, fill=0.0):
        """The named buffer, created (same shape/dtype as x) on first use."""
        buf = self._buffers.get(name)
        if buf is None:
            buf = np.full_like(x, fill)
            self._buffers[name] = buf
        return buf

    def step(self, x, grad):
        """Take one update from ``x`` with gradient ``grad``; return the NEW parameters.

        Neither ``x`` nor ``grad`` is modified. Lists are accepted and converted.
        """
        x, g = self._prepare(x, grad)
        return self.step_unchecked(x, g, self.current_lr)

    def step_unchecked(self, x, g, lr):
        """``step`` without its checks, for inner loops that already know the inputs are fine.

        The caller vouches that ``x`` and ``g`` are float arrays of the shape and dtype an
        earlier ``step`` accepted, and passes the rate (normally ``current_lr``, which the
        caller may also want to record). ``gdlab.train.fit`` uses it after the first update:
        for small mini-batches the checks cost more than the update itself.
        """
        new = self._update(x, g, lr)
        self.t += 1
        return new

    def count_steps(self, n):
        """Add ``n`` updates that were computed outside this object to the step count.

        For a runner that does the optimizer's arithmetic itself (``gdlab.epochs``' fast
        plain-SGD epoch). Only an optimizer whose sole state is the count can be driven
        that way, and ``n`` must be the updates really applied: schedules read the count.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"Invalid number of steps: {n!r} (must be an integer >= 0)")
        self.t += int(n)

    def _update(self, x, g, lr):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- repr ------------------------------------------------------------------------
    def _hyperparameters(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in {"lr": self.lr,
                                                   **self._hyperparameters()}.items())
        return f"{type(self).__name__}({args})"
