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

import numpy as np

from gdlab._validation import Interval, check
from gdlab.epochs import GeneralEpoch, LeastSquaresSGDEpoch, Records, RowChunks
from gdlab.history import DivergenceWarning, History
from gdlab.models._validate import check_X

__all__ = ["minimize", "fit", "History", "DivergenceWarning"]

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
    d = x.shape[0]
    newton = bool(getattr(optimizer, "needs_hessian", False))
    if newton and hess is None:
        raise TypeError(f"{type(optimizer).__name__} needs the Hessian, but the objective has no "
                        f".hess method; use an objective with hess, or a first-order optimizer")

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

    keep_path = _record_path(record_path, steps + 1, d)
    path = np.empty((steps + 1, d), dtype=x.dtype) if keep_path else None
    loss = np.empty(steps + 1)
    gnorm = np.empty(steps)
    lrs = np.empty(steps)
    times = np.empty(steps + 1)
    observe = _observer(optimizer)

    grad_evals = hess_evals = n = 0
    stop_reason, diverged, converged = "step budget exhausted", False, False
    start = _time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        fx = value(x)
        if not math.isfinite(fx):
            raise ValueError(f"the objective is not finite at x0 = {x} (f = {fx})")
        loss[0], times[0] = fx, 0.0
        if keep_path:
            path[0] = x
        for k in range(steps):
            g = gradient(x)
            grad_evals += 1
            gn = float(np.sqrt(np.vdot(g, g).real))
            if tol is not None and gn <= tol:
                stop_reason, converged = "gradient norm below tol", True
                break
            lr_now = float(optimizer.current_lr) if hasattr(optimizer, "current_lr") else float("nan")
            if newton:
                H = np.asarray(hess(x))
                hess_evals += 1
                if H.shape != (d, d):
                    H = H.reshape(d, d)
                x = optimizer.step(x, g, hess=H, fun=value)
            else:
                x = optimizer.step(x, g)
            previous, fx = fx, value(x)
            n = k + 1
            gnorm[k], lrs[k], loss[n], times[n] = gn, lr_now, fx, _time.perf_counter() - start
            if keep_path:
                path[n] = x
            if not fx <= max_loss:  # also true for NaN
                stop_reason, diverged = f"diverged at step {n}", True
                warnings.warn(DivergenceWarning(
                    _divergence_message(n, fx, lr_now, max_loss, smoothness)), stacklevel=2)
                break
            if observe is not None:
                observe(fx)
            if loss_tol is not None and abs(fx - previous) <= loss_tol:
                stop_reason, converged = "loss change below loss_tol", True
                break
            if callback is not None and callback(n, x.copy(), fx):
                stop_reason = "stopped by callback"
                break
    return History(
        x=x, path=path[:n + 1] if keep_path else None, loss=loss[:n + 1], grad_norm=gnorm[:n],
        lr=lrs[:n], time=times[:n + 1], n_updates=n, grad_evals=grad_evals, hess_evals=hess_evals,
        stop_reason=stop_reason, diverged=diverged, converged=converged)


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

    X_arr = np.asarray(X)
    if X_arr.ndim == 0:
        raise ValueError("X must be an array with one row per example; got a scalar")
    if X_arr.ndim != 2 and callable(getattr(model, "_check", None)):
        check_X(X_arr)   # gdlab models need X of shape (m, n): explain before init_params fails
    m = X_arr.shape[0]
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
    if batch_size is None:
        B = m
    else:
        B = check(batch_size, "batch_size", Interval(1, m, integer=True), none_ok=True,
                  hint=f"m = {m} examples; None means full batch")

    prox = getattr(model, "prox", None)
    if not getattr(model, "proximal", callable(prox)):
        prox = None
    observe = _observer(optimizer)
    has_current_lr = hasattr(optimizer, "current_lr")

    # Everything the inner loop touches is allocated here, once.
    per_epoch = -(-m // B)
    n_total = per_epoch * epochs
    d = params.shape[0]
    keep_path = _record_path(record_path, n_total + 1, d)
    rec = Records(loss=np.empty(n_total + 1), grad_norm=np.empty(n_total),
                  lr=np.empty(n_total), time=np.empty(n_total + 1),
                  path=np.empty((n_total + 1, d), dtype=params.dtype) if keep_path else None,
                  start=0.0)
    shuffling = shuffle and B < m   # reordering cannot change a full-batch gradient
    chunks = RowChunks(X, y, B, shuffled=shuffling, n_params=d)
    if LeastSquaresSGDEpoch.applies(model, optimizer, X, y, params, tol=tol,
                                    clip_norm=clip_norm, prox=prox):
        runner = LeastSquaresSGDEpoch(rec, chunks, B, optimizer, max_loss=max_loss, d=d,
                                      dtype=params.dtype)
    else:
        runner = GeneralEpoch(rec, chunks, B, optimizer, loss_grad, tol=tol,
                              clip_norm=clip_norm, prox=prox, max_loss=max_loss)
    epoch_loss, val_loss = [], []
    rng = np.random.default_rng(seed) if shuffling else None

    n = 0           # updates taken
    extra_eval = 0  # a gradient evaluated but not used for an update (the stopping one)
    epochs_run = 0
    stop_reason, diverged, converged = "step budget exhausted", False, False
    rec.start = start = _time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(epochs):
            epochs_run = epoch + 1
            order = rng.permutation(m) if shuffling else None
            params, n, stop = runner.run(params, n, order)
            if stop is not None:
                stop_reason, diverged, converged = stop.reason, stop.diverged, stop.converged
                extra_eval = 1
            if diverged:
                break
            train_loss = float(full_loss(params, X, y))
            epoch_loss.append(train_loss)
            if not train_loss <= max_loss:
                stop_reason, diverged = f"diverged at step {n}", True
                rec.loss[n], rec.time[n] = train_loss, _time.perf_counter() - start
                if keep_path:
                    rec.path[n] = params
                break
            v = None
            if validation is not None:
                v = float(full_loss(params, X_val, y_val))
                val_loss.append(v)
            if stop is not None:
                break
            if observe is not None:
                observe(train_loss)
            if callback is not None and callback(epoch, params.copy(), train_loss, v):
                stop_reason = "stopped by callback"
                break

    if diverged:
        if n:
            lr_bad = float(rec.lr[n - 1])
        else:
            lr_bad = float(optimizer.current_lr) if has_current_lr else float("nan")
        smoothness = None
        L_of = getattr(model, "smoothness", None)
        if callable(L_of):
            try:
                smoothness = float(L_of(X))
            except (ValueError, TypeError, np.linalg.LinAlgError):
                smoothness = None
        warnings.warn(DivergenceWarning(_divergence_message(
            n, float(rec.loss[n]), lr_bad, max_loss, smoothness)), stacklevel=2)
    else:
        # The last record is the full training loss at the final parameters.
        rec.loss[n] = epoch_loss[-1]
        rec.time[n] = _time.perf_counter() - start
        if keep_path:
            rec.path[n] = params
    full_epochs, partial = divmod(n, per_epoch)
    seen = full_epochs * m + min(partial * B, m)   # rows that went into the n updates
    return History(
        x=params, path=rec.path[:n + 1] if keep_path else None, loss=rec.loss[:n + 1],
        grad_norm=rec.grad_norm[:n], lr=rec.lr[:n], time=rec.time[:n + 1],
        epoch_loss=np.array(epoch_loss), val_loss=np.array(val_loss), n_updates=n,
        grad_evals=n + extra_eval, examples_seen=seen, epochs=epochs_run,
        updates_per_epoch=per_epoch, stop_reason=stop_reason, diverged=diverged,
        converged=converged)
