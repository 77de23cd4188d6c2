"""Dashboard: optimizers racing on a surface (paths on the contours, loss against steps).

Each lane is one gdlab.optim optimizer (their update rules follow torch.optim) with its
own settings. A lane's run is cached under its settings, the surface and the start, so
moving one lane's slider recomputes that lane only.
"""
from __future__ import annotations

import numpy as np

from gdlab._validation import Options, check

from ._base import COLORS, Dashboard, check_int, divergence_message, float_slider, new_view
from ._base import log_slider
from ._runs import optimizer_run
from ._surface import (SurfacePanel, check_start, default_lr, gap_floor, resolve_2d,
                       surface_data, surfaces_2d)
from .descent_2d import SurfaceClicks, escape_message

MAX_STEPS = 300

# kind -> (label, default settings). Settings are what the lane's sliders show.
LANES = {
    "gd": ("gradient descent", {"lr": 1e-3}),
    "momentum": ("momentum", {"lr": 1e-3, "momentum": 0.9}),
    "nesterov": ("Nesterov", {"lr": 1e-3, "momentum": 0.9}),
    "adagrad": ("AdaGrad", {"lr": 0.3}),
    "rmsprop": ("RMSprop", {"lr": 1e-2, "alpha": 0.99}),
    "adam": ("Adam", {"lr": 5e-2, "beta1": 0.9, "beta2": 0.999}),
    "adamw": ("AdamW", {"lr": 5e-2, "beta1": 0.9, "beta2": 0.999, "weight_decay": 1e-2}),
    "newton": ("Newton", {"lr": 1.0, "damping": 0.1}),
}
DEFAULT_RACE = ("gd", "momentum", "rmsprop", "adam")
# One fixed colour per lane (Okabe-Ito, without its yellow, which vanishes on the surface
# image; grey for the eighth), so a lane keeps its colour when others are toggled.
LANE_COLORS = {"gd": COLORS["black"], "momentum": COLORS["blue"],
               "nesterov": COLORS["sky_blue"], "adagrad": COLORS["bluish_green"],
               "rmsprop": COLORS["orange"], "adam": COLORS["vermillion"],
               "adamw": COLORS["reddish_purple"], "newton": "#7F7F7F"}


def make_optimizer(kind, settings):
    """Build the gdlab.optim optimizer of a lane from its slider settings."""
    from gdlab import optim

    s = settings
    if kind == "gd":
        return optim.SGD(lr=s["lr"])
    if kind == "momentum":
        return optim.SGD(lr=s["lr"], momentum=s["momentum"])
    if kind == "nesterov":
        return optim.SGD(lr=s["lr"], momentum=s["momentum"], nesterov=True)
    if kind == "adagrad":
        return optim.Adagrad(lr=s["lr"])
    if kind == "rmsprop":
        return optim.RMSprop(lr=s["lr"], alpha=s["alpha"])
    if kind == "adam":
        return optim.Adam(lr=s["lr"], betas=(s["beta1"], s["beta2"]))
    if kind == "adamw":
        return optim.AdamW(lr=s["lr"], betas=(s["beta1"], s["beta2"]),
                           weight_decay=s["weight_decay"])
    if kind == "newton":
        return optim.Newton(lr=s["lr"], damping=s["damping"])
    raise ValueError(f"Invalid optimizer: {kind!r} (valid: {', '.join(LANES)})")


# Plain gradient steps need a learning rate matched to the surface's curvature; the
# adaptive methods normalise the step and do not.
SURFACE_LR_LANES = ("gd", "momentum", "nesterov")


def _parse_lanes(optimizers, surface_lr):
    """Accept names, (name, settings) pairs or {"name": ..., **settings} dicts."""
    single_pair = (isinstance(optimizers, tuple) and len(optimizers) == 2
                   and isinstance(optimizers[0], str) and isinstance(optimizers[1], dict))
    if isinstance(optimizers, (str, dict)) or single_pair:
        optimizers = [optimizers]
    chosen = {}
    for item in optimizers:
        if isinstance(item, str):
            kind, settings = item, {}
        elif isinstance(item, dict):
            settings = dict(item)
            kind = settings.pop("name", None)
        elif isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], dict):
            kind, settings = item[0], dict(item[1])
        else:
            raise TypeError(f"Invalid optimizer entry: {item!r} (expected a name like 'adam', "
                            "('adam', {'lr': 0.05}) or {'name': 'adam', 'lr': 0.05})")
        check(kind, "optimizer", Options(*LANES))
        unknown = set(settings) - set(LANES[kind][1])
        if unknown:
            raise ValueError(f"Invalid setting(s) {sorted(unknown)} for {kind!r} (valid: "
                             f"{', '.join(LANES[kind][1])})")
        full = dict(LANES[kind][1])
        if kind in SURFACE_LR_LANES:
            full["lr"] = surface_lr
        full.update({k: float(v) for k, v in settings.items()})
        make_optimizer(kind, full)  # validates the values with gdlab.optim's own messages
        chosen[kind] = full
    if not chosen:
        raise ValueError("Invalid optimizers: [] (choose at least one of "
                         f"{', '.join(LANES)})")
    return chosen


