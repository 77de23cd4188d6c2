"""Pick the best value on a grid, and say so when the grid does not bracket it.

A grid search can only report the best value *it tried*. When that value is the grid's
smallest or largest, the true optimum may lie beyond the edge, and a comparison of two
methods "each at its best rate" silently compares them at rates that are not their best.
:func:`best_on_grid` returns the winner and warns, in words, when it sits on an edge, so a
lesson or a learner widens the grid until the best value is interior.

>>> import warnings
>>> best_on_grid([0.01, 0.1, 1.0], [0.5, 0.2, 0.3]).value
0.1
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     r = best_on_grid([1, 3, 10, 30], [0.21, 0.25, 0.4, float("nan")])
>>> r.value, r.on_edge
(1, 'low')
>>> "smallest" in str(caught[0].message)
True
"""
from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["best_on_grid", "GridResult", "GridEdgeWarning"]


class GridEdgeWarning(UserWarning):
    """The best value of a grid search lies on the grid's edge."""


class GridResult(NamedTuple):
    value: float          # the best grid value
    score: float          # its score
    index: int            # its position in the grid
    on_edge: str | None   # "low", "high" or None (interior)


def _as_grid(grid):
    try:
        values = [float(v) for v in grid]
    except (TypeError, ValueError):
        raise TypeError(f"grid must be a sequence of numbers, like [0.01, 0.1, 1]; "
                        f"got {grid!r}") from None
    if len(values) < 3:
        raise ValueError(f"grid must hold at least 3 values, so that its best value can be "
                         f"interior; got {len(values)}: {list(grid)!r}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"grid values must be finite; got {list(grid)!r}")
    diffs = np.diff(values)
    if not (np.all(diffs > 0) or np.all(diffs < 0)):
        raise ValueError(f"grid must be strictly increasing or decreasing (sorted, no "
                         f"repeats), so 'edge' means smallest or largest; got {list(grid)!r}")
    return values


def _as_scores(scores, grid):
    if callable(scores):
        scores = [scores(v) for v in grid]
    try:
        out = np.array([float(s) for s in scores])
    except (TypeError, ValueError):
        raise TypeError(f"scores must be numbers (nan for a run that diverged) or a "
                        f"function value -> score; got {scores!r}") from None
    if len(out) != len(grid):
        raise ValueError(f"scores has {len(out)} entries but grid has {len(grid)}: one "
                         f"score per grid value")
    return out


def best_on_grid(grid, scores, *, goal="min", what="value", warn=True):
    """The best value of a grid search, with a warning when it lies on the grid's edge.

    Args:
      grid: the values tried, sorted (increasing or decreasing), at least 3 of them.
      scores: one score per value (NaN or inf for a run that diverged: it never wins), or
        a function ``value -> score`` that is called once per value.
      goal: ``"min"`` (a loss, an error) or ``"max"`` (an accuracy, R^2).
      what: the name of the value in the warning, e.g. ``"learning rate"``.
      warn: issue a :class:`GridEdgeWarning` when the best value is on the edge.

    Returns:
      A :class:`GridResult` ``(value, score, index, on_edge)``; ``on_edge`` is ``"low"``
      when the best value is the grid's smallest, ``"high"`` when it is its largest, else
      None. Ties go to the first best value in grid order.
    """
    if goal not in ("min", "max"):
        raise ValueError(f"goal must be 'min' or 'max'; got {goal!r}")
    original = list(grid)
    values = _as_grid(grid)
    s = _as_scores(scores, original)
    ok = np.isfinite(s)
    if not ok.any():
        raise ValueError(f"every score is nan or infinite (every run diverged?) on the grid "
                         f"{original!r}: try smaller values")
    ranked = np.where(ok, s if goal == "min" else -s, np.inf)
    i = int(np.argmin(ranked))
    lo_end, hi_end = (0, len(values) - 1) if values[0] < values[-1] else (len(values) - 1, 0)
    on_edge = "low" if i == lo_end else "high" if i == hi_end else None
    if on_edge and warn:
        word, beyond = ("smallest", "below") if on_edge == "low" else ("largest", "above")
        warnings.warn(
            f"the best {what} {original[i]!r} is the {word} on the grid {original!r}: the "
            f"optimum may lie {beyond} it, so this is not yet the best {what}. Widen the grid "
            f"{beyond} {original[i]!r} until the best value is inside it.",
            GridEdgeWarning, stacklevel=2)
    return GridResult(original[i], float(s[i]), i, on_edge)
