"""Figures for dashboards: an ipympl canvas made directly, redrawn by blitting.

A dashboard must not switch matplotlib's global backend (lessons keep ``inline`` for their
static figures), so we build ipympl's ``Canvas`` and ``FigureManager`` around a plain
``matplotlib.figure.Figure`` ourselves, the way ``ipympl.backend_nbagg`` does it inside
``new_figure_manager_given_figure``, but without registering the figure with pyplot.

Redrawing is the expensive part of a dashboard: a full matplotlib draw of two axes costs
40-60 ms, almost all of it ticks and labels, which a slider rarely changes. So the artists a
control changes are marked *animated*; ``Figure.draw`` skips them. A full draw renders the
static rest once and keeps it as a background; each later draw restores that background and
draws only the animated artists on top (blitting), unless the layout (axes limits, figure
size) changed, in which case the background is rebuilt first. ``canvas.draw()`` therefore
still produces the complete, current image, just without redoing work that cannot differ.
"""
from __future__ import annotations

import io
import sys
import warnings

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Dashboards are drawn at a modest resolution: every pixel is re-encoded on each redraw.
DPI = 80


class BlitRenderer:
    """Draws a figure as a cached static background plus its animated artists.

    ``render(full_draw)`` is called by a canvas's ``draw``. The background is rebuilt when
    the layout key changes: figure size, dpi, every axes' limits and scales, and
    ``version``, which a dashboard bumps (``invalidate()``) after changing anything static
    such as a surface image or an axis label.
    """

    def __init__(self, canvas):
        self.canvas = canvas
        self.version = 0
        self._background = None
        self._key = None
        self.full_draws = 0  # counted so tests and benchmarks can see blitting at work

    def invalidate(self):
        """Force the next draw to re-render the static background."""
        self.version += 1

    def _layout_key(self):
        fig = self.canvas.figure
        axes = tuple((ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(),
                      ax.get_xscale(), ax.get_yscale(), ax.get_visible())
                     for ax in fig.axes)
        return (tuple(fig.bbox.bounds), fig.dpi, axes, self.version)

    def _animated_artists(self):
        fig = self.canvas.figure
        found = [a for a in fig.get_children() if a.get_animated()]
        for ax in fig.axes:
            found.extend(a for a in ax.get_children() if a.get_animated())
        # Draw in z-order like matplotlib would, so markers sit on top of lines.
        return sorted(found, key=lambda a: a.get_zorder())

    def render(self, full_draw):
        key = self._layout_key()
        if self._background is None or key != self._key:
            full_draw()
            self.full_draws += 1
            self._background = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
            # Drawing may itself move things (e.g. tight layouts); key what was drawn.
            self._key = self._layout_key()
        else:
            self.canvas.restore_region(self._background)
        fig = self.canvas.figure
        for artist in self._animated_artists():
            if artist.get_visible():
                fig.draw_artist(artist)


class AggDashboardCanvas(FigureCanvasAgg):
    """Off-screen canvas with the same blitting draw, used when ipympl is missing."""

    def __init__(self, figure):
        super().__init__(figure)
        self.blitter = BlitRenderer(self)
        self.live = False

    def draw(self):
        self.blitter.render(lambda: FigureCanvasAgg.draw(self))

    def draw_idle(self, *args, **kwargs):
        # Nobody is looking at this canvas; draw only when asked to (static_figure, tests).
        pass


_IPYMPL_CANVAS = None


def _import_ipympl_quietly():
    """Import ipympl without letting it switch the global backend.

    ``ipympl/__init__.py`` calls ``matplotlib.use("module://ipympl.backend_nbagg")`` when it
    finds matplotlib already imported; with pyplot loaded that runs
    ``pyplot.switch_backend``, which closes every open figure and turns the lesson's later
    ``plt.plot`` calls into widget figures. The check is ``"matplotlib" in sys.modules``,
    so the package is imported with that entry hidden for the moment it takes.
    """
    if "ipympl" in sys.modules:
        return
    mpl = sys.modules.pop("matplotlib", None)
    try:
        import ipympl  # noqa: F401  (only its __init__; backend_nbagg does not switch)
    finally:
        if mpl is not None:
            sys.modules["matplotlib"] = mpl


