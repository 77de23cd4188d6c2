"""Dashboard: gradient descent on a 1-D curve, with the step sequence drawn.

The update is x_{k+1} = x_k - lr * f'(x_k). On a parabola f = a/2 (x - c)^2 the error
obeys x_{k+1} - c = (1 - lr a)(x_k - c), so the run is monotone for lr < 1/a, oscillates
for 1/a < lr < 2/a, and diverges for lr > 2/a = 2/L: the dashboard names the regime.
"""
from __future__ import annotations

import numpy as np

from ._base import (COLORS, Dashboard, check_int, check_range, divergence_message,
                    float_slider, new_view)
from gdlab.optim import SGD

from ._runs import optimizer_run

MAX_STEPS = 200


def _resolve_1d(objective):
    if isinstance(objective, str):
        from gdlab import objectives as _obj

        objective = _obj.get(objective)
    if not (hasattr(objective, "f") and hasattr(objective, "grad")):
        raise TypeError(f"Invalid objective: {objective!r} (expected a gdlab Objective or "
                        "a name such as 'parabola', 'wavy', 'plateau')")
    if getattr(objective, "dim", None) != 1:
        raise ValueError(f"Invalid objective: {getattr(objective, 'name', objective)!r} has "
                         f"dim={getattr(objective, 'dim', None)}; descent_1d needs a 1-D "
                         "objective such as 'parabola', 'wavy' or 'plateau'")
    return objective


