"""Run an optimizer: ``minimize`` an objective function, or ``fit`` a model to data.

Both return a :class:`~gdlab.history.History` holding the path, losses, gradient norms,
learning rates and why the run stopped. Both stop early (and say so) when

* the gradient norm falls to ``tol`` or below            -> "gradient norm below tol"
* the loss changes by ``loss_tol`` or less (minimize)    -> "loss change below loss_tol"
* the loss is non-finite or above ``max_loss``           -> "diverged at step N", with a
  :class:`DivergenceWarning` naming the step, the learning rate and, when the objective
  knows its smoothness constant L, the stability limit 2/L.

Numpy's own overflow warnings are silenced inside the loop: a diverging run would
otherwise print a wall of "overflow encountered" messages before the one that explains it.
"""
import math
import time as _time
import warnings
from dataclasses import dataclass, field

import numpy as np

from gdlab._validation import Interval, check
from gdlab.grids import GridEdgeWarning, best_on_grid  # re-exported: tuning picks a rate
from gdlab.epochs import GeneralEpoch, LeastSquaresSGDEpoch, Records, RowChunks, Stop
from gdlab.history import DivergenceWarning, History
from gdlab.models._validate import check_X

__all__ = ["minimize", "fit", "History", "DivergenceWarning", "best_on_grid", "GridEdgeWarning"]

#: ``record_path=None`` keeps the path when it needs at most this many numbers (16 MB).
PATH_LIMIT = 2_000_000


# -- argument checking ------------------------------------------------------------------------
def _check_int(value, name, minimum):
    return check(value, name, Interval(minimum, None, integer=True))


def _check_optional_nonneg(value, name, strict=False):
    return check(value, name, Interval(0, None, closed="neither" if strict else "left"),
                 none_ok=True)


def _check_max_loss(max_loss):
    return check(max_loss, "max_loss", Interval(0, None, closed="neither", allow_inf=True),
                 hint="use float('inf') to stop only on NaN/inf")


def _check_optimizer(optimizer):
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            f"optimizer must have a step(x, grad) method, like gdlab.optim.SGD(lr=0.1); "
            f"got {optimizer!r}")


def _check_callback(callback):
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None; got {callback!r}")


def _record_path(record_path, n_records, d):
    if record_path is None:
        return n_records * d <= PATH_LIMIT
    if not isinstance(record_path, (bool, np.bool_)):
        raise TypeError(f"record_path must be True, False or None (automatic); got {record_path!r}")
    return bool(record_path)


def _observer(optimizer):
    """The lr schedule's observe(loss) method (e.g. ReduceOnPlateau), or None."""
    return getattr(getattr(optimizer, "lr", None), "observe", None)


def _divergence_message(step, loss, lr, max_loss, smoothness):
    if math.isnan(loss) or math.isinf(loss):
        what = f"non-finite ({loss})"
    else:
        what = f"{loss:.4g}, above max_loss = {max_loss:.4g}"
    msg = f"Diverged at step {step}: the loss became {what} with lr = {lr:.4g}."
    if smoothness is not None and smoothness > 0:
        msg += (f" The smoothness constant of this objective is L = {smoothness:.4g}, so plain "
                f"gradient descent is stable only for lr < 2/L = {2.0 / smoothness:.4g}.")
    else:
        msg += " Try a smaller learning rate (or clip the gradient)."
    return msg


# -- minimize ---------------------------------------------------------------------------------
def _resolve_objective(objective):
    """-> (f, grad, hess or None, smoothness or None, dim or None)."""
    if isinstance(objective, tuple):
        if len(objective) != 2 or not all(callable(c) for c in objective):
            raise TypeError("an objective given as a tuple must be (f, grad), two callables")
        return objective[0], objective[1], None, None, None
    f = getattr(objective, "f", None)
    grad = getattr(objective, "grad", None)
    if not (callable(f) and callable(grad)):
        raise TypeError(
            f"objective must have .f and .grad methods (e.g. gdlab.objectives.rosenbrock()) or "
            f"be a (f, grad) tuple; got {objective!r}")
    hess = getattr(objective, "hess", None)
    return f, grad, hess if callable(hess) else None, getattr(objective, "smoothness", None), \
        getattr(objective, "dim", None)


