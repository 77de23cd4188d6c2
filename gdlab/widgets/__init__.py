"""Slider dashboards for the gdlab lessons (ipywidgets + ipympl, no global backend switch).

Each function returns a ready ``DashboardBox`` (an ``ipywidgets.VBox``); display it as the
last expression of a cell. ``box.dashboard`` is the object behind it: ``.controls`` (name ->
widget), ``.view`` (the matplotlib artists), ``.warning`` and ``.static_figure()``, a plain
matplotlib figure of the current state for readers without a live kernel.

==================  =========================================================
descent_1d          gradient descent on a 1-D curve (lr, start, steps)
descent_2d          gradient descent on a surface; click to choose the start
optimizer_race      several optimizers racing on a surface
batch_size          mini-batch SGD: batch size, lr, seed
schedules           learning-rate schedules and noisy SGD
momentum            heavy-ball momentum on an ill-conditioned quadratic
feature_scaling     feature scale, standardization and the condition number
==================  =========================================================
"""
from gdlab.kernel_setup import frontend_help

from .batch_size import batch_size
from .descent_1d import descent_1d
from .descent_2d import descent_2d
from .momentum import momentum
from .race import optimizer_race
from .scaling import feature_scaling
from .schedules import schedules

__all__ = ["descent_1d", "descent_2d", "optimizer_race", "batch_size", "schedules",
           "momentum", "feature_scaling", "frontend_help"]