class Race(SurfaceClicks, Dashboard):
    name = "optimizer_race"
    figsize = (9.0, 3.8)
    has_play = True

    def __init__(self, surface="rosenbrock", *, optimizers=DEFAULT_RACE, start=None, steps=200):
        self.objective = resolve_2d(surface, role="surface")
        self._custom = {self.objective.name: self.objective}
        self.options = surfaces_2d()
        if self.objective.name not in self.options or not isinstance(surface, str):
            self.options = [self.objective.name] + [n for n in self.options
                                                     if n != self.objective.name]
        self.data = surface_data(self.objective)
        self.chosen = _parse_lanes(optimizers, default_lr(self.objective))
        self.start = check_start(self.objective.start if start is None else start,
                                 self.data.extent)
        self._init_steps = check_int("steps", steps, 1, MAX_STEPS)
        self.max_frames = self._init_steps
        self._runs = {}       # kind -> (key, Run): the per-lane cache
        self.recomputed = []  # lanes recomputed by the last update (for tests, benchmarks)
        self._start()
        self._connect_clicks()

    # --- controls -------------------------------------------------------------------------
    def _build_controls(self):
        import ipywidgets as W

        c = {"surface": W.Dropdown(options=self.options, value=self.objective.name,
                                   description="surface"),
             "steps": W.IntSlider(value=self._init_steps, min=1, max=MAX_STEPS,
                                  description="steps", continuous_update=True)}
        for kind, (label, defaults) in LANES.items():
            s = self.chosen.get(kind) or dict(
                defaults, **({"lr": default_lr(self.objective)}
                             if kind in SURFACE_LR_LANES else {}))
            c[f"{kind}.on"] = W.Checkbox(value=kind in self.chosen, description=label,
                                         indent=False, layout=W.Layout(width="140px"))
            c[f"{kind}.lr"] = log_slider("lr", s["lr"], -5, 1)
            for key in s:
                if key == "lr":
                    continue
                lo, hi = (0.0, 0.999) if key in ("momentum", "beta1", "alpha") else \
                    (0.9, 0.9999) if key == "beta2" else (0.0, 1.0)
                c[f"{kind}.{key}"] = float_slider(key, s[key], lo, hi, (hi - lo) / 1000)
        return c

    def _controls_layout(self):
        import ipywidgets as W

        rows = [W.HBox([self.controls["surface"], self.controls["steps"]])]
        for kind in LANES:
            rows.append(W.HBox([w for name, w in self.controls.items()
                                if name.split(".")[0] == kind]))
        return W.VBox(rows)

    def settings(self, kind):
        """The current slider settings of a lane, as a dict."""
        return {name.split(".", 1)[1]: float(w.value) for name, w in self.controls.items()
                if name.startswith(kind + ".") and not name.endswith(".on")}

    def enabled(self):
        return [k for k in LANES if self.controls[f"{k}.on"].value]

    def _on_control(self, change):
        if change.owner is self.controls["surface"]:
            name = change.new
            new = self._custom.get(name) or resolve_2d(name, role="surface")
            self.start = np.array(new.start, dtype=float)
            for kind in SURFACE_LR_LANES:
                self.controls[f"{kind}.lr"].value = default_lr(new)

    # --- figure ---------------------------------------------------------------------------
    def _build_view(self, fig, animated):
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.9, wspace=0.25)
        ax, ax_loss = fig.subplots(1, 2)
        surface = SurfacePanel(ax)
        ax.set_title("click to choose the start point", fontsize=11)
        ax_loss.set_title("loss against updates", fontsize=11)
        ax_loss.set_xlabel("update $k$")
        ax_loss.grid(True, alpha=0.3)
        paths, heads, losses = {}, {}, {}
        for kind, (label, _) in LANES.items():
            color = LANE_COLORS[kind]
            paths[kind], = ax.plot([], [], "-", color=color, lw=1.6, animated=animated,
                                   zorder=3, label=label)
            heads[kind], = ax.plot([], [], "o", color=color, ms=6, mec="black",
                                   animated=animated, zorder=4)
            losses[kind], = ax_loss.plot([], [], "-", color=color, lw=1.5, label=label,
                                         animated=animated)
        start, = ax.plot([], [], "o", color="white", ms=8, mec="black", animated=animated,
                         zorder=5)
        return new_view(fig=fig, ax=ax, ax_loss=ax_loss, surface=surface, paths=paths,
                        heads=heads, losses=losses, start=start, shown=None, legend_for=None,
                        warning=self._figure_warning(fig, animated))

    # --- computation ----------------------------------------------------------------------
    def _compute(self):
        c = self.controls
        if c["surface"].value != self.objective.name:
            name = c["surface"].value
            self.objective = self._custom.get(name) or resolve_2d(name, role="surface")
            self.data = surface_data(self.objective)
        self.f_star = gap_floor(self.objective, self.data)
        self.steps = int(c["steps"].value)
        e = self.data.extent
        self.recomputed = []
        warnings = []
        for kind in self.enabled():
            s = self.settings(kind)
            key = (id(self.objective), tuple(self.start), self.steps, tuple(sorted(s.items())))
            cached = self._runs.get(kind)
            if cached is None or cached[0] != key:
                try:
                    opt = make_optimizer(kind, s)
                except ValueError as err:   # e.g. beta1 = 1 from the slider's end
                    self._runs[kind] = (key, None)
                    warnings.append(f"{LANES[kind][0]}: {err}")
                    continue
                run = optimizer_run(self.objective, opt, self.start, self.steps,
                                    lo=(e[0], e[2]), hi=(e[1], e[3]))
                self._runs[kind] = (key, run)
                self.recomputed.append(kind)
            run = self._runs[kind][1]
            if run is not None and run.left_at is not None:
                msg = (escape_message(run.left_at) if run.escaped_downhill else
                       divergence_message(run.left_at, s["lr"]))
                warnings.append(f"{LANES[kind][0]}: {msg}")
        self.warning = "; ".join(warnings)

    def runs(self):
        """kind -> Run for the enabled lanes that could run."""
        return {k: self._runs[k][1] for k in self.enabled()
                if k in self._runs and self._runs[k][1] is not None}

    def n_frames(self):
        runs = self.runs()
        return max((r.n_updates for r in runs.values()), default=0)

    def _show_surface(self, view):
        if view.shown is self.objective:
            return
        view.surface.show(self.objective, self.data)
        ax_loss = view.ax_loss
        zmax = float(np.max(10 ** self.data.image))
        if self.f_star is None:
            ax_loss.set_yscale("linear")
            ax_loss.set_ylabel("$f(x_k)$")
            lo, hi = self.data.f_low, self.data.f_low + zmax
            ax_loss.set_ylim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        else:
            ax_loss.set_yscale("log")
            ax_loss.set_ylabel(r"$f(x_k) - f^\star$")
            ax_loss.set_ylim(1e-10, max(zmax * 1e2, 1.0))
        view.shown = self.objective
        if view is self.view:
            self.canvas.blitter.invalidate()

    def _apply(self, view):
        self._show_surface(view)
        runs = self.runs()
        k = self.frame
        for kind in LANES:
            run = runs.get(kind)
            visible = run is not None
            for artist in (view.paths[kind], view.heads[kind], view.losses[kind]):
                artist.set_visible(visible)
            if not visible:
                continue
            j = min(k, run.n_updates)
            p = run.path[: j + 1]
            view.paths[kind].set_data(p[:, 0], p[:, 1])
            view.heads[kind].set_data(p[-1:, 0], p[-1:, 1])
            y = run.loss[: j + 1]
            if self.f_star is not None:
                y = np.maximum(y - self.f_star, 1e-300)
            view.losses[kind].set_data(np.arange(j + 1), y)
        view.start.set_data([self.start[0]], [self.start[1]])
        view.ax_loss.set_xlim(0, self.steps)
        lanes = tuple(runs)
        if view.legend_for != lanes:
            # The legend is static (drawn into the background): rebuild it only when the
            # set of lanes changes.
            handles = [view.losses[kind] for kind in lanes]
            if handles:
                view.ax_loss.legend(handles=handles, fontsize=8, loc="upper right")
            elif view.ax_loss.get_legend() is not None:
                view.ax_loss.get_legend().remove()
            view.legend_for = lanes
            if view is self.view:
                self.canvas.blitter.invalidate()

    def _status_text(self):
        parts = [f"{LANES[k][0]}: f = {r.loss[-1]:.3g}" for k, r in self.runs().items()]
        return f"start ({self.start[0]:.2f}, {self.start[1]:.2f})   " + ";  ".join(parts)


