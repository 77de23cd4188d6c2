"""Static figures for the course: contours with descent paths, loss curves, 1-D traces.

Every function draws on a matplotlib ``Axes`` (a new one if ``ax`` is None), labels the
axes, sets a title and returns the Axes. Nothing is printed or shown: in a notebook the
figure appears at the end of the cell (or with ``plt.show()``), in a script you save it.

Colours come from :data:`PALETTE`, the Okabe-Ito set (Okabe & Ito, "Color Universal
Design", 2008), chosen so the lines stay distinguishable for the common forms of colour
blindness; level lines use ``viridis`` (perceptually uniform and colour-blind safe).

matplotlib is imported inside the functions, so ``import gdlab`` stays light.

Example::

    >>> import numpy as np
    >>> from gdlab import objectives, plotting
    >>> rb = objectives.rosenbrock()
    >>> ax = plotting.contour(rb)
    >>> ax = plotting.path(ax, np.array([[-1.2, 1.0], [-0.5, 0.6], [1.0, 1.0]]), label="GD")
    >>> ax.get_title()
    'Rosenbrock: f(x, y) = (1 - x)² + 100 (y - x²)²'
"""
from __future__ import annotations

import numpy as np

from gdlab._validation import Interval, check
from gdlab.figure_text import alt_text, describe  # noqa: F401  (part of this module's API)

__all__ = ["PALETTE", "COLORS", "contour", "path", "loss_curves", "trace_1d", "describe",
           "alt_text"]

# Okabe-Ito, reordered so the first colours contrast most on white; yellow and black last.
COLORS = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "reddish_purple": "#CC79A7",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
PALETTE = list(COLORS.values())

_PATH_GID = "gdlab-path"      # marks lines drawn by path(), to pick the next colour
_MAX_MINIMA = 150             # more special points than these are not marked: Rastrigin's
_MAX_OTHERS = 30              # lattice would bury the plot in saddles and maxima
_MAX_ARROWS = 40              # trace_1d draws arrows for at most this many steps


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _new_axes(ax, figsize):
    if ax is not None:
        if not hasattr(ax, "plot") or not hasattr(ax, "set_title"):
            raise TypeError(f"Invalid ax: {ax!r} (expected a matplotlib Axes or None)")
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _resolve(objective, dim, what):
    if isinstance(objective, str):
        from gdlab.objectives import get

        objective = get(objective)
    if not (hasattr(objective, "f") and hasattr(objective, "dim")):
        raise TypeError(f"Invalid objective: {objective!r} (expected a gdlab Objective, e.g. "
                        "gdlab.objectives.rosenbrock(), or its name)")
    if objective.dim != dim:
        other = "trace_1d" if objective.dim == 1 else "contour"
        raise ValueError(f"Invalid objective: {objective.name!r} has dim={objective.dim}; "
                         f"{what} needs dim={dim} (use {other} instead)")
    return objective


def _pretty(name):
    return name.replace("_", " ").capitalize()


def _title(objective):
    formula = getattr(objective, "formula", "")
    name = _pretty(objective.name)
    return f"{name}: {formula}" if formula and len(formula) <= 45 else name


def _window(bounds, dim):
    try:
        pairs = [(float(lo), float(hi)) for lo, hi in bounds]
    except (TypeError, ValueError):
        raise ValueError(f"Invalid bounds: {bounds!r} (expected {dim} (lo, hi) pairs, "
                         "e.g. ((-2, 2), (-1, 3)))") from None
    if len(pairs) != dim or not all(np.isfinite(p).all() and p[0] < p[1] for p in pairs):
        raise ValueError(f"Invalid bounds: {bounds!r} (expected {dim} finite (lo, hi) pairs "
                         "with lo < hi)")
    return pairs


def _path_array(xs, dim):
    """A path as an (n, dim) float array; History-like objects give their .path."""
    if hasattr(xs, "path") and not isinstance(xs, np.ndarray):
        xs = xs.path
    arr = np.array(xs, dtype=np.float64)
    if dim == 1 and arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != dim or arr.shape[0] == 0:
        hint = " (got the transpose? pass xs.T)" if arr.ndim == 2 and arr.shape[0] == dim \
            else ""
        raise ValueError(f"Invalid path: shape {np.shape(xs)} (expected (n, {dim}) with one "
                         f"point per row, n >= 1){hint}")
    return arr


