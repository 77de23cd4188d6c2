"""Alt text for figures: what a figure shows in its data, for readers who cannot see it.

A notebook stores a figure as a PNG; a screen reader announces it by its alt text, which
Jupyter takes from the output's metadata (``{"image/png": {"alt": ...}}``). This module
writes that text and attaches it to every matplotlib figure a kernel displays:

* :func:`describe` sets the text of a figure (or of one of its axes) by hand: a lesson
  says what the reader should take from the figure, with its numbers.
* Otherwise :func:`alt_text` reads it off the artists: per axes its title, the axis
  ranges, and for each curve where it starts, where it ends, its lowest and highest value;
  for scatters and bars their extent. gdlab's plotting helpers add a sentence of their own
  (:func:`note`), so a figure drawn with them is described without extra work.
* :func:`install` wraps IPython's display formatter so that the text travels with the
  image, whether the figure is shown by ``plt.show()``, at the end of a cell or with
  ``display(fig)``: as the PNG's ``alt`` metadata (nbconvert's HTML uses it) and as a
  ``text/html`` ``<img alt=...>`` of the same PNG (what JupyterLab 4 and Notebook 7 show,
  since their image renderer ignores the metadata). ``import gdlab`` in a kernel installs
  it (see ``gdlab/__init__.py``).

matplotlib is only imported by the functions that draw on it.
"""
from __future__ import annotations

import math

__all__ = ["describe", "note", "alt_text", "install"]

_ATTR = "_gdlab_alt"          # text set by describe() on a Figure or an Axes
_NOTES = "_gdlab_notes"       # sentences added by plotting helpers to an Axes
_MAX_LINES = 8                # curves described one by one; the rest are counted
_FALLBACK = "A figure"        # never shown alone: only when a figure has no axes at all


