"""Learning-rate schedules: plain callables ``step -> lr``.

``step`` is the 0-based index of the update about to be taken, so ``schedule(0)`` is the
rate of the very first step. Any of them can be passed wherever ``lr=`` is accepted::

    opt = gdlab.optim.SGD(lr=gdlab.schedules.cosine(0.1, total_steps=500))

They are small objects (for a readable ``repr``), but calling one is all an optimizer does.
``ReduceOnPlateau`` is the one schedule with memory: it listens to the loss through
``observe(loss)``.
"""
import bisect
import math
import numbers

from gdlab._validation import Interval, Options, check

__all__ = ["constant", "step_decay", "multi_step", "exponential", "inverse_time", "cosine",
           "warmup", "ReduceOnPlateau"]


# --------------------------------------------------------------------------- checks
# The rule and message shape are gdlab._validation's; these name the common constraints.
_NONNEG = Interval(0, None)
_POSITIVE = Interval(0, None, closed="neither")
_UNIT = Interval(0, 1)


def _lr(value, name="lr"):
    return check(value, name, _NONNEG, label="learning rate" if name == "lr" else name)


def _int(value, name, minimum=1):
    return check(value, name, Interval(minimum, None, integer=True))


def _min_lr(value, lr):
    return check(value, "min_lr", Interval(0, lr), hint=f"a floor cannot exceed lr={lr}")


_STEP = Interval(0, None, integer=True)


def _step(step):
    return check(step, "step", _STEP, hint="a schedule is called with the 0-based step index")


class _Schedule:
    """Shared repr: ``name(arg=value, ...)`` from the constructor arguments."""

    _name = ""

    def _args(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._args().items())
        return f"{self._name}({args})"

    def __call__(self, step):
        return self._value(_step(step))


# --------------------------------------------------------------------------- schedules
class constant(_Schedule):
    r"""The same rate at every step: :math:`\gamma_t = \gamma`.

    Example:
        >>> from gdlab.schedules import constant
        >>> constant(0.1)(0), constant(0.1)(1000)
        (0.1, 0.1)
    """

    _name = "constant"

    def __init__(self, lr):
        self.lr = _lr(lr)

    def _args(self):
        return {"lr": self.lr}

    def _value(self, t):
        return self.lr