# --------------------------------------------------------------------------------------
# contour
# --------------------------------------------------------------------------------------
def contour(objective, ax=None, *, bounds=None, levels=30, log=True, resolution=200):
    """Level lines of a 2-D objective with its known critical points marked.

    Args:
      objective: a 2-D :class:`gdlab.objectives.Objective` (or its name).
      ax: the Axes to draw on (default: a new 5.5 x 4.5 inch figure).
      bounds: ((x_lo, x_hi), (y_lo, y_hi)); default ``objective.bounds``.
      levels: number of level lines, or an increasing sequence of f values.
      log: space the levels geometrically above the smallest value on the grid, so the
        flat valley floor and the steep walls are both visible (Rosenbrock needs this).
      resolution: grid points per axis (>= 10).

    Global minima are drawn as stars, other local minima as dots, saddles as crosses and
    local maxima as triangles, with a legend (saddles and maxima only while there are at
    most 30 of each in the window, minima while at most 150). The axes get the labels x
    and y, equal aspect when the window is not too elongated (so gradients look
    perpendicular to the level lines, as they are), and the objective's name and formula
    as title.
    """
    obj = _resolve(objective, 2, "contour")
    (x0, x1), (y0, y1) = _window(obj.bounds if bounds is None else bounds, 2)
    resolution = check(resolution, "resolution", Interval(10, None, integer=True))
    ax = _new_axes(ax, (5.5, 4.5))

    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    with np.errstate(all="ignore"):
        Z = np.asarray(obj.f(np.array([X, Y])), dtype=np.float64)
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        raise ValueError(f"{obj.name} is not finite anywhere in the window {bounds!r}")
    lo, hi = float(finite.min()), float(finite.max())

    if Interval(integer=True).kind_ok(levels):
        levels = check(levels, "levels", Interval(2, None, integer=True),
                       hint="or an increasing sequence of values")
        span = max(hi - lo, 1e-12)
        if log:
            # Geometric spacing above the lowest value: dense near the bottom of the bowl.
            level_values = lo + np.geomspace(1e-4 * span, span, levels)
        else:
            level_values = np.linspace(lo, hi, levels + 2)[1:-1]
    else:
        level_values = np.asarray(levels, dtype=np.float64)
        if level_values.ndim != 1 or level_values.size < 1 or \
                np.any(np.diff(level_values) <= 0):
            raise ValueError(f"Invalid levels: {levels!r} (expected an int or an increasing "
                             "sequence of values)")
    # One viridis colour per level by rank, not by value: with geometric levels a
    # value-based colour map would paint nearly every line the same dark purple.
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    colors = [cmap(t) for t in np.linspace(0.0, 0.92, len(level_values))]
    ax.contour(X, Y, Z, levels=level_values, colors=colors, linewidths=0.8)

    _mark_points(ax, obj, (x0, x1, y0, y1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ratio = (y1 - y0) / (x1 - x0)
    if 1 / 3 <= ratio <= 3:
        ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(_title(obj))
    ax._gdlab_window = (x0, x1, y0, y1)  # path() keeps this view when a run diverges
    return ax


def _mark_points(ax, obj, window):
    x0, x1, y0, y1 = window

    def inside(points):
        p = np.asarray(points).reshape(-1, 2)
        keep = (p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)
        return p[keep]

    glob = inside(obj.global_minimizers)
    is_global = lambda p: any(np.allclose(p, g) for g in glob)  # noqa: E731
    local = np.array([p for p in inside(obj.minimizers) if not is_global(p)]).reshape(-1, 2)
    groups = [
        (glob, dict(marker="*", s=160, color=COLORS["black"], label="global minimum")),
        (local, dict(marker="o", s=28, color=COLORS["black"], label="local minimum")),
        (inside(obj.saddles), dict(marker="X", s=60, color=COLORS["vermillion"],
                                   label="saddle point")),
        (inside(obj.maximizers), dict(marker="^", s=50, color=COLORS["reddish_purple"],
                                      label="local maximum")),
    ]
    marked = False
    for i, (pts, style) in enumerate(groups):
        if 0 < len(pts) <= (_MAX_MINIMA if i < 2 else _MAX_OTHERS):
            ax.scatter(pts[:, 0], pts[:, 1], zorder=4, edgecolors="white", linewidths=0.6,
                       **style)
            marked = True
    if marked:
        ax.legend(loc="best", fontsize="small", framealpha=0.85)


# --------------------------------------------------------------------------------------
# paths
# --------------------------------------------------------------------------------------
def path(ax, xs, *, label=None, color=None):
    """Draw a descent path (one point per row) with its start and end marked.

    Args:
      ax: the Axes (typically from :func:`contour`).
      xs: array (n, 2), e.g. ``History.path`` (a History itself is accepted too).
      label: legend entry; the legend is refreshed when given.
      color: any matplotlib colour; default: the next colour of :data:`PALETTE` not yet
        used by a path on this Axes.

    The start is a hollow circle, the end a filled square. If the Axes came from
    :func:`contour`, its window is kept, so a diverging run does not zoom the view out to
    infinity. Returns the Axes; the path itself is the line with ``gid="gdlab-path"``.
    """
    if ax is None:
        ax = _new_axes(None, (5.5, 4.5))
    else:
        ax = _new_axes(ax, None)
    pts = _path_array(xs, 2)
    if color is None:
        n_paths = sum(1 for line in ax.get_lines() if line.get_gid() == _PATH_GID)
        color = PALETTE[n_paths % len(PALETTE)]
    window = getattr(ax, "_gdlab_window", None)
    (line,) = ax.plot(pts[:, 0], pts[:, 1], "-o", color=color, markersize=2.5, linewidth=1.4,
                      label=label, zorder=5)
    line.set_gid(_PATH_GID)
    finite = pts[np.all(np.isfinite(pts), axis=1)]
    if len(finite):
        ax.plot(*finite[0], "o", markersize=8, markerfacecolor="white", markeredgecolor=color,
                markeredgewidth=1.8, zorder=6)
        ax.plot(*finite[-1], "s", markersize=7, color=color, markeredgecolor="white",
                zorder=6)
    if window is not None:
        ax.set_xlim(window[0], window[1])
        ax.set_ylim(window[2], window[3])
    else:
        ax.set_xlabel(ax.get_xlabel() or "x")
        ax.set_ylabel(ax.get_ylabel() or "y")
        ax.set_title(ax.get_title() or "Descent path")
    if label is not None:
        ax.legend(loc="best", fontsize="small", framealpha=0.85)
    return ax


# --------------------------------------------------------------------------------------
# loss curves
# --------------------------------------------------------------------------------------
def _loss_series(histories):
    """Normalise the accepted inputs to a list of (label, values, diverged)."""
    def one(h):
        values = h.loss if hasattr(h, "loss") else h
        arr = np.array(values, dtype=np.float64).reshape(-1) if not isinstance(values, str) \
            else None
        if arr is None or arr.size == 0:
            raise ValueError(f"Invalid loss history: {values!r} (expected a non-empty "
                             "sequence of numbers or an object with a .loss array)")
        return arr, bool(getattr(h, "diverged", False))

    if isinstance(histories, dict):
        if not histories:
            raise ValueError("Invalid histories: {} (expected at least one run)")
        return [(str(k), *one(v)) for k, v in histories.items()]
    if hasattr(histories, "loss"):
        return [(None, *one(histories))]
    if isinstance(histories, (list, tuple)) and histories and all(
            hasattr(h, "loss") for h in histories):
        return [(None, *one(h)) for h in histories]
    try:
        return [(None, *one(histories))]
    except (TypeError, ValueError):
        raise TypeError(f"Invalid histories: {type(histories).__name__} (expected a History, "
                        "a list of Histories, a dict label -> History, or label -> array "
                        "of losses)") from None


def loss_curves(histories, ax=None, *, log=True):
    """Loss against update step for one or several runs.

    Args:
      histories: a History (anything with a ``.loss`` array), a list of them, a dict
        label -> History, or a dict label -> array of losses.
      ax: the Axes (default: a new 6 x 4 inch figure).
      log: logarithmic loss axis (linear convergence is then a straight line). If some loss
        is <= 0 (e.g. on a saddle, unbounded below) a symmetric-log axis is used instead.

    Non-finite losses are left out of the line; a run flagged ``diverged`` gets
    "(diverged)" in its legend entry and an x at its last finite value.
    """
    series = _loss_series(histories)
    ax = _new_axes(ax, (6.0, 4.0))
    finite_all = []
    for i, (label, y, diverged) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        y = np.where(np.isfinite(y), y, np.nan)
        shown = label if label is not None else (f"run {i + 1}" if len(series) > 1 else None)
        if diverged and shown is not None:
            shown += " (diverged)"
        ax.plot(np.arange(y.size), y, color=color, linewidth=1.6, label=shown)
        ok = np.flatnonzero(np.isfinite(y))
        if diverged and ok.size:
            ax.plot(ok[-1], y[ok[-1]], "x", color=color, markersize=9, markeredgewidth=2)
        finite_all.append(y[np.isfinite(y)])
    values = np.concatenate(finite_all)
    ylabel = "loss"
    if log and values.size:
        if np.all(values > 0):
            ax.set_yscale("log")
        else:
            linthresh = max(1e-3 * float(np.max(np.abs(values))), 1e-12)
            ax.set_yscale("symlog", linthresh=linthresh)
            ylabel = "loss (symmetric log scale)"
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title("Loss per step" if len(series) == 1 else "Loss per step, by run")
    if any(ax.get_legend_handles_labels()[1]):
        ax.legend(fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return ax


# --------------------------------------------------------------------------------------
# 1-D trace
# --------------------------------------------------------------------------------------
def trace_1d(objective, xs, ax=None):
    """A 1-D objective's curve with the sequence of iterates drawn on it.

    Args:
      objective: a 1-D Objective (or its name).
      xs: the iterates x_0, x_1, ... (array (n,) or (n, 1), or a History).
      ax: the Axes (default: a new 6 x 4 inch figure).

    Each iterate is a dot on the curve at (x_k, f(x_k)), coloured from light (early) to
    dark (late); arrows join consecutive iterates (for the first 40 steps), the start is a
    hollow circle, the end a square, and the known minima are marked. The window is the
    objective's bounds, widened to show the iterates unless they fly off (divergence).
    """
    obj = _resolve(objective, 1, "trace_1d")
    pts = _path_array(xs, 1)[:, 0]
    ax = _new_axes(ax, (6.0, 4.0))
    lo, hi = obj.bounds[0]
    width = hi - lo
    finite = pts[np.isfinite(pts)]
    if finite.size:
        # widen the window to the iterates, but at most one window-width each side
        lo = max(min(lo, float(finite.min()) - 0.05 * width), lo - width)
        hi = min(max(hi, float(finite.max()) + 0.05 * width), hi + width)
    grid = np.linspace(lo, hi, 600)
    ax.plot(grid, obj.f(grid), color=COLORS["black"], linewidth=1.5, label="f(x)")

    seen = finite[(finite >= lo) & (finite <= hi)]
    with np.errstate(all="ignore"):
        fx = np.asarray(obj.f(pts), dtype=np.float64)
    shade = np.linspace(0.45, 1.0, max(len(pts), 1))
    import matplotlib.colors as mcolors

    base = np.array(mcolors.to_rgb(COLORS["vermillion"]))
    rgba = [(*(1 - s + s * base), 1.0) for s in shade]  # light early -> full colour late
    inside = np.isfinite(pts) & (pts >= lo) & (pts <= hi)
    ax.scatter(pts[inside], fx[inside], c=np.array(rgba)[inside], s=22, zorder=4,
               label="iterates")
    for k in range(min(len(pts) - 1, _MAX_ARROWS)):
        if inside[k] and inside[k + 1] and pts[k] != pts[k + 1]:
            ax.annotate("", xy=(pts[k + 1], fx[k + 1]), xytext=(pts[k], fx[k]),
                        arrowprops=dict(arrowstyle="->", color=COLORS["vermillion"],
                                        lw=0.9, shrinkA=2, shrinkB=2), zorder=3)
    if inside[0]:
        ax.plot(pts[0], fx[0], "o", markersize=9, markerfacecolor="white",
                markeredgecolor=COLORS["blue"], markeredgewidth=2, zorder=5, label="start")
    if inside[-1]:
        ax.plot(pts[-1], fx[-1], "s", markersize=8, color=COLORS["blue"], zorder=5,
                label="end")
    mins = obj.minimizers[:, 0]
    mins = mins[(mins >= lo) & (mins <= hi)]
    if mins.size:
        ax.plot(mins, obj.f(mins), "*", markersize=12, color=COLORS["bluish_green"], zorder=5,
                label="local minima" if mins.size > 1 else "minimum")
    ax.set_xlim(lo, hi)
    n_steps = len(pts) - 1
    left = " (left the window)" if seen.size < finite.size or finite.size < pts.size else ""
    ax.set_title(f"{_pretty(obj.name)}: {n_steps} step{'s' if n_steps != 1 else ''}{left}")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend(fontsize="small")
    return ax
