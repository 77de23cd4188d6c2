"""Optimizers whose hyperparameter names, defaults and update rules follow torch.optim.

Each optimizer is used the same way::

    opt = Adam(lr=1e-3)
    for _ in range(100):
        x = opt.step(x, grad(x))     # a NEW array; x and grad are never modified

``opt.state`` shows the internal buffers, ``opt.reset()`` forgets them, ``lr`` may be a
float or a schedule from :mod:`gdlab.schedules` (evaluated at the 0-based update index),
and ``opt.current_lr`` is the rate the next step will use.
"""
from ._base import Optimizer
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .clipping import clip_grad_norm, clip_grad_value, grad_norm
from .newton import Newton
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Newton",
           "clip_grad_norm", "clip_grad_value", "grad_norm"]
