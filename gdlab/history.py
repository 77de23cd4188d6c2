"""History: what a run of ``gdlab.train.minimize`` or ``gdlab.train.fit`` recorded."""
from dataclasses import dataclass, field

import numpy as np


class DivergenceWarning(RuntimeWarning):
    """The loss became non-finite or exceeded ``max_loss``: the run was stopped early.

    It subclasses RuntimeWarning, so ``warnings.simplefilter("error", RuntimeWarning)``
    turns it into an exception as well.
    """


def _fmt(value):
    return "nan" if value is None else f"{value:.4g}"


@dataclass(repr=False)
class History:
    """The record of one optimisation run. Arrays are numpy arrays.

    Per-record fields (record k = the parameters after k updates, k = 0..n_updates):

    * ``path``  (n_updates + 1, d) parameters at each record, or None when not recorded
      (``record_path=False``, or automatically for very large runs, see ``fit``).
    * ``loss``  (n_updates + 1,) loss at each record. For ``minimize`` this is f(path[k]).
      For ``fit`` loss[k] (k < n_updates) is the loss of the mini-batch used by update k,
      evaluated at path[k] just before that update (for full batch: the training loss), and
      loss[-1] is the full training loss at the final parameters (except after divergence,
      when it is the value that triggered the stop).
    * ``time``  (n_updates + 1,) seconds since the start at each record.

    Per-update fields (n_updates,): ``grad_norm`` (Euclidean norm of the gradient used by
    the update, before clipping) and ``lr`` (the learning rate that update used).

    Per-epoch fields (``fit`` only; empty for ``minimize``): ``epoch_loss`` (full training
    loss at the end of each epoch) and ``val_loss`` (loss on ``validation``, if given).

    Counters and outcome: ``n_updates``, ``grad_evals`` (gradient evaluations, including the
    one that detected convergence), ``hess_evals``, ``examples_seen`` (``fit``: rows that went
    into gradients), ``epochs``, ``updates_per_epoch``, ``stop_reason`` (one of "gradient
    norm below tol", "loss change below loss_tol", "step budget exhausted",
    "diverged at step N", "stopped by callback"), ``diverged``, ``converged``.
    """

    x: np.ndarray
    path: np.ndarray | None
    loss: np.ndarray
    grad_norm: np.ndarray
    lr: np.ndarray
    time: np.ndarray
    epoch_loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    val_loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    n_updates: int = 0
    grad_evals: int = 0
    hess_evals: int = 0
    examples_seen: int = 0
    epochs: int = 0
    updates_per_epoch: int | None = None
    stop_reason: str = ""
    diverged: bool = False
    converged: bool = False

    @property
    def final_loss(self):
        """loss[-1] as a float."""
        return float(self.loss[-1])

    @property
    def best_loss(self):
        """The smallest finite recorded loss (nan if none is finite)."""
        finite = self.loss[np.isfinite(self.loss)]
        return float(finite.min()) if finite.size else float("nan")

    def summary(self):
        """A few readable lines about the run (no timings, so it is stable to print)."""
        lines = [f"History: {self.n_updates} updates, stopped because: {self.stop_reason}"]
        if self.diverged:
            lines[0] += "  ** DIVERGED **"
        lines.append(f"  loss: {_fmt(float(self.loss[0]))} -> {_fmt(self.final_loss)}"
                     f" (best {_fmt(self.best_loss)})")
        if self.n_updates:
            lrs = self.lr
            lr_text = _fmt(float(lrs[0])) if np.all(lrs == lrs[0]) else \
                f"{_fmt(float(lrs[0]))} -> {_fmt(float(lrs[-1]))}"
            lines.append(f"  last gradient norm: {_fmt(float(self.grad_norm[-1]))}, lr: {lr_text}")
        if self.epochs:
            each = "update" if self.updates_per_epoch == 1 else "updates"
            text = f"  epochs: {self.epochs} ({self.updates_per_epoch} {each} each)"
            if self.epoch_loss.size:
                text += f", final training loss {_fmt(float(self.epoch_loss[-1]))}"
            if self.val_loss.size:
                text += f", validation loss {_fmt(float(self.val_loss[-1]))}"
            lines.append(text)
        x = np.asarray(self.x)
        shown = np.array2string(x[:6], precision=4, separator=", ")
        if x.size > 6:
            shown = shown[:-1] + f", ... ({x.size} entries)]"
        lines.append(f"  x = {shown}")
        lines.append(f"  gradient evaluations: {self.grad_evals}"
                     + (f", Hessian evaluations: {self.hess_evals}" if self.hess_evals else ""))
        return "\n".join(lines)

    def __repr__(self):
        return (f"History(n_updates={self.n_updates}, final_loss={_fmt(self.final_loss)}, "
                f"stop_reason={self.stop_reason!r})")