def _as_start(x0, dim, name="x0"):
    x = np.array(x0, copy=True)  # never alias the caller's array
    if x.dtype == object or not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"{name} must be numeric; got dtype {x.dtype}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a flat vector of shape (d,); got shape {x.shape}")
    if dim is not None and x.shape[0] != dim:
        raise ValueError(f"{name} has {x.shape[0]} entries but the objective is {dim}-dimensional; "
                         f"pass an array of shape ({dim},)")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite; got {x}")
    return x


def minimize(objective, x0, optimizer, *, steps=1000, tol=None, loss_tol=None,
             max_loss=1e12, callback=None, record_path=None):
    """Minimise an objective from ``x0`` with ``optimizer``; return a History.

    Each step k = 0, 1, ...: g = grad(x_k); stop if ||g|| <= tol; x_{k+1} = optimizer.step(x_k, g);
    record f(x_{k+1}); stop if it diverged or |f(x_{k+1}) - f(x_k)| <= loss_tol.

    Args:
      objective: anything with ``.f(x)`` and ``.grad(x)`` (and ``.hess(x)`` for Newton), e.g.
        ``gdlab.objectives.rosenbrock()``, or a ``(f, grad)`` tuple of callables.
      x0: start point, shape (d,) (a number is fine for 1-D objectives). Not modified.
      optimizer: a ``gdlab.optim`` optimizer (anything with ``step(x, grad)``). Optimizers with
        ``needs_hessian`` (Newton) get ``step(x, g, hess=H, fun=f)``.
      steps: maximum number of updates.
      tol: stop when the gradient norm is <= tol (checked before each update).
      loss_tol: stop when |f(x_{k+1}) - f(x_k)| <= loss_tol.
      max_loss: a loss above this (or NaN/inf) counts as divergence.
      callback: ``callback(step, x, loss)`` after each update; return True to stop.
      record_path: keep every iterate in ``History.path`` (None: when it has at most
        ``PATH_LIMIT`` numbers).

    >>> from gdlab import objectives, optim
    >>> h = minimize(objectives.parabola(a=2.0), 3.0, optim.SGD(lr=0.1), steps=50)
    >>> round(float(h.x[0]), 4), h.stop_reason
    (0.0, 'step budget exhausted')
    """
    f, grad, hess, smoothness, dim = _resolve_objective(objective)
    _check_optimizer(optimizer)
    steps = _check_int(steps, "steps", 0)
    tol = _check_optional_nonneg(tol, "tol")
    loss_tol = _check_optional_nonneg(loss_tol, "loss_tol")
    max_loss = _check_max_loss(max_loss)
    _check_callback(callback)
    x = _as_start(x0, dim)
    newton = bool(getattr(optimizer, "needs_hessian", False))
    if newton and hess is None:
        raise TypeError(f"{type(optimizer).__name__} needs the Hessian, but the objective has no "
                        f".hess method; use an objective with hess, or a first-order optimizer")
    value, gradient = _checked_calls(f, grad)
    d = x.shape[0]
    rec = _new_records(steps, d, x.dtype, _record_path(record_path, steps + 1, d))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        x, n, evals, stop = _descend(x, optimizer, value, gradient, hess if newton else None,
                                     rec, steps=steps, tol=tol, loss_tol=loss_tol,
                                     max_loss=max_loss, callback=callback)
    if stop.diverged:
        warnings.warn(DivergenceWarning(_divergence_message(
            n, float(rec.loss[n]), float(rec.lr[n - 1]), max_loss, smoothness)), stacklevel=2)
    return _history(rec, x, n, stop, grad_evals=evals[0], hess_evals=evals[1])


