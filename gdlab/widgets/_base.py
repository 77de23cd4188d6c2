"""What every dashboard shares: figure + canvas, controls, play bar, status, display.

A dashboard is a ``Dashboard`` object (state, computation, artists) shown through its
``widget``, a ``DashboardBox`` (an ``ipywidgets.VBox``) that the public functions return.
``box.dashboard`` leads back to the object, so tests and curious learners can reach the
controls (``dash.controls["lr"]``) and the artists (``dash.view``).

Life of a control change: the widget's ``value`` observer asks a ``Throttle`` for an update;
the update recomputes (``_compute``), writes the new data into the existing artists
(``_apply``: ``set_data``, ``set_text``...) and calls ``canvas.draw_idle()``, which lets the
browser ask for a frame when it is ready. Nothing is ever rebuilt.

Subclasses implement ``_build_view(fig, animated)``, ``_build_controls()``, ``_compute()``
and ``_apply(view)``; the same two view functions also make ``static_figure()``.
"""
from __future__ import annotations

import html
import types

import numpy as np
from matplotlib.figure import Figure

from gdlab._validation import Interval, check
# The course's one palette (Okabe-Ito, colour-blind safe) lives in gdlab.plotting; the
# dashboards pick colours by name from it, so a static figure and a live one agree.
from gdlab.plotting import COLORS  # noqa: F401  (re-exported to the dashboards)

from gdlab.kernel_setup import enable_widget_frontend, frontend_help

from gdlab.figure_text import alt_text

from ._a11y import a11y_output
from ._canvas import DPI, StaticFigure, make_canvas, static_canvas
from ._throttle import Throttle

WARNING_COLOR = COLORS["vermillion"]


def _widgets():
    try:
        import ipywidgets
    except ImportError as err:  # pragma: no cover - ipywidgets is a hard dependency
        raise ImportError(frontend_help()) from err
    return ipywidgets


class DashboardBox(_widgets().VBox):
    """The displayable layout of a dashboard; ``.dashboard`` is the object behind it.

    Where a widget front end exists (JupyterLab 4, Notebook 7, VS Code) the widget view is
    rendered. Everywhere else the plain-text part of the display bundle is all a reader
    sees, so it carries the fix for the platform it runs on instead of ``VBox(...)``.
    """

    def __init__(self, dashboard, **kwargs):
        super().__init__(**kwargs)
        self.dashboard = dashboard

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle = dict(bundle)
        bundle["text/plain"] = self.text_fallback()
        return bundle

    def text_fallback(self):
        return f"[gdlab dashboard: {self.dashboard.name}]\n{frontend_help()}"

    def __repr__(self):
        return self.text_fallback()

    def static_figure(self, **kwargs):
        """See ``Dashboard.static_figure``."""
        return self.dashboard.static_figure(**kwargs)


class PlayControls:
    """Play / pause / reset, a step slider and a one-step button, for unfolding a run.

    ``frame`` is the number of updates shown (0 = just the start point). ``follow_end``
    keeps the frame at the end of the run when the run's length changes, which is what a
    learner moving a slider expects; after ``reset`` or while playing it follows the play
    bar instead.
    """

    def __init__(self, n_steps, on_change, *, interval_ms=60):
        W = _widgets()
        self.play = W.Play(value=n_steps, min=0, max=n_steps, step=1, interval=interval_ms,
                           description="play", show_repeat=False)
        self.slider = W.IntSlider(value=n_steps, min=0, max=n_steps, description="shown",
                                  continuous_update=True)
        self.step_button = W.Button(description="step", tooltip="show one more update",
                                    layout=W.Layout(width="60px"))
        self.reset_button = W.Button(description="reset", tooltip="back to the start point",
                                     layout=W.Layout(width="60px"))
        # A kernel-side link (not jslink) so the kernel always knows the frame.
        self._link = W.link((self.play, "value"), (self.slider, "value"))
        self.follow_end = True
        self._on_change = on_change
        self.slider.observe(self._changed, names="value")
        self.step_button.on_click(lambda _b: self.step())
        self.reset_button.on_click(lambda _b: self.reset())
        self.widget = W.HBox([self.play, self.step_button, self.reset_button, self.slider])

    @property
    def frame(self):
        return int(self.slider.value)

    def _changed(self, change):
        self.follow_end = self.slider.value >= self.slider.max
        self._on_change()

    def step(self):
        if self.slider.value < self.slider.max:
            self.slider.value = self.slider.value + 1

    def reset(self):
        self.play.playing = False
        self.slider.value = 0

    def set_length(self, n_steps):
        """Adjust to a run with ``n_steps`` updates (keeps the end in view if it was)."""
        follow = self.follow_end
        self.play.max = self.slider.max = int(n_steps)
        if follow or self.slider.value > n_steps:
            self.slider.value = int(n_steps)
        self.follow_end = self.slider.value >= self.slider.max


