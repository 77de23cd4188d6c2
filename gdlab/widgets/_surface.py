"""Contour backgrounds computed once per surface and swapped in place.

``ax.contour`` is slow to build and slow to draw, and rebuilding it on every slider move is
what makes naive dashboards lag. A surface is instead sampled once on a grid (cached per
objective, window and resolution): the log-compressed values become an ``imshow`` image and
a dozen level lines, traced by contourpy (matplotlib's own contour engine), become one
``LineCollection``. Changing surface means ``set_data``/``set_segments`` on the same two
artists.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection

_CACHE: "OrderedDict[tuple, SurfaceData]" = OrderedDict()
_CACHE_SIZE = 32
CACHE_STATS = {"hits": 0, "misses": 0}


@dataclass(frozen=True)
class SurfaceData:
    extent: tuple          # (x_lo, x_hi, y_lo, y_hi)
    image: np.ndarray      # (res, res) log10(f - f_low + tiny), rows = y
    segments: list         # level lines, each an (n, 2) array
    f_low: float           # the smallest sampled value (image offset)
    objective: object      # kept so the id() in the cache key stays valid


def window_of(objective, bounds=None):
    """The plot window as (x_lo, x_hi, y_lo, y_hi), validated."""
    b = objective.bounds if bounds is None else bounds
    try:
        (x0, x1), (y0, y1) = b
    except (TypeError, ValueError):
        raise ValueError(f"Invalid bounds: {b!r} (expected ((x_lo, x_hi), (y_lo, y_hi)))") \
            from None
    x0, x1, y0, y1 = map(float, (x0, x1, y0, y1))
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"Invalid bounds: {b!r} (each lo must be below its hi)")
    return (x0, x1, y0, y1)


def surface_data(objective, bounds=None, *, res=160, n_levels=14):
    """Sample a 2-D objective on a res x res grid and trace level lines (cached)."""
    extent = window_of(objective, bounds)
    key = (id(objective), extent, res, n_levels)
    hit = _CACHE.get(key)
    if hit is not None and hit.objective is objective:
        CACHE_STATS["hits"] += 1
        _CACHE.move_to_end(key)
        return hit
    CACHE_STATS["misses"] += 1
    import contourpy

    xs = np.linspace(extent[0], extent[1], res)
    ys = np.linspace(extent[2], extent[3], res)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = np.asarray(objective.f(np.array([X, Y])), dtype=float)
    finite = np.isfinite(Z)
    f_low = float(Z[finite].min())
    span = float(Z[finite].max()) - f_low
    # Log compression shows both the steep walls and the flat valley floor.
    image = np.log10(np.where(finite, Z, np.nanmax(Z[finite])) - f_low + 1e-6 * span + 1e-300)
    probs = np.linspace(0.03, 0.97, n_levels)
    levels = np.unique(np.quantile(image, probs))
    gen = contourpy.contour_generator(xs, ys, image, line_type="Separate")
    segments = [seg for level in levels for seg in gen.lines(level) if len(seg) > 1]
    data = SurfaceData(extent, image, segments, f_low, objective)
    _CACHE[key] = data
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return data


class SurfacePanel:
    """An axes showing a surface (image + level lines + known minima), swappable."""

    def __init__(self, ax):
        self.ax = ax
        self.image = ax.imshow(np.zeros((2, 2)), origin="lower", cmap="viridis", alpha=0.6,
                               interpolation="bilinear", aspect="auto", zorder=0)
        self.lines = LineCollection([], colors="0.25", linewidths=0.6, alpha=0.6, zorder=1)
        ax.add_collection(self.lines)
        self.minima, = ax.plot([], [], linestyle="none", marker="*", markersize=11,
                               color="white", markeredgecolor="black", zorder=2,
                               label="minimum")
        self.saddles, = ax.plot([], [], linestyle="none", marker="X", markersize=8,
                                color="white", markeredgecolor="black", zorder=2,
                                label="saddle")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")

    def show(self, objective, data):
        self.image.set_data(data.image)
        self.image.set_extent(data.extent)
        self.image.set_clim(float(data.image.min()), float(data.image.max()))
        self.lines.set_segments(data.segments)
        mins = np.asarray(getattr(objective, "minimizers", np.empty((0, 2))), float).reshape(-1, 2)
        sads = np.asarray(getattr(objective, "saddles", np.empty((0, 2))), float).reshape(-1, 2)
        self.minima.set_data(mins[:, 0], mins[:, 1])
        self.saddles.set_data(sads[:, 0], sads[:, 1])
        self.ax.set_xlim(data.extent[0], data.extent[1])
        self.ax.set_ylim(data.extent[2], data.extent[3])


# --- choosing a 2-D surface ------------------------------------------------------------------

# Learning rates that make plain gradient descent interesting (moving, not exploding) from
# each surface's default start; the dashboards' lr sliders start here.
DEFAULT_LR = {"rosenbrock": 1.5e-3, "beale": 1e-2, "himmelblau": 1e-2, "booth": 5e-2,
              "saddle": 5e-2, "monkey_saddle": 5e-2, "rastrigin": 2e-3,
              "ill_conditioned": 0.15, "quadratic": 0.1}


def surfaces_2d():
    """Names of the catalog's 2-D objectives, in catalog order."""
    from gdlab import objectives

    return [name for name, obj in objectives.catalog().items() if obj.dim == 2]


_NAMED = {}


def resolve_2d(objective, *, role="objective"):
    """A 2-D Objective from itself or a catalog name (one shared instance per name, so the
    contour cache hits across dashboards)."""
    if isinstance(objective, str):
        if objective not in _NAMED:
            from gdlab import objectives

            _NAMED[objective] = objectives.get(objective)
        objective = _NAMED[objective]
    if not (hasattr(objective, "f") and hasattr(objective, "grad")):
        raise TypeError(f"Invalid {role}: {objective!r} (expected a gdlab Objective or a "
                        "name such as 'rosenbrock')")
    if getattr(objective, "dim", None) != 2:
        raise ValueError(f"Invalid {role}: {getattr(objective, 'name', objective)!r} has "
                         f"dim={getattr(objective, 'dim', None)}; this dashboard draws 2-D "
                         f"surfaces: {', '.join(surfaces_2d())}")
    return objective


def default_lr(objective):
    if objective.name in DEFAULT_LR:
        return DEFAULT_LR[objective.name]
    L = getattr(objective, "smoothness", None)
    return 1.0 / L if L else 1e-2


def gap_floor(objective, data):
    """f* for a log 'f - f*' loss axis, or None if f is unbounded below on the window
    (saddles): then the loss is drawn as f itself on a linear axis."""
    mins = np.asarray(getattr(objective, "global_minimizers", np.empty((0, 2))),
                      float).reshape(-1, 2)
    if len(mins) == 0:
        return None
    return float(np.min(objective.f(mins.T)))


def check_start(start, extent):
    try:
        x, y = (float(v) for v in np.asarray(start, dtype=float).reshape(-1))
    except (TypeError, ValueError):
        raise ValueError(f"Invalid start: {start!r} (expected a point (x1, x2))") from None
    if not (extent[0] <= x <= extent[1] and extent[2] <= y <= extent[3]):
        raise ValueError(f"Invalid start: {start!r} (must lie in the plot window "
                         f"x1 in [{extent[0]}, {extent[1]}], x2 in [{extent[2]}, {extent[3]}])")
    return np.array([x, y])