class step_decay(_Schedule):
    r"""Multiply by ``gamma`` every ``step_size`` steps (torch's StepLR).

    .. math::  \gamma_t = \gamma \cdot \text{gamma}^{\lfloor t / \text{step\_size} \rfloor}

    Example:
        >>> from gdlab.schedules import step_decay
        >>> s = step_decay(1.0, step_size=10, gamma=0.5)
        >>> [s(0), s(9), s(10), s(25)]
        [1.0, 1.0, 0.5, 0.25]
    """

    _name = "step_decay"

    def __init__(self, lr, *, step_size, gamma=0.1):
        self.lr = _lr(lr)
        self.step_size = _int(step_size, "step_size")
        self.gamma = check(gamma, "gamma", _POSITIVE, hint="< 1 decays")

    def _args(self):
        return {"lr": self.lr, "step_size": self.step_size, "gamma": self.gamma}

    def _value(self, t):
        return self.lr * self.gamma ** (t // self.step_size)


class multi_step(_Schedule):
    r"""Multiply by ``gamma`` at each milestone (torch's MultiStepLR).

    .. math::  \gamma_t = \gamma \cdot \text{gamma}^{\#\{m \in \text{milestones} : m \le t\}}

    Example:
        >>> from gdlab.schedules import multi_step
        >>> s = multi_step(1.0, milestones=[3, 5], gamma=0.1)
        >>> [round(s(t), 6) for t in range(7)]
        [1.0, 1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    """

    _name = "multi_step"

    def __init__(self, lr, *, milestones, gamma=0.1):
        self.lr = _lr(lr)
        try:
            milestones = list(milestones)
        except TypeError:
            raise TypeError(f"milestones must be a list of ints, got {milestones!r}") from None
        for m in milestones:
            _int(m, "milestone")
        if any(b <= a for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"Invalid milestones: {milestones} (must be strictly increasing)")
        self.milestones = [int(m) for m in milestones]
        self.gamma = check(gamma, "gamma", _POSITIVE, hint="< 1 decays")

    def _args(self):
        return {"lr": self.lr, "milestones": self.milestones, "gamma": self.gamma}

    def _value(self, t):
        return self.lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class exponential(_Schedule):
    r"""Multiply by ``gamma`` every step (torch's ExponentialLR): :math:`\gamma_t = \gamma\,
    \text{gamma}^t`.

    Example:
        >>> from gdlab.schedules import exponential
        >>> s = exponential(1.0, gamma=0.5)
        >>> [s(0), s(1), s(3)]
        [1.0, 0.5, 0.125]
    """

    _name = "exponential"

    def __init__(self, lr, *, gamma):
        self.lr = _lr(lr)
        self.gamma = check(gamma, "gamma", _POSITIVE, hint="< 1 decays")

    def _args(self):
        return {"lr": self.lr, "gamma": self.gamma}

    def _value(self, t):
        return self.lr * self.gamma ** t


class inverse_time(_Schedule):
    r"""The classic stochastic-approximation decay.

    .. math::  \gamma_t = \frac{\gamma}{(1 + \text{decay}\cdot t)^{\text{power}}}

    ``power=1`` gives the :math:`1/t` rate of Robbins & Monro (1951); ``power=0.5`` the
    :math:`1/\sqrt t` rate common for convex SGD.

    Example:
        >>> from gdlab.schedules import inverse_time
        >>> s = inverse_time(1.0, decay=1.0)
        >>> [s(0), s(1), s(3)]
        [1.0, 0.5, 0.25]
    """

    _name = "inverse_time"

    def __init__(self, lr, *, decay, power=1.0):
        self.lr = _lr(lr)
        self.decay = check(decay, "decay", _NONNEG)
        self.power = check(power, "power", _NONNEG)

    def _args(self):
        return {"lr": self.lr, "decay": self.decay, "power": self.power}

    def _value(self, t):
        return self.lr / (1.0 + self.decay * t) ** self.power


class cosine(_Schedule):
    r"""Cosine annealing from ``lr`` to ``min_lr`` over ``total_steps``, then ``min_lr``.

    .. math::

        \gamma_t = \gamma_{min} + \tfrac12 (\gamma - \gamma_{min})
                   \left(1 + \cos\frac{\pi\, t}{T}\right) \quad (t \le T), \qquad
        \gamma_t = \gamma_{min} \quad (t > T)

    with :math:`T` = ``total_steps``. (No restarts: SGDR's warm restarts are not included.)

    Example:
        >>> from gdlab.schedules import cosine
        >>> s = cosine(1.0, total_steps=10, min_lr=0.1)
        >>> [round(s(t), 4) for t in (0, 5, 10, 50)]
        [1.0, 0.55, 0.1, 0.1]

    Reference:
        Loshchilov & Hutter, "SGDR: Stochastic gradient descent with warm restarts",
        ICLR 2017.
    """

    _name = "cosine"

    def __init__(self, lr, *, total_steps, min_lr=0.0):
        self.lr = _lr(lr)
        self.total_steps = _int(total_steps, "total_steps")
        self.min_lr = _min_lr(min_lr, self.lr)

    def _args(self):
        return {"lr": self.lr, "total_steps": self.total_steps, "min_lr": self.min_lr}

    def _value(self, t):
        if t >= self.total_steps:
            return self.min_lr
        cos = math.cos(math.pi * t / self.total_steps)
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1.0 + cos)