def _checked_calls(f, grad):
    """``f`` and ``grad`` wrapped to return a float and an array of x's shape, or say why not."""
    def value(z):
        v = np.asarray(f(z))
        if v.size != 1:
            raise ValueError(f"objective.f returned shape {v.shape} for a point of shape {z.shape}; "
                             f"expected a single number")
        return float(v.reshape(()))

    def gradient(z):
        g = np.asarray(grad(z))
        if g.shape != z.shape:
            if g.size != z.size:
                raise ValueError(f"objective.grad returned shape {g.shape}; expected {z.shape}")
            g = g.reshape(z.shape)
        return g

    return value, gradient


def _new_records(n_updates, d, dtype, keep_path):
    """Records for up to ``n_updates`` updates (loss, time and path have one more row: the
    start), allocated once so the loops only write into them."""
    return Records(loss=np.empty(n_updates + 1), grad_norm=np.empty(n_updates),
                   lr=np.empty(n_updates), time=np.empty(n_updates + 1),
                   path=np.empty((n_updates + 1, d), dtype=dtype) if keep_path else None,
                   start=0.0)


def _descend(x, optimizer, value, gradient, hess, rec, *, steps, tol, loss_tol, max_loss,
             callback):
    """minimize's loop; ``hess`` is None for first-order optimizers.

    Returns (x, updates taken, (gradient evaluations, Hessian evaluations), Stop).
    """
    observe = _observer(optimizer)
    has_current_lr = hasattr(optimizer, "current_lr")
    d = x.shape[0]
    grad_evals = hess_evals = n = 0
    stop = Stop("step budget exhausted")
    rec.start = start = _time.perf_counter()
    fx = value(x)
    if not math.isfinite(fx):
        raise ValueError(f"the objective is not finite at x0 = {x} (f = {fx})")
    rec.loss[0], rec.time[0] = fx, 0.0
    if rec.path is not None:
        rec.path[0] = x
    for k in range(steps):
        g = gradient(x)
        grad_evals += 1
        gn = float(np.sqrt(np.vdot(g, g).real))
        if tol is not None and gn <= tol:
            stop = Stop("gradient norm below tol", converged=True)
            break
        lr_now = float(optimizer.current_lr) if has_current_lr else float("nan")
        if hess is not None:
            H = np.asarray(hess(x))
            hess_evals += 1
            if H.shape != (d, d):
                H = H.reshape(d, d)
            x = optimizer.step(x, g, hess=H, fun=value)
        else:
            x = optimizer.step(x, g)
        previous, fx = fx, value(x)
        n = k + 1
        rec.grad_norm[k], rec.lr[k], rec.loss[n] = gn, lr_now, fx
        rec.time[n] = _time.perf_counter() - start
        if rec.path is not None:
            rec.path[n] = x
        if not fx <= max_loss:  # also true for NaN
            stop = Stop(f"diverged at step {n}", diverged=True)
            break
        if observe is not None:
            observe(fx)
        if loss_tol is not None and abs(fx - previous) <= loss_tol:
            stop = Stop("loss change below loss_tol", converged=True)
            break
        if callback is not None and callback(n, x.copy(), fx):
            stop = Stop("stopped by callback")
            break
    return x, n, (grad_evals, hess_evals), stop


def _history(rec, x, n, stop, **fields):
    """The History of a run that took ``n`` updates: the records cut to length."""
    return History(
        x=x, path=None if rec.path is None else rec.path[:n + 1], loss=rec.loss[:n + 1],
        grad_norm=rec.grad_norm[:n], lr=rec.lr[:n], time=rec.time[:n + 1], n_updates=n,
        stop_reason=stop.reason, diverged=stop.diverged, converged=stop.converged, **fields)