def describe(target, text):
    """Set the alt text of a figure, or of one axes of it (replacing its automatic text).

    ``target`` is a matplotlib Figure or Axes; ``text`` says what the data show (what
    rises, what falls, where curves cross, the numbers a reader should take away).
    Returns ``target``.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty string that says what the figure "
                         f"shows; got {text!r}")
    if not (hasattr(target, "get_axes") or hasattr(target, "get_lines")):
        raise TypeError(f"target must be a matplotlib Figure or Axes; got "
                        f"{type(target).__name__}")
    setattr(target, _ATTR, " ".join(text.split()))
    return target


def note(ax, sentence):
    """Add a sentence to an axes' automatic description (used by gdlab's plotting helpers)."""
    notes = getattr(ax, _NOTES, None)
    if notes is None:
        notes = []
        setattr(ax, _NOTES, notes)
    notes.append(" ".join(str(sentence).split()))
    return ax


def _num(v):
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    return f"{v:.3g}"


def _label(text):
    text = " ".join(str(text).split())
    if text.startswith("_"):          # matplotlib's "no label" (_child0, _line1...)
        return ""
    # mathtext reads badly aloud: "$f(x_k) - f^\\star$" -> "f(x_k) - f*"
    return text.replace("$", "").replace("^\\star", "*").replace("\\", "")


def _axis_phrase(ax, which):
    label = _label(getattr(ax, f"get_{which}label")())
    lo, hi = getattr(ax, f"get_{which}lim")()
    scale = getattr(ax, f"get_{which}scale")()
    name = f"{which} axis" + (f" '{label}'" if label else "")
    log = ", log scale" if scale == "log" else ""
    return f"{name} from {_num(min(lo, hi))} to {_num(max(lo, hi))}{log}"


def _trend(y):
    signs = [1 if b > a else -1 for a, b in zip(y, y[1:]) if b != a]
    if not signs:
        return "stays flat"
    turns = sum(1 for a, b in zip(signs, signs[1:]) if a != b)
    if turns == 0:
        return "rises" if signs[0] > 0 else "falls"
    if turns == 1:
        return "falls, then rises" if signs[0] < 0 else "rises, then falls"
    ups = signs.count(1)
    if min(ups, len(signs) - ups) > 0.25 * len(signs):
        return "goes up and down"
    return "mostly rises" if 2 * ups > len(signs) else "mostly falls"


def _line_phrase(line):
    import numpy as np
    x = np.asarray(line.get_xdata(), dtype=float).ravel()
    y = np.asarray(line.get_ydata(), dtype=float).ravel()
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    name = _label(line.get_label())
    head = f"'{name}'" if name else "a curve"
    if len(y) == 0:
        return None
    if len(y) == 1:
        return f"{head}: one point at ({_num(x[0])}, {_num(y[0])})"
    i_lo, i_hi = int(np.argmin(y)), int(np.argmax(y))
    return (f"{head} {_trend(list(y))} from {_num(y[0])} at x = {_num(x[0])} to "
            f"{_num(y[-1])} at x = {_num(x[-1])} (lowest {_num(y[i_lo])} at x = "
            f"{_num(x[i_lo])}, highest {_num(y[i_hi])} at x = {_num(x[i_hi])})")


def _collections_phrase(ax):
    import numpy as np
    parts = []
    for coll in ax.collections:
        kind = type(coll).__name__
        if "Contour" in kind or "Quad" in kind:
            parts.append("contour lines of a surface")
            continue
        offsets = np.asarray(coll.get_offsets(), dtype=float)
        if offsets.ndim == 2 and len(offsets) and offsets.shape[1] == 2:
            name = _label(coll.get_label())
            xs, ys = offsets[:, 0], offsets[:, 1]
            parts.append(f"{len(offsets)} points{f' ({name!r})' if name else ''} with x from "
                         f"{_num(xs.min())} to {_num(xs.max())} and y from {_num(ys.min())} "
                         f"to {_num(ys.max())}")
    return sorted(set(parts), key=parts.index)


def _bars_phrase(ax):
    parts = []
    for container in getattr(ax, "containers", []):
        heights = [p.get_height() for p in container.patches]
        if not heights:
            continue
        name = _label(container.get_label())
        values = ", ".join(_num(h) for h in heights[:12])
        more = f" and {len(heights) - 12} more" if len(heights) > 12 else ""
        parts.append(f"{len(heights)} bars{f' ({name!r})' if name else ''} of heights "
                     f"{values}{more}")
    return parts


def _axes_text(ax):
    own = getattr(ax, _ATTR, None)
    if own:
        return own
    title = _label(ax.get_title())
    sentences = [f"Panel '{title}'" if title else "A panel",
                 f"{_axis_phrase(ax, 'x')}; {_axis_phrase(ax, 'y')}"]
    sentences += getattr(ax, _NOTES, [])
    lines = [p for p in (_line_phrase(line) for line in ax.get_lines()) if p]
    if lines:
        shown = lines[:_MAX_LINES]
        more = len(lines) - len(shown)
        sentences.append("; ".join(shown) + (f"; and {more} more curves" if more > 0 else ""))
    sentences += _collections_phrase(ax) + _bars_phrase(ax)
    if ax.images:
        sentences.append("an image (colour map)")
    return ". ".join(s[0].upper() + s[1:] for s in sentences if s) + "."


def alt_text(fig):
    """The alt text of a matplotlib figure: set by :func:`describe`, or read off its data."""
    own = getattr(fig, _ATTR, None)
    if own:
        return own
    # colour bars and other decorations are axes too; describe those that hold data
    axes = [ax for ax in fig.get_axes() if ax.get_lines() or ax.collections or ax.images
            or getattr(ax, "containers", None) or getattr(ax, _ATTR, None)]
    if not axes:
        axes = fig.get_axes()
    if not axes:
        return _FALLBACK
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    head = f"Figure '{title}'" if title else "Figure"
    head += f" with {len(axes)} panels. " if len(axes) > 1 else ". "
    return head + " ".join(_axes_text(ax) for ax in axes)


def _is_figure(obj):
    # without importing matplotlib: a kernel that never plots should not pay for it
    return any(c.__module__ == "matplotlib.figure" and c.__name__ == "Figure"
               for c in type(obj).__mro__)


def _img_html(png, metadata):
    import base64
    import html
    if isinstance(png, bytes):
        png = base64.b64encode(png).decode("ascii")
    size = "".join(f' {k}="{int(metadata[k])}"' for k in ("width", "height")
                   if isinstance(metadata.get(k), (int, float)))
    return (f'<img src="data:image/png;base64,{png}"{size} '
            f'alt="{html.escape(metadata["alt"], quote=True)}">')


def install(shell=None):
    """Make IPython attach the alt text to every PNG of a matplotlib figure it displays.

    Wraps the shell's ``display_formatter.format`` (what ``display()``, ``plt.show()``
    and the end-of-cell flush all go through), so ``%matplotlib inline`` re-registering
    its PNG formatter does not undo it. Idempotent. Returns True when a shell was found.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    formatter = getattr(shell, "display_formatter", None)
    if formatter is None:
        return False
    original = formatter.format
    if getattr(original, "_gdlab_wrapped", False):
        return True

    def format_with_alt(obj, *args, **kwargs):
        data, metadata = original(obj, *args, **kwargs)
        if data and "image/png" in data and _is_figure(obj):
            metadata = dict(metadata or {})
            png = dict(metadata.get("image/png") or {})
            png.setdefault("alt", alt_text(obj))
            metadata["image/png"] = png
            # JupyterLab 4 and Notebook 7 draw image/png without its alt (their
            # renderImage sets only src, width and height), but prefer text/html when a
            # bundle has it: the same PNG as an <img> with the alt text.
            if "text/html" not in data:
                data = dict(data)
                data["text/html"] = _img_html(data["image/png"], png)
        return data, metadata

    format_with_alt._gdlab_wrapped = True
    formatter.format = format_with_alt
    return True