class warmup(_Schedule):
    r"""Linear warmup for ``warmup_steps`` steps, then the wrapped schedule.

    With :math:`W` = ``warmup_steps``, :math:`s` = ``start_factor`` and :math:`\eta(\cdot)`
    the wrapped schedule (a float counts as a constant):

    .. math::

        \gamma_t = \eta(0) \left(s + (1 - s) \frac{t}{W}\right) \quad (t < W), \qquad
        \gamma_t = \eta(t - W) \quad (t \ge W)

    The wrapped schedule starts its own clock when the warmup ends, so
    ``warmup(cosine(0.1, total_steps=900), warmup_steps=100)`` spans 1000 steps.

    Example:
        >>> from gdlab.schedules import warmup, exponential
        >>> s = warmup(exponential(1.0, gamma=0.5), warmup_steps=4)
        >>> [s(t) for t in range(7)]
        [0.0, 0.25, 0.5, 0.75, 1.0, 0.5, 0.25]

    Reference:
        Goyal et al., "Accurate, large minibatch SGD: training ImageNet in 1 hour",
        arXiv:1706.02677, 2017 (gradual warmup).
    """

    _name = "warmup"

    def __init__(self, schedule, *, warmup_steps, start_factor=0.0):
        if callable(schedule):
            self.schedule = schedule
        else:
            self.schedule = constant(_lr(schedule, "schedule"))
        self.warmup_steps = _int(warmup_steps, "warmup_steps", minimum=0)
        self.start_factor = check(start_factor, "start_factor", _UNIT)

    def _args(self):
        return {"schedule": self.schedule, "warmup_steps": self.warmup_steps,
                "start_factor": self.start_factor}

    def _value(self, t):
        if t >= self.warmup_steps:
            return float(self.schedule(t - self.warmup_steps))
        factor = self.start_factor + (1.0 - self.start_factor) * t / self.warmup_steps
        return float(self.schedule(0)) * factor


class ReduceOnPlateau(_Schedule):
    r"""Cut the rate by ``factor`` when the loss stops improving (torch's ReduceLROnPlateau).

    Feed it the monitored loss with ``observe(loss)`` (once per epoch or step); calling it
    returns the current rate whatever the step index. With ``mode="min"`` and relative
    threshold :math:`\theta` = ``threshold``, a loss :math:`\ell` counts as an improvement
    when

    .. math::  \ell < \ell_{best}\,(1 - \theta)

    (``mode="max"``: :math:`\ell > \ell_{best}(1 + \theta)`). After more than ``patience``
    observations in a row without improvement the rate becomes
    :math:`\max(\gamma \cdot \text{factor}, \gamma_{min})`, the count restarts, and the next
    ``cooldown`` observations are ignored.

    Example:
        >>> from gdlab.schedules import ReduceOnPlateau
        >>> s = ReduceOnPlateau(1.0, factor=0.5, patience=1)
        >>> for loss in [3.0, 2.0, 2.0, 2.0]:
        ...     lr = s.observe(loss)
        >>> s(0), s.num_reductions
        (0.5, 1)
    """

    _name = "ReduceOnPlateau"

    def __init__(self, lr, *, factor=0.1, patience=10, threshold=1e-4, min_lr=0.0,
                 cooldown=0, mode="min"):
        self.initial_lr = _lr(lr)
        self.factor = check(factor, "factor", Interval(0, 1, closed="neither"),
                            hint="the rate is multiplied by it on a plateau")
        self.patience = _int(patience, "patience", minimum=0)
        self.threshold = check(threshold, "threshold", _NONNEG)
        self.min_lr = _min_lr(min_lr, self.initial_lr)
        self.cooldown = _int(cooldown, "cooldown", minimum=0)
        self.mode = check(mode, "mode", Options("min", "max"))
        self.reset()

    def reset(self):
        """Back to the initial rate with no loss history."""
        self.lr = self.initial_lr
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad = 0
        self.cooldown_counter = 0
        self.num_reductions = 0

    def _args(self):
        args = {"lr": self.initial_lr, "factor": self.factor, "patience": self.patience,
                "threshold": self.threshold, "min_lr": self.min_lr}
        if self.cooldown:
            args["cooldown"] = self.cooldown
        if self.mode != "min":
            args["mode"] = self.mode
        return args

    def _improved(self, loss):
        if self.mode == "min":
            return loss < self.best * (1.0 - self.threshold)
        return loss > self.best * (1.0 + self.threshold)

    def observe(self, loss):
        """Record one value of the monitored loss; returns the (possibly reduced) rate."""
        if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
            try:
                loss = float(loss)  # 0-d numpy arrays
            except (TypeError, ValueError):
                raise TypeError(f"observe() needs a number, got {loss!r}") from None
        loss = float(loss)
        if self._improved(loss):      # nan never improves, so it counts as a bad step
            self.best = loss
            self.num_bad = 0
        else:
            self.num_bad += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad = 0
        if self.num_bad > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > 1e-8 * max(self.lr, 1e-300):
                self.lr = new_lr
                self.num_reductions += 1
            self.cooldown_counter = self.cooldown
            self.num_bad = 0
        return self.lr

    def _value(self, t):
        return self.lr
