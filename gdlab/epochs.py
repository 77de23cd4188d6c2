"""The inner loop of ``gdlab.train.fit``: one epoch of mini-batch updates.

``fit`` owns a run (input checks, the shuffled order of each epoch, the epoch loss,
validation, callbacks); an epoch runner owns the updates in between. Two runners take the
same arguments and leave the same records:

* :class:`GeneralEpoch`: any model, any optimizer, every option of ``fit``.
* :class:`LeastSquaresSGDEpoch`: ``LinearRegression`` with plain SGD (no momentum, no
  weight decay), the pair lesson 04 compares batch, stochastic and mini-batch descent
  with. It does the same arithmetic with about half the Python work per update, by
  writing every iterate into a preallocated block and filling in losses and gradient
  norms for a whole block at once (see its docstring for the measured effect).

Records (``Records``): for update n, ``loss[n]`` is the batch loss at ``path[n]`` (the
parameters just before the update), ``time[n]`` seconds since the start, ``grad_norm[n]``
and ``lr[n]`` the gradient norm and learning rate the update used.
"""
import math
import time
from dataclasses import dataclass

import numpy as np

from gdlab.optim.clipping import clip_coef

#: rows gathered per copy when shuffling (a few batches at a time): one copy of ~1000 rows
#: into a reused buffer costs less than many tiny copies and stays in the CPU cache.
GATHER_ROWS = 1024
#: at most this many numbers in a block of iterates (8 MB in float64): with many parameters
#: and small batches, a chunk holds fewer batches rather than a huge block.
BLOCK_NUMBERS = 1_000_000


@dataclass
class Records:
    """Per-update records of a run, preallocated for its largest possible length."""

    loss: np.ndarray
    grad_norm: np.ndarray
    lr: np.ndarray
    time: np.ndarray
    path: np.ndarray | None
    start: float


@dataclass
class Stop:
    """Why an epoch ended before its last batch."""

    reason: str
    diverged: bool = False
    converged: bool = False