def divergence_message(step, lr, *, limit=None, limit_name="2/L"):
    """'diverged at step N (lr = a above 2/L = b)', the text dashboards show on blow-up."""
    text = f"diverged at step {step}"
    if limit is not None and lr > limit:
        return f"{text} (lr = {lr:.3g} above {limit_name} = {limit:.3g})"
    return f"{text} (lr = {lr:.3g} is too large here)"


class Dashboard:
    """Base class; see the module docstring for the life of a control change."""

    name = "dashboard"
    figsize = (9.0, 3.6)
    has_play = False
    max_frames = 200

    def _start(self):
        """Build figure, artists and controls, compute once, and assemble the layout."""
        W = _widgets()
        # On Colab the ipympl canvas shows only under the custom widget manager; turning
        # it on here too covers a learner who skipped the lesson's install cell.
        enable_widget_frontend()
        self.figure = Figure(figsize=self.figsize, dpi=DPI)
        self.canvas = make_canvas(self.figure)
        self.view = self._build_view(self.figure, animated=True)
        if hasattr(self.view, "info"):
            # Text is the costliest thing to blit (~4 ms per two-line label, glyph by
            # glyph), so the live figure shows its info line in the HTML status below the
            # canvas instead; static figures draw it on the figure.
            self.view.info.set_visible(False)
        self.controls = self._build_controls()
        self.warning = ""
        self.status = W.HTML(layout=W.Layout(min_height="1.6em"))
        self.status.add_class("gdlab-status")         # a polite live region (_a11y.py)
        # What the figure shows, as text for a screen reader (the canvas's label); hidden
        # from sight, rewritten with every redraw.
        self.description = W.HTML(layout=W.Layout(display="none"))
        self.description.add_class("gdlab-figure-description")
        self.play = PlayControls(self.max_frames, self._frame_changed) if self.has_play else None
        self.result = None
        self.updates = 0
        self._quiet = False
        self._throttle = Throttle(self.update)
        self._frame_throttle = Throttle(self._redraw)
        for widget in self.controls.values():
            if hasattr(widget, "value"):
                widget.observe(self._control_changed, names="value")
        self.update()
        figure_part = self.canvas if self.canvas.live else W.HTML(
            "<pre>" + html.escape(frontend_help()) + "</pre>")
        rows = [self._controls_layout()]
        if self.play is not None:
            rows.append(self.play.widget)
        rows += [figure_part, self.status, self.description, a11y_output()]
        self.widget = DashboardBox(self, children=rows)
        self.widget.add_class("gdlab-dashboard")

    # --- to be provided by subclasses ---------------------------------------------------
    def _build_view(self, fig, animated):  # pragma: no cover - abstract
        raise NotImplementedError

    def _build_controls(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _compute(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _apply(self, view):  # pragma: no cover - abstract
        raise NotImplementedError

    def _controls_layout(self):
        W = _widgets()
        return W.HBox(list(self.controls.values()),
                      layout=W.Layout(flex_flow="row wrap", align_items="center"))

    # --- machinery ------------------------------------------------------------------------
    def _control_changed(self, change):
        if self._quiet:
            return  # a hook is moving other controls; one update follows
        self._quiet = True
        try:
            self._on_control(change)
        finally:
            self._quiet = False
        self._throttle()

    def _on_control(self, change):
        """Hook run before the update a control change triggers (e.g. a new surface
        resets the learning rate); controls changed here do not trigger updates."""

    def _frame_changed(self):
        self._frame_throttle()

    def update(self):
        """Recompute from the controls' current values and redraw (coalesced by Throttle)."""
        self._compute()
        self.updates += 1
        if self.play is not None:
            self.play.set_length(self.n_frames())
        self._redraw()

    def n_frames(self):
        """Number of updates in the current run (what the play bar can show)."""
        return self.max_frames

    @property
    def frame(self):
        """How many updates are shown (all of them without a play bar)."""
        return self.play.frame if self.play is not None else self.n_frames()

    def _redraw(self):
        self._render(self.view)
        color = "#B03A00" if self.warning else "inherit"
        text = html.escape(self.warning or self._status_text())
        lines = []
        if hasattr(self.view, "info"):
            lines.append(html.escape(self.view.info.get_text()).replace("\n", " &nbsp;·&nbsp; "))
        lines.append(f'<span style="color:{color}">{text}</span>')
        self.status.value = "<br>".join(lines)
        self.description.value = html.escape(self.describe())
        self.canvas.draw_idle()

    def describe(self):
        """The figure's current state in words (the canvas's accessible label): the
        status line, then what the data on the figure show."""
        parts = [self.warning or self._status_text()]
        if hasattr(self.view, "info"):        # hidden on the live figure, shown as status
            parts.append(self.view.info.get_text())
        said = ". ".join(" ".join(p.split()) for p in parts if p)
        return (f"{said}. " if said else "") + alt_text(self.figure)

    def _status_text(self):
        return ""

    def _render(self, view):
        self._apply(view)
        view.warning.set_text(self.warning)

    def _figure_warning(self, fig, animated):
        """The red warning line at the bottom of the figure."""
        return fig.text(0.5, 0.015, "", ha="center", va="bottom", color=WARNING_COLOR,
                        fontsize=10, fontweight="bold", animated=animated)

    def flush(self):
        """Apply a control change still waiting in the throttle (code that sets controls
        and reads results right away calls this; the browser never needs to)."""
        self._throttle.flush()
        self._frame_throttle.flush()

    def static_figure(self, *, dpi=100):
        """A new matplotlib ``Figure`` (Agg canvas) of the current state, for readers
        without a live kernel; ``display(fig)`` or ``fig.savefig(...)`` it."""
        self.flush()
        fig = StaticFigure(figsize=self.figsize, dpi=dpi)
        static_canvas(fig)
        view = self._build_view(fig, animated=False)
        self._render(view)
        return fig

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def __repr__(self):
        return self.widget.text_fallback()


def new_view(**artists):
    """A plain namespace of artists (what ``_build_view`` returns)."""
    return types.SimpleNamespace(**artists)


def float_slider(description, value, lo, hi, step, *, fmt=".3f"):
    W = _widgets()
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                         readout_format=fmt, continuous_update=True)


def log_slider(description, value, lo, hi, *, fmt=".2e", step=0.01):
    """A slider over 10**lo .. 10**hi (learning rates span decades)."""
    W = _widgets()
    return W.FloatLogSlider(value=value, base=10, min=lo, max=hi, step=step,
                            description=description, readout_format=fmt,
                            continuous_update=True)


def check_range(name, value, lo, hi, *, closed="both", label=None, hint="the slider's range"):
    """A number within a slider's range (the rule and message are gdlab._validation's)."""
    return check(value, name, Interval(lo, hi, closed=closed), label=label, hint=hint)


def check_int(name, value, lo, hi):
    return check(value, name, Interval(lo, hi, integer=True))