# -- fit --------------------------------------------------------------------------------------
def _model_functions(model):
    """(loss_and_grad(params, X, y), loss(params, X, y)) without per-call input checks when
    the model offers unchecked versions (all gdlab models do); fit checks everything once."""
    if not (callable(getattr(model, "loss", None)) and callable(getattr(model, "grad", None))):
        raise TypeError(f"model must have loss(params, X, y) and grad(params, X, y) methods, "
                        f"like gdlab.models.LinearRegression(); got {model!r}")
    loss_grad = getattr(model, "_loss_grad", None)
    loss = getattr(model, "_loss", None)
    if not callable(loss_grad):
        def loss_grad(p, X, y):
            return model.loss(p, X, y), model.grad(p, X, y)
    if not callable(loss):
        loss = model.loss
    return loss_grad, loss


def _check_data(model, params, X, y, what):
    """Validate X, y (and params) with the model's own checks when it has them."""
    check = getattr(model, "_check", None)
    if callable(check):
        return check(params, X, y)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{what}: X and y must be arrays with one row per example")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{what}: X has {X.shape[0]} rows but y has {y.shape[0]} entries; "
                         f"they must describe the same examples")
    return params, X, y


def fit(model, X, y, optimizer, *, batch_size=None, epochs=10, shuffle=True, seed=0,
        validation=None, params0=None, tol=None, clip_norm=None, callback=None,
        max_loss=1e12, record_path=None):
    """Train ``model`` on (X, y) with ``optimizer`` by full-batch, stochastic or mini-batch descent.

    Each epoch visits every example once in batches of ``batch_size`` rows (the last batch
    of an epoch may be smaller), so an epoch has ceil(m / batch_size) updates. With
    ``shuffle=True`` the rows are put in a new random order at the start of every epoch,
    X and y together, from ``np.random.default_rng(seed)`` (same seed -> same orders).

    One update: (loss_b, g) = model's loss and gradient on the batch; stop if
    ||g|| <= tol; clip g to norm ``clip_norm``; params = optimizer.step(params, g); if the
    model is proximal (``model.proximal``, e.g. ``Lasso(method="proximal")``, or any model
    with a ``prox`` method and no ``proximal`` flag) params = model.prox(params, lr).
    At the end of each epoch: full training loss -> ``epoch_loss``, loss on
    ``validation=(X_val, y_val)`` -> ``val_loss``, the lr schedule's ``observe(train_loss)``
    if it has one (``ReduceOnPlateau``), then ``callback(epoch, params, train_loss, val_loss)``
    (val_loss None without validation); a True return stops training (early stopping).

    Args:
      model: a ``gdlab.models`` model (or anything with loss/grad(params, X, y) and
        ``init_params(seed, n_features=)``).
      X, y: training data; y has shape (m,).
      optimizer: a first-order ``gdlab.optim`` optimizer. Its state carries over if reused.
      batch_size: None (full batch), 1 (stochastic) or k (mini-batch), 1 <= k <= m.
      epochs: number of passes over the data (>= 1).
      params0: start parameters (default ``model.init_params(seed=seed, n_features=...)``).
      tol: stop when the norm of an update's (mini-batch) gradient is <= tol.
      clip_norm: rescale gradients whose norm exceeds this to norm clip_norm (the rule of
        ``gdlab.optim.clip_grad_norm``: g * clip_norm / (||g|| + 1e-6)).
      max_loss: a loss above this (or NaN/inf) counts as divergence.
      record_path: keep the parameters after every update in ``History.path``. None
        (default) keeps them when the path has at most ``PATH_LIMIT`` numbers, e.g. up to
        20,000 updates of a 100-parameter model; pass False for large runs.

    Returns a :class:`History`; see its docstring for what ``loss[k]`` means for mini-batches.

    Speed: ``LinearRegression`` with plain ``SGD`` (no momentum or weight decay) and
    without ``tol``/``clip_norm`` runs through ``gdlab.epochs.LeastSquaresSGDEpoch``, which
    computes the same iterates with less Python work per update; everything else takes
    the general loop. Both give the same iterates, bit for bit (recorded losses and
    gradient norms agree to rounding: they are summed in another order).

    >>> from gdlab import data, models, optim
    >>> X, y, theta = data.make_linear(n=200, d=2, seed=0)
    >>> h = fit(models.LinearRegression(), X, y, optim.SGD(lr=0.1), batch_size=20, epochs=30)
    >>> bool(abs(h.x - theta).max() < 0.05)
    True
    """
    loss_grad, full_loss = _model_functions(model)
    epochs, tol, clip_norm, max_loss = _check_fit_options(
        optimizer, epochs=epochs, tol=tol, clip_norm=clip_norm, max_loss=max_loss,
        callback=callback, shuffle=shuffle)
    params, X, y, validation = _fit_data(model, X, y, params0, seed, validation)
    m = X.shape[0]
    B = m if batch_size is None else check(batch_size, "batch_size", Interval(1, m, integer=True),
                                           hint=f"m = {m} examples, or None for full batch")
    per_epoch = -(-m // B)
    n_total, d = per_epoch * epochs, params.shape[0]
    rec = _new_records(n_total, d, params.dtype, _record_path(record_path, n_total + 1, d))
    shuffling = shuffle and B < m   # reordering cannot change a full-batch gradient
    runner = _epoch_runner(model, optimizer, loss_grad, X, y, params, rec, B, shuffling,
                           tol=tol, clip_norm=clip_norm, max_loss=max_loss)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        params, n, log = _run_epochs(
            runner, params, X, y, validation, full_loss, rec, epochs=epochs,
            rng=np.random.default_rng(seed) if shuffling else None,
            observe=_observer(optimizer), callback=callback, max_loss=max_loss)
    if log.stop.diverged:
        warnings.warn(DivergenceWarning(_fit_divergence_message(
            model, X, optimizer, rec, n, max_loss)), stacklevel=2)
    else:
        # The last record is the full training loss at the final parameters.
        rec.loss[n] = log.epoch_loss[-1]
        rec.time[n] = _time.perf_counter() - rec.start
        if rec.path is not None:
            rec.path[n] = params
    full_epochs, partial = divmod(n, per_epoch)
    seen = full_epochs * m + min(partial * B, m)   # rows that went into the n updates
    return _history(rec, params, n, log.stop, epoch_loss=np.array(log.epoch_loss),
                    val_loss=np.array(log.val_loss), grad_evals=n + log.extra_eval,
                    examples_seen=seen, epochs=log.epochs, updates_per_epoch=per_epoch)


def _check_fit_options(optimizer, *, epochs, tol, clip_norm, max_loss, callback, shuffle):
    """fit's scalar options, checked: -> (epochs, tol, clip_norm, max_loss)."""
    _check_optimizer(optimizer)
    if getattr(optimizer, "needs_hessian", False):
        raise TypeError(f"fit uses first-order optimizers; {type(optimizer).__name__} needs a "
                        f"Hessian. Use gdlab.train.minimize with an objective that has .hess")
    epochs = _check_int(epochs, "epochs", 1)
    tol = _check_optional_nonneg(tol, "tol")
    clip_norm = _check_optional_nonneg(clip_norm, "clip_norm", strict=True)
    max_loss = _check_max_loss(max_loss)
    _check_callback(callback)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False; got {shuffle!r}")
    return epochs, tol, clip_norm, max_loss


def _fit_data(model, X, y, params0, seed, validation):
    """-> (params, X, y, (X_val, y_val) or None), checked; params0=None asks the model's
    init_params for a start."""
    X_arr = np.asarray(X)
    if X_arr.ndim == 0:
        raise ValueError("X must be an array with one row per example; got a scalar")
    if X_arr.ndim != 2 and callable(getattr(model, "_check", None)):
        check_X(X_arr)   # gdlab models need X of shape (m, n): explain before init_params fails
    if params0 is None:
        init = getattr(model, "init_params", None)
        if not callable(init):
            raise TypeError(f"{model!r} has no init_params method; pass params0=")
        n_features = X_arr.shape[1] if X_arr.ndim == 2 else None
        params = np.asarray(init(seed=seed, n_features=n_features))
    else:
        params = _as_start(params0, None, "params0")
    if not np.all(np.isfinite(params)):
        raise ValueError(f"params0 must be finite; got {params}")
    params, X, y = _check_data(model, params, X, y, "training data")
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError("validation must be a tuple (X_val, y_val)")
        _, X_val, y_val = _check_data(model, params, validation[0], validation[1], "validation")
        validation = (X_val, y_val)
    return params, X, y, validation


def _epoch_runner(model, optimizer, loss_grad, X, y, params, rec, B, shuffling, *, tol,
                  clip_norm, max_loss):
    """The fast least-squares runner when it computes exactly what the general one would."""
    prox = getattr(model, "prox", None)
    if not getattr(model, "proximal", callable(prox)):
        prox = None
    chunks = RowChunks(X, y, B, shuffled=shuffling, n_params=params.shape[0])
    if LeastSquaresSGDEpoch.applies(model, optimizer, X, y, params, tol=tol,
                                    clip_norm=clip_norm, prox=prox):
        return LeastSquaresSGDEpoch(rec, chunks, B, optimizer, max_loss=max_loss,
                                    d=params.shape[0], dtype=params.dtype)
    return GeneralEpoch(rec, chunks, B, optimizer, loss_grad, tol=tol, clip_norm=clip_norm,
                        prox=prox, max_loss=max_loss)


@dataclass
class _EpochLog:
    """What fit's epoch loop reports besides the per-update records."""

    stop: Stop = field(default_factory=lambda: Stop("step budget exhausted"))
    epoch_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    epochs: int = 0       # epochs begun
    extra_eval: int = 0   # a gradient evaluated but not used for an update (the stopping one)


def _run_epochs(runner, params, X, y, validation, full_loss, rec, *, epochs, rng, observe,
                callback, max_loss):
    """fit's outer loop: epochs of updates, then the epoch's losses, observe and callback.

    Returns (params, updates taken, _EpochLog).
    """
    log, n, m = _EpochLog(), 0, X.shape[0]
    rec.start = start = _time.perf_counter()
    for epoch in range(epochs):
        log.epochs = epoch + 1
        order = rng.permutation(m) if rng is not None else None
        params, n, stop = runner.run(params, n, order)
        if stop is not None:
            log.stop, log.extra_eval = stop, 1
            if stop.diverged:
                break
        train_loss = float(full_loss(params, X, y))
        log.epoch_loss.append(train_loss)
        if not train_loss <= max_loss:
            log.stop = Stop(f"diverged at step {n}", diverged=True, converged=log.stop.converged)
            rec.loss[n], rec.time[n] = train_loss, _time.perf_counter() - start
            if rec.path is not None:
                rec.path[n] = params
            break
        v = None
        if validation is not None:
            v = float(full_loss(params, *validation))
            log.val_loss.append(v)
        if stop is not None:
            break
        if observe is not None:
            observe(train_loss)
        if callback is not None and callback(epoch, params.copy(), train_loss, v):
            log.stop = Stop("stopped by callback")
            break
    return params, n, log


def _fit_divergence_message(model, X, optimizer, rec, n, max_loss):
    if n:
        lr_bad = float(rec.lr[n - 1])
    else:
        lr_bad = float(optimizer.current_lr) if hasattr(optimizer, "current_lr") else float("nan")
    smoothness = None
    L_of = getattr(model, "smoothness", None)
    if callable(L_of):
        try:
            smoothness = float(L_of(X))
        except (ValueError, TypeError, np.linalg.LinAlgError):
            smoothness = None
    return _divergence_message(n, float(rec.loss[n]), lr_bad, max_loss, smoothness)