class RowChunks:
    """Consecutive chunks of rows of (X, y), in stored or given order.

    With an order, each chunk is copied (X and y rows together) into buffers that are
    reused for the next chunk, so callers must be done with a chunk before asking for the
    next. Without an order, chunks are views of X and y (no copy at all).
    """

    def __init__(self, X, y, batch_size, *, shuffled, n_params=1):
        self.X, self.y = X, y
        m = X.shape[0]
        batches = min(GATHER_ROWS // batch_size, BLOCK_NUMBERS // max(1, n_params))
        # a multiple of the batch size, so batches never straddle two chunks
        self.rows = min(m, batch_size * max(1, batches))
        self.X_buf = self.y_buf = None   # only an order needs somewhere to gather into
        if shuffled:
            self.X_buf = np.empty((self.rows,) + X.shape[1:], dtype=X.dtype)
            self.y_buf = np.empty((self.rows,) + y.shape[1:], dtype=y.dtype)

    def __call__(self, order):
        X, y, rows = self.X, self.y, self.rows
        m = X.shape[0]
        if order is None:
            for lo in range(0, m, rows):
                yield X[lo:lo + rows], y[lo:lo + rows]
            return
        for lo in range(0, m, rows):
            idx = order[lo:lo + rows]
            k = idx.shape[0]
            X_c = self.X_buf if k == rows else self.X_buf[:k]
            y_c = self.y_buf if k == rows else self.y_buf[:k]
            # mode="clip" only because numpy buffers the output in the default mode;
            # the indices are a permutation of range(m), so nothing is ever clipped.
            np.take(X, idx, axis=0, out=X_c, mode="clip")
            np.take(y, idx, axis=0, out=y_c, mode="clip")
            yield X_c, y_c


def first_bad(values, max_loss):
    """Index of the first value that is NaN, infinite or above max_loss, or None."""
    bad = ~(values <= max_loss)          # NaN compares False, so it counts as bad
    if not bad.any():
        return None
    return int(np.argmax(bad))


class GeneralEpoch:
    """One epoch for any model and optimizer: a plain Python loop over the batches."""

    def __init__(self, records, chunks, batch_size, optimizer, loss_grad, *, tol, clip_norm,
                 prox, max_loss):
        self.records, self.chunks, self.B = records, chunks, batch_size
        self.optimizer, self.loss_grad = optimizer, loss_grad
        self.tol, self.clip_norm, self.prox, self.max_loss = tol, clip_norm, prox, max_loss
        self.update = unchecked_update(optimizer)

    def run(self, params, n, order):
        """Take one epoch of updates from ``params`` (update count so far ``n``).

        Returns (params, n, Stop or None).
        """
        rec, B, optimizer, loss_grad = self.records, self.B, self.optimizer, self.loss_grad
        tol, clip_norm, prox, max_loss, update = (self.tol, self.clip_norm, self.prox,
                                                  self.max_loss, self.update)
        has_current_lr = hasattr(optimizer, "current_lr")
        sqrt, dot, perf_counter, step = math.sqrt, np.dot, time.perf_counter, optimizer.step
        for X_c, y_c in self.chunks(order):
            for lo in range(0, X_c.shape[0], B):
                value, g = loss_grad(params, X_c[lo:lo + B], y_c[lo:lo + B])
                value = float(value)
                rec.loss[n] = value
                rec.time[n] = perf_counter() - rec.start
                if rec.path is not None:
                    rec.path[n] = params
                if not value <= max_loss:  # also true for NaN
                    return params, n, Stop(f"diverged at step {n}", diverged=True)
                gn = sqrt(dot(g, g))
                if tol is not None and gn <= tol:
                    return params, n, Stop("gradient norm below tol", converged=True)
                if clip_norm is not None:
                    coef = clip_coef(gn, clip_norm)   # gdlab's one clipping rule (torch's)
                    if coef < 1.0:
                        g = g * coef
                lr_now = optimizer.current_lr if has_current_lr else float("nan")
                if update is not None and n and g.dtype == params.dtype:
                    # same arithmetic as optimizer.step, minus re-validating x and g
                    params = update(params, g, lr_now)
                else:
                    params = step(params, g)
                if prox is not None:
                    params = prox(params, lr_now)
                rec.grad_norm[n] = gn
                rec.lr[n] = lr_now
                n += 1
        return params, n, None


def unchecked_update(optimizer):
    """optimizer.step_unchecked when it is a gdlab optimizer using the base class's step().

    Optimizer.step(x, g) = validate/convert x and g, then step_unchecked(x, g, current_lr).
    In fit's loop x and g are already float arrays of matching shape and dtype (checked on
    the first step, which goes through step()), so later steps can skip the validation,
    which costs more than the update itself for small mini-batches. An optimizer that
    overrides step() (Newton) always goes through it.
    """
    from gdlab.optim._base import Optimizer

    if isinstance(optimizer, Optimizer) and type(optimizer).step is Optimizer.step:
        return optimizer.step_unchecked
    return None


class LeastSquaresSGDEpoch:
    r"""One epoch of plain SGD on ``LinearRegression``, with block-wise bookkeeping.

    Each update is the one :class:`GeneralEpoch` takes, operation for operation:

    .. math::
        r = X_b\theta - y_b, \qquad g = \tfrac{2}{b} X_b^\top r, \qquad
        \theta \leftarrow \theta + (-\gamma)\, g

    What changes is the Python work around it. The iterates of a chunk of rows are written
    straight into the rows of one preallocated block (so recording the path costs no copy),
    residuals and gradients go into preallocated rows too, and the batch losses
    ``r.r / b`` and gradient norms are computed for the whole block with one call each. A
    divergence is found when the block ends; the records are then cut at the first bad
    batch, the parameters taken from before it, and only the updates before it are added
    to the optimizer's step count (``count_steps``), so the result is the same as stopping
    at once. (Plain SGD keeps no state but the count, so nothing else needs undoing.)

    Measured with ``benchmarks/core.py`` (one epoch, 200,000 x 100, batch 32, 2 cores):
    ~45-50 ms against ~68-70 ms for the general loop and ~85-100 ms for scikit-learn's
    SGDRegressor. About 17 ms of it is gathering the shuffled rows and 4 ms the epoch's
    full training loss; the 6250 updates take ~3.3 us each.
    """

    def __init__(self, records, chunks, batch_size, optimizer, *, max_loss, d, dtype):
        self.records, self.chunks, self.B = records, chunks, batch_size
        self.optimizer, self.max_loss = optimizer, max_loss
        k = -(-chunks.rows // batch_size)            # batches per chunk (ceil)
        self.iterates = np.empty((k + 1, d), dtype=dtype)   # theta before each update, and after
        self.residuals = np.zeros((k, batch_size), dtype=dtype)
        self.grads = np.empty((k, d), dtype=dtype)
        self.step_buf = np.empty(d, dtype=dtype)
        # (plan, batch sizes) of a full gathered chunk, made once: its buffers are reused
        self.full_plan = None if chunks.X_buf is None else self._plan(chunks.X_buf, chunks.y_buf)

    @staticmethod
    def applies(model, optimizer, X, y, params, *, tol, clip_norm, prox):
        """True when this runner computes exactly what GeneralEpoch would."""
        from gdlab.models.linear import LinearRegression
        from gdlab.optim import SGD

        model_ok = (isinstance(model, LinearRegression)
                    and type(model)._loss_grad is LinearRegression._loss_grad)
        opt_ok = (type(optimizer) is SGD and optimizer.momentum == 0
                  and optimizer.weight_decay == 0 and not optimizer.maximize)
        data_ok = (X.ndim == 2 and y.ndim == 1 and params.ndim == 1
                   and X.dtype == y.dtype == params.dtype and X.dtype.kind == "f")
        return model_ok and opt_ok and data_ok and tol is None and clip_norm is None \
            and prox is None

    def _plan(self, X_c, y_c):
        """(plan, sizes): per batch of a chunk, the views its update reads and writes,
        (X_b, y_b, residual, gradient, theta before, theta after, 2 / batch size), and the
        batch sizes as a float array (the divisors of the block's losses).

        Made once for a full gathered chunk (the buffers are reused), so the update loop
        only unpacks tuples instead of slicing arrays. Scalars are 0-d arrays of the
        parameters' dtype: numpy multiplies by those faster than by Python floats, with
        the same result (a Python float is also rounded to that dtype first).
        """
        B, plan, dtype = self.B, [], self.iterates.dtype
        full_scale = np.array(2.0 / B, dtype=dtype)
        for j, lo in enumerate(range(0, X_c.shape[0], B)):
            X_b, y_b = X_c[lo:lo + B], y_c[lo:lo + B]
            b = X_b.shape[0]
            scale = full_scale if b == B else np.array(2.0 / b, dtype=dtype)
            self.residuals[j, b:] = 0.0   # a short last batch: stale entries stay out of its loss
            plan.append((X_b, y_b, self.residuals[j, :b], self.grads[j], self.iterates[j],
                         self.iterates[j + 1], scale))
        return plan, np.array([len(batch[1]) for batch in plan], dtype=float)

    def run(self, params, n, order):
        """Take one epoch of updates from ``params``; returns (params, n, Stop or None)."""
        gathered = self.chunks.X_buf
        for X_c, y_c in self.chunks(order):
            # a full gathered chunk has the prepared plan; a short or unshuffled one gets its own
            plan, sizes = self.full_plan if X_c is gathered else self._plan(X_c, y_c)
            params, n, stop = self._chunk(params, n, plan, sizes)
            if stop is not None:
                return params, n, stop
        return params, n, None

    def _chunk(self, params, n, plan, sizes):
        rec, optimizer, step = self.records, self.optimizer, self.step_buf
        dot, subtract, multiply, add, perf_counter = (np.dot, np.subtract, np.multiply, np.add,
                                                      time.perf_counter)
        schedule = callable(optimizer.lr)
        dtype = self.iterates.dtype
        lr_now = None if schedule else float(optimizer.lr)
        neg_lr = None if schedule else np.array(-lr_now, dtype=dtype)
        k = len(plan)
        stamps, lrs = [], []
        t = optimizer.t   # the step count moves on only by the updates kept (below)
        self.iterates[0] = params
        for X_b, y_b, r, g, theta, theta_next, scale in plan:
            dot(X_b, theta, out=r)
            subtract(r, y_b, out=r)
            dot(r, X_b, out=g)
            multiply(g, scale, out=g)
            stamps.append(perf_counter())
            if schedule:
                lr_now = optimizer.lr_at(t)
                t += 1
                lrs.append(lr_now)
                neg_lr = np.array(-lr_now, dtype=dtype)
            multiply(g, neg_lr, out=step)
            add(step, theta, out=theta_next)
        R, G = self.residuals[:k], self.grads[:k]
        losses = np.einsum("ij,ij->i", R, R) / sizes
        bad = first_bad(losses, self.max_loss)
        done = k if bad is None else bad
        end = n + done
        rec.loss[n:end] = losses[:done]
        rec.grad_norm[n:end] = np.sqrt(np.einsum("ij,ij->i", G[:done], G[:done]))
        rec.lr[n:end] = lrs[:done] if schedule else lr_now
        rec.time[n:end] = np.asarray(stamps[:done]) - rec.start
        if rec.path is not None:
            rec.path[n:end] = self.iterates[:done]
        params = self.iterates[done].copy()
        optimizer.count_steps(done)
        if bad is None:
            return params, end, None
        # Stop at the first diverging batch: record it as GeneralEpoch would, untaken.
        rec.loss[end] = losses[done]
        rec.time[end] = stamps[done] - rec.start
        if rec.path is not None:
            rec.path[end] = params
        return params, end, Stop(f"diverged at step {end}", diverged=True)