def _ipympl_canvas_class():
    """The ipympl Canvas subclass with blitting, built on first use (imports ipympl)."""
    global _IPYMPL_CANVAS
    if _IPYMPL_CANVAS is None:
        _import_ipympl_quietly()
        from ipympl.backend_nbagg import Canvas
        from PIL import Image

        class DashboardCanvas(Canvas):
            """ipympl's widget canvas whose ``draw`` blits over a cached background."""

            def __init__(self, figure, **kwargs):
                super().__init__(figure, **kwargs)
                self.blitter = BlitRenderer(self)
                self.live = True

            def draw(self):
                self._png_is_old = True
                try:
                    self.blitter.render(lambda: FigureCanvasAgg.draw(self))
                finally:
                    self.manager.refresh_all()  # send the new frame (a diff) to the browser

            def get_diff_image(self):
                # Same protocol as FigureCanvasWebAggCore.get_diff_image (a full frame, or
                # only the changed pixels with the rest transparent black), but PNG-encoded
                # at zlib level 1: the default level spends ~7 ms per frame squeezing a few
                # kB out of an image that is mostly zeros and travels over a local socket.
                if not self._png_is_old:
                    return None
                pixels = np.asarray(self.get_renderer().buffer_rgba())
                buff = pixels.view(np.uint32).squeeze(2)
                if (self._force_full or buff.shape != self._last_buff.shape
                        or (pixels[:, :, 3] != 255).any()):
                    self.set_image_mode("full")
                    output = buff
                else:
                    self.set_image_mode("diff")
                    output = np.where(buff != self._last_buff, buff, 0)
                self._last_buff = buff.copy()
                self._force_full = False
                self._png_is_old = False
                data = output.view(dtype=np.uint8).reshape((*output.shape, 4))
                with io.BytesIO() as png:
                    Image.fromarray(data).save(png, format="png", compress_level=1)
                    return png.getvalue()

        _IPYMPL_CANVAS = DashboardCanvas
    return _IPYMPL_CANVAS


def make_canvas(figure: Figure):
    """Attach a live ipympl canvas to ``figure``, or an off-screen one if ipympl is missing.

    Returns the canvas; ``canvas.live`` tells which one it is. The global matplotlib
    backend is left alone and the figure is not registered with pyplot, so ``plt.show()``
    or ``plt.close("all")`` elsewhere in a lesson never touch a dashboard.
    """
    try:
        cls = _ipympl_canvas_class()
        from ipympl.backend_nbagg import FigureManager
    except ImportError:  # pragma: no cover - ipympl is a declared dependency
        return AggDashboardCanvas(figure)
    canvas = cls(figure)
    with warnings.catch_warnings():
        # ipympl's Toolbar passes its canvas on to traitlets, which warns about it; the
        # warning is ipympl's business, not the learner's.
        warnings.filterwarnings("ignore", category=DeprecationWarning,
                                message="Passing unrecognized arguments")
        FigureManager(canvas, num=id(figure))  # sets canvas.manager; needed by draw/resize
    # A dashboard is a fixed layout: no header ("Figure 1"), no toolbar (its download
    # button would save a frame without the animated artists), no resize handle.
    canvas.header_visible = False
    canvas.toolbar_visible = False
    canvas.footer_visible = False
    canvas.resizable = False
    canvas.capture_scroll = False
    return canvas


class StaticFigure(Figure):
    """A matplotlib Figure that shows itself as a PNG in any IPython front end.

    ``Figure`` itself has no ``_repr_png_``: notebooks show one as an image only once the
    inline backend has registered its formatter (after ``import matplotlib.pyplot``).
    Where that formatter exists IPython prefers it; otherwise this method is used.
    """

    def _repr_png_(self):
        with io.BytesIO() as buf:
            self.savefig(buf, format="png", bbox_inches="tight")
            return buf.getvalue()


def static_canvas(figure: Figure) -> FigureCanvasAgg:
    """A plain Agg canvas: what ``static_figure()`` figures get (savefig, inline display)."""
    return FigureCanvasAgg(figure)
