"""gdlab: the helper package of the gdlab gradient-descent course.

The numerical modules (objectives, optim, schedules, train, data, models, gradcheck) need
only numpy and are imported here. The modules that need matplotlib, ipywidgets or nbclient
(plotting, widgets, checks, release, grading) load on first attribute access, so that
``import gdlab`` stays quick in a kernel, a grader worker or a test.

>>> import gdlab
>>> opt = gdlab.Adam(lr=0.1)
>>> history = gdlab.minimize(gdlab.objectives.booth(), [0.0, 0.0], opt, steps=500)
>>> bool(history.converged or history.loss[-1] < 1e-6)
True
"""
import importlib

from gdlab import data, gradcheck, grids, models, objectives, optim, schedules, train
from gdlab.gradcheck import check_grad, numerical_grad, relative_error
from gdlab.grids import GridEdgeWarning, best_on_grid
from gdlab.history import DivergenceWarning, History
from gdlab.objectives import Objective
from gdlab.optim import (SGD, Adagrad, Adam, AdamW, Newton, RMSprop, clip_grad_norm,
                         clip_grad_value, grad_norm)
from gdlab.train import fit, minimize

__version__ = "0.1.0"

_LAZY_MODULES = ("plotting", "widgets", "checks", "release", "grading")

__all__ = [
    # modules
    "objectives", "optim", "schedules", "train", "data", "models", "gradcheck", "grids",
    *_LAZY_MODULES,
    # training
    "minimize", "fit", "History", "DivergenceWarning", "best_on_grid", "GridEdgeWarning",
    # optimizers and clipping
    "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Newton",
    "clip_grad_norm", "clip_grad_value", "grad_norm",
    # objectives and gradient checking
    "Objective", "check_grad", "numerical_grad", "relative_error",
]


def _attach_alt_text():
    # In a Jupyter kernel every figure shown gets alt text that describes its data (see
    # gdlab.figure_text); outside IPython this costs one dictionary lookup.
    import sys
    if "IPython" in sys.modules:
        from gdlab import figure_text
        figure_text.install()


_attach_alt_text()


def __getattr__(name):
    # PEP 562: heavy submodules are imported the first time someone asks for them.
    if name in _LAZY_MODULES:
        module = importlib.import_module(f"gdlab.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'gdlab' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
