"""Dashboard: gradient descent on a 2-D surface; click the contour plot to start there.

x_{k+1} = x_k - lr * grad f(x_k), drawn on the surface's level lines, with the loss
against the update index beside it.
"""
from __future__ import annotations

import numpy as np

from ._base import COLORS, Dashboard, check_int, check_range, divergence_message, new_view
from ._base import log_slider
from gdlab.optim import SGD

from ._runs import optimizer_run
from ._surface import (SurfacePanel, check_start, default_lr, gap_floor, resolve_2d,
                       surface_data, surfaces_2d)

MAX_STEPS = 300


def escape_message(step):
    return (f"left the window at step {step} while the loss kept falling: "
            "this surface is unbounded below")


class SurfaceClicks:
    """Mixin: a click (left button) inside the surface axes moves the start point there."""

    def _connect_clicks(self):
        self._click_cid = self.canvas.mpl_connect("button_press_event", self._on_click)

    def _on_click(self, event):
        if event.inaxes is not self.view.ax or event.xdata is None:
            return
        if getattr(event, "button", 1) not in (1, None):
            return
        self.start = np.array([float(event.xdata), float(event.ydata)])
        if self.play is not None:
            self.play.follow_end = True
        self._throttle()


class Descent2D(SurfaceClicks, Dashboard):
    name = "descent_2d"
    figsize = (9.0, 3.8)
    has_play = True

    def __init__(self, objective="rosenbrock", *, lr=None, steps=100, start=None):
        self.objective = resolve_2d(objective)
        self.data = surface_data(self.objective)
        self.options = surfaces_2d()
        if self.objective.name not in self.options or not isinstance(objective, str):
            # a custom Objective: offer it under its own name (and keep the instance)
            self.options = [self.objective.name] + [n for n in self.options
                                                     if n != self.objective.name]
        self._custom = {self.objective.name: self.objective}
        lr = default_lr(self.objective) if lr is None else lr
        lr = check_range("lr", lr, 1e-5, 10, label="learning rate")
        self.start = check_start(self.objective.start if start is None else start,
                                 self.data.extent)
        self._init = dict(lr=lr, steps=check_int("steps", steps, 1, MAX_STEPS))
        self.max_frames = self._init["steps"]
        self._start()
        self._connect_clicks()

    def _build_controls(self):
        import ipywidgets as W

        return {
            "surface": W.Dropdown(options=self.options, value=self.objective.name,
                                  description="surface"),
            "lr": log_slider("lr", self._init["lr"], -5, 1),
            "steps": W.IntSlider(value=self._init["steps"], min=1, max=MAX_STEPS,
                                 description="steps", continuous_update=True),
        }

    def _objective_for(self, name):
        if name in self._custom:
            return self._custom[name]
        return resolve_2d(name)

    def _on_control(self, change):
        if change.owner is self.controls["surface"]:
            # A new surface comes with its own default start and a learning rate that suits
            # it; the old ones are usually meaningless there.
            new = self._objective_for(change.new)
            self.start = np.array(new.start, dtype=float)
            self.controls["lr"].value = default_lr(new)

    def _build_view(self, fig, animated):
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.9, wspace=0.25)
        ax, ax_loss = fig.subplots(1, 2)
        surface = SurfacePanel(ax)
        ax.set_title("click to choose the start point", fontsize=11)
        path, = ax.plot([], [], "-o", color=COLORS["vermillion"], ms=2.5, lw=1.2, animated=animated,
                        zorder=3)
        start, = ax.plot([], [], "o", color=COLORS["blue"], ms=8, mec="white", animated=animated,
                         zorder=4)
        current, = ax.plot([], [], "D", color=COLORS["orange"], ms=7, mec="black",
                           animated=animated, zorder=5)
        info = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                       animated=animated, bbox=dict(fc="white", ec="none", alpha=0.8), zorder=6)
        ax_loss.set_title("loss against updates", fontsize=11)
        ax_loss.set_xlabel("update $k$")
        ax_loss.grid(True, alpha=0.3)
        loss, = ax_loss.plot([], [], "-", color=COLORS["vermillion"], lw=1.5, animated=animated)
        view = new_view(fig=fig, ax=ax, ax_loss=ax_loss, surface=surface, path=path,
                        start=start, current=current, info=info, loss=loss,
                        warning=self._figure_warning(fig, animated), shown=None)
        return view

    def _show_surface(self, view):
        """Put the current surface into a view (only when it changed: it is static)."""
        if view.shown is self.objective:
            return
        view.surface.show(self.objective, self.data)
        ax_loss = view.ax_loss
        if self.f_star is None:
            ax_loss.set_yscale("linear")
            ax_loss.set_ylabel("$f(x_k)$")
            lo, hi = float(self.data.f_low), float(np.max(10 ** self.data.image)) + self.data.f_low
            pad = 0.1 * (hi - lo)
            ax_loss.set_ylim(lo - pad, hi + pad)
        else:
            ax_loss.set_yscale("log")
            ax_loss.set_ylabel(r"$f(x_k) - f^\star$")
            top = float(np.max(10 ** self.data.image)) * 1e2
            ax_loss.set_ylim(1e-10, max(top, 1.0))
        view.shown = self.objective
        if view is self.view:
            self.canvas.blitter.invalidate()

    def _compute(self):
        c = self.controls
        name = c["surface"].value
        if name != self.objective.name:
            self.objective = self._objective_for(name)
            self.data = surface_data(self.objective)
        self.f_star = gap_floor(self.objective, self.data)
        lr, steps = float(c["lr"].value), int(c["steps"].value)
        e = self.data.extent
        self.result = optimizer_run(self.objective, SGD(lr=lr), self.start, steps,
                                    lo=(e[0], e[2]), hi=(e[1], e[3]))
        self.lr, self.steps = lr, steps
        run = self.result
        if run.left_at is None:
            self.warning = ""
        elif run.escaped_downhill:
            self.warning = escape_message(run.left_at)
        else:
            L = getattr(self.objective, "smoothness", None)
            self.warning = divergence_message(run.left_at, lr,
                                              limit=2.0 / L if L else None)

    def n_frames(self):
        return self.result.n_updates

    def _apply(self, view):
        self._show_surface(view)
        run, k = self.result, min(self.frame, self.result.n_updates)
        p = run.path[: k + 1]
        view.path.set_data(p[:, 0], p[:, 1])
        view.start.set_data(p[:1, 0], p[:1, 1])
        view.current.set_data(p[-1:, 0], p[-1:, 1])
        y = run.loss[: k + 1]
        if self.f_star is not None:
            y = np.maximum(y - self.f_star, 1e-300)
        view.loss.set_data(np.arange(k + 1), y)
        view.ax_loss.set_xlim(0, self.steps)
        view.info.set_text(f"{self.objective.name}   lr = {self.lr:.3g}   step {k}\n"
                           f"x = ({p[-1, 0]:.3f}, {p[-1, 1]:.3f})   f = {run.loss[k]:.4g}")

    def _status_text(self):
        s = self.start
        return (f"start ({s[0]:.2f}, {s[1]:.2f}); {self.result.n_updates} updates; "
                f"final f = {self.result.loss[-1]:.4g}")


def descent_2d(objective="rosenbrock", *, lr=None, steps=100, start=None):
    """Gradient descent on a 2-D surface; click on the contour plot to pick the start.

    Draws x_{k+1} = x_k - lr grad f(x_k) on the surface's level lines (known minima as
    stars, saddles as crosses) and the loss against k (f - f* on a log axis, or f itself
    for surfaces unbounded below). Divergence is reported as
    "diverged at step N (lr = ... above 2/L = ...)" when L is known.

    Args:
        objective: a 2-D gdlab Objective or a catalog name ('rosenbrock', 'beale',
            'himmelblau', 'booth', 'saddle', ...).
        lr: initial learning rate (default: one that suits the surface).
        steps: initial number of updates (1 to 300).
        start: initial start point (default: the objective's ``start``).

    Returns:
        A ``DashboardBox``; ``.dashboard`` holds the controls, artists, ``static_figure()``.
    """
    return Descent2D(objective, lr=lr, steps=steps, start=start).widget