class Descent1D(Dashboard):
    name = "descent_1d"
    figsize = (9.0, 3.5)
    has_play = True

    def __init__(self, objective="parabola", *, lr=0.3, x0=None, steps=20):
        self.objective = _resolve_1d(objective)
        lo, hi = map(float, self.objective.bounds[0])
        self.lo, self.hi = lo, hi
        self.L = getattr(self.objective, "smoothness", None)
        xs = np.linspace(lo, hi, 400)
        self.curve_x, self.curve_y = xs, np.asarray(self.objective.f(xs), float)
        # Slider range: past the stability limit 2/L so divergence can be seen; without a
        # known L, use the largest curvature seen on the window instead.
        h = np.asarray(self.objective.hess(xs), dtype=float)
        # The monotone / oscillating / divergent regimes are exact only where f'' is
        # constant (a parabola); elsewhere lr > 2/L need not diverge.
        self.is_quadratic = bool(np.allclose(h, h[0]))
        curv = self.L if self.L else float(np.max(np.abs(h)))
        self.lr_max = float(np.round(2.5 / max(curv, 1e-12), 3))
        lr = check_range("lr", lr, 0, self.lr_max, closed="right", label="learning rate",
                         hint=f"this dashboard's range for {self.objective.name}")
        if x0 is None:
            x0 = float(np.asarray(self.objective.start).reshape(-1)[0])
        x0 = check_range("x0", x0, lo, hi, hint="the plot window")
        self._init = dict(lr=lr, x0=x0, steps=check_int("steps", steps, 1, MAX_STEPS))
        mins = np.asarray(getattr(self.objective, "global_minimizers", []), float).reshape(-1)
        self.f_star = float(np.min(self.objective.f(mins))) if mins.size else float(
            self.curve_y.min())
        self.max_frames = self._init["steps"]
        self._start()

    # --- controls and figure --------------------------------------------------------------
    def _build_controls(self):
        import ipywidgets as W

        i = self._init
        return {
            "lr": float_slider("lr", i["lr"], 0.0, self.lr_max, self.lr_max / 250, fmt=".3f"),
            "x0": float_slider("x0", i["x0"], self.lo, self.hi, (self.hi - self.lo) / 400,
                               fmt=".2f"),
            "steps": W.IntSlider(value=i["steps"], min=1, max=MAX_STEPS, description="steps",
                                 continuous_update=True),
        }

    def _build_view(self, fig, animated):
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.9, wspace=0.25)
        ax, ax_loss = fig.subplots(1, 2)
        ax.plot(self.curve_x, self.curve_y, color="0.3", lw=1.5)
        span = float(self.curve_y.max() - self.curve_y.min()) or 1.0
        ax.set_xlim(self.lo, self.hi)
        ax.set_ylim(self.curve_y.min() - 0.08 * span, self.curve_y.max() + 0.08 * span)
        ax.set_title(f"gradient descent on {self.objective.name}", fontsize=11)
        ax.set_xlabel("$x$")
        ax.set_ylabel("$f(x)$")
        steps_line, = ax.plot([], [], "-o", color=COLORS["vermillion"], ms=4, lw=1, alpha=0.85,
                              animated=animated, zorder=3)
        start, = ax.plot([], [], "o", color=COLORS["blue"], ms=8, animated=animated, zorder=4)
        current, = ax.plot([], [], "D", color=COLORS["bluish_green"], ms=8, mec="black",
                           animated=animated, zorder=5)
        info = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                       animated=animated, bbox=dict(fc="white", ec="none", alpha=0.8))
        ax_loss.set_title("distance to the minimum value", fontsize=11)
        ax_loss.set_xlabel("update $k$")
        ax_loss.set_ylabel(r"$f(x_k) - f^\star$")
        ax_loss.set_yscale("log")
        top = float(self.curve_y.max() - self.f_star) * 1e3
        ax_loss.set_ylim(1e-12, max(top, 1e-6))
        loss, = ax_loss.plot([], [], "-o", color=COLORS["vermillion"], ms=3, lw=1, animated=animated)
        ax_loss.grid(True, which="major", alpha=0.3)
        return new_view(fig=fig, ax=ax, ax_loss=ax_loss, steps=steps_line, start=start,
                        current=current, info=info, loss=loss,
                        warning=self._figure_warning(fig, animated))

    # --- computation ----------------------------------------------------------------------
    def _compute(self):
        c = self.controls
        lr, x0, steps = float(c["lr"].value), float(c["x0"].value), int(c["steps"].value)
        self.result = optimizer_run(self.objective, SGD(lr=lr), np.array([x0]), steps,
                                    lo=[self.lo], hi=[self.hi])
        self.lr, self.steps = lr, steps
        run = self.result
        if run.left_at is not None:
            limit = 2.0 / self.L if self.L else None
            self.warning = divergence_message(run.left_at, lr, limit=limit)
        else:
            self.warning = ""

    def n_frames(self):
        return self.result.n_updates

    def regime(self):
        """'monotone' / 'oscillating' / 'divergent' for a parabola, else ''."""
        if not (self.L and self.is_quadratic):
            return ""
        q = self.lr * self.L
        if q == 0:
            return "no movement (lr = 0)"
        if q < 1:
            return "monotone (lr < 1/L)"
        if q == 1:
            return "one step to the minimum (lr = 1/L)"
        if q < 2:
            return "oscillating (1/L < lr < 2/L)"
        if q == 2:
            return "bouncing forever (lr = 2/L)"
        return "divergent (lr > 2/L)"

    def _apply(self, view):
        run, k = self.result, min(self.frame, self.result.n_updates)
        xs, fs = run.path[: k + 1, 0], run.loss[: k + 1]
        view.steps.set_data(xs, fs)
        view.start.set_data(xs[:1], fs[:1])
        view.current.set_data(xs[-1:], fs[-1:])
        gap = np.maximum(fs - self.f_star, 1e-300)
        view.loss.set_data(np.arange(k + 1), gap)
        view.ax_loss.set_xlim(0, max(self.steps, 1))
        g = float(np.asarray(self.objective.grad(run.path[k])).reshape(-1)[0])
        lines = [f"lr = {self.lr:.3g}   step {k}/{self.steps}",
                 f"x = {xs[-1]:.4g}   f'(x) = {g:.3g}"]
        if self.L and self.is_quadratic:
            lines.append(f"{self.regime()};  2/L = {2 / self.L:.3g}")
        elif self.L:
            lines.append(f"2/L = {2 / self.L:.3g}  (L = max f'')")
        view.info.set_text("\n".join(lines))

    def _status_text(self):
        run = self.result
        return (f"{run.n_updates} updates; final x = {run.path[-1, 0]:.4g}, "
                f"f(x) = {run.loss[-1]:.4g}")


def descent_1d(objective="parabola", *, lr=0.3, x0=None, steps=20):
    """Gradient descent on a 1-D curve: learning rate, start point and number of steps.

    The left panel draws the curve and the points (x_k, f(x_k)) of
    x_{k+1} = x_k - lr f'(x_k); the right panel draws f(x_k) - f* on a log scale. On a
    parabola (L = f'' known) the regime is named: monotone below 1/L, oscillating between
    1/L and 2/L, divergent above 2/L; a run that blows up reports
    "diverged at step N (lr = ... above 2/L = ...)". A play bar unfolds the run.

    Args:
        objective: a 1-D gdlab Objective or its name ('parabola', 'wavy', 'plateau').
        lr: initial learning rate.
        x0: initial start point (default: the objective's ``start``).
        steps: initial number of updates (1 to 200).

    Returns:
        A ``DashboardBox`` widget; its ``.dashboard`` holds controls, artists and
        ``static_figure()``.

    Example:
        >>> from gdlab.widgets import descent_1d
        >>> box = descent_1d(lr=0.9, steps=30)   # doctest: +SKIP
    """
    return Descent1D(objective, lr=lr, x0=x0, steps=steps).widget