def optimizer_race(surface="rosenbrock", *, optimizers=DEFAULT_RACE, start=None, steps=200):
    """Race optimizers on a surface: pick the surface, the optimizers and their settings,
    click a start point, and watch the paths and the loss curves unfold.

    Lanes: 'gd', 'momentum', 'nesterov' (SGD), 'adagrad', 'rmsprop', 'adam', 'adamw',
    'newton', each built with gdlab.optim, whose updates follow torch.optim. Every lane has
    a checkbox and sliders for its settings; the ones listed in ``optimizers`` start
    enabled.

    Args:
        surface: a 2-D Objective or catalog name ('rosenbrock', 'beale', 'saddle', ...).
        optimizers: names, ``(name, settings)`` pairs or ``{"name": ..., **settings}``
            dicts, e.g. ``["gd", ("adam", {"lr": 0.1, "beta1": 0.8})]``. Settings:
            lr for all; momentum (momentum, nesterov); alpha (rmsprop); beta1, beta2
            (adam, adamw); weight_decay (adamw); damping (newton).
        start: start point (default: the surface's ``start``); clicks change it.
        steps: number of updates (1 to 300).

    Returns:
        A ``DashboardBox``; ``.dashboard`` holds controls, artists and ``static_figure()``.
    """
    return Race(surface, optimizers=optimizers, start=start, steps=steps).widget
