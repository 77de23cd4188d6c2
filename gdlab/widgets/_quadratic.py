"""Level sets of a 2-D quadratic drawn as exact ellipses (no grid, no contouring).

For f(w) = f* + 1/2 (w - w*)^T H (w - w*) with H = V diag(lam) V^T, the level set
f = f* + c is the ellipse w* + V diag(sqrt(2c / lam)) (cos t, sin t). Dashboards whose
quadratic changes with a slider (condition number, feature scale) redraw these ellipses
with ``set_segments`` in microseconds instead of re-contouring a grid.
"""
from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

_T = np.linspace(0.0, 2.0 * np.pi, 121)
_CIRCLE = np.stack([np.cos(_T), np.sin(_T)])  # (2, 121)


def ellipses(H, center, levels):
    """Level-set ellipses of 1/2 (w - center)^T H (w - center) = c for each c in levels."""
    lam, V = np.linalg.eigh(np.asarray(H, dtype=float))
    lam = np.maximum(lam, 1e-300)
    segs = []
    for c in levels:
        pts = V @ (np.sqrt(2.0 * c / lam)[:, None] * _CIRCLE)
        segs.append((pts + np.asarray(center, float)[:, None]).T)
    return segs


def levels_through(H, center, point, n=10, ratio=0.35):
    """n geometric levels, the largest through ``point`` (the start), shrinking by ratio."""
    d = np.asarray(point, float) - np.asarray(center, float)
    top = 0.5 * float(d @ np.asarray(H, float) @ d)
    top = top if top > 0 else 1.0
    return top * ratio ** np.arange(n)


class EllipsePanel:
    """Animated ellipse level lines plus the minimizer, on an equal-aspect axes."""

    def __init__(self, ax, animated):
        self.ax = ax
        self.lines = LineCollection([], cmap="viridis", linewidths=1.0, alpha=0.9,
                                    animated=animated, zorder=1)
        ax.add_collection(self.lines)
        self.minimum, = ax.plot([], [], "*", color="white", mec="black", ms=12,
                                animated=animated, zorder=2)
        ax.set_aspect("equal", adjustable="box")

    def show(self, H, center, start, n=10):
        levels = levels_through(H, center, start, n=n)
        self.lines.set_segments(ellipses(H, center, levels))
        self.lines.set_array(np.log(levels))
        self.lines.set_clim(np.log(levels).min(), np.log(levels).max() + 1e-12)
        self.minimum.set_data([center[0]], [center[1]])
