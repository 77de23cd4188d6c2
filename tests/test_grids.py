"""best_on_grid: the winner of a grid search, and a warning in words when it is on an edge."""
import math
import warnings

import numpy as np
import pytest

from gdlab import GridEdgeWarning, best_on_grid, train


def _plain_best(grid, scores, goal):
    # Reference: a loop over the finite scores, first best wins.
    best = None
    for i, s in enumerate(scores):
        if not math.isfinite(s):
            continue
        if best is None or (s < scores[best] if goal == "min" else s > scores[best]):
            best = i
    return best


@pytest.mark.parametrize("seed", range(20))
def test_agrees_with_a_plain_loop(seed):
    rng = np.random.default_rng(seed)
    grid = np.sort(rng.uniform(0.001, 10, size=rng.integers(3, 9)))
    scores = list(rng.normal(size=len(grid)))
    scores[rng.integers(len(grid))] = float("nan")
    for goal in ("min", "max"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GridEdgeWarning)
            r = best_on_grid(grid, scores, goal=goal)
        i = _plain_best(grid, scores, goal)
        assert r.index == i and r.value == grid[i] and r.score == scores[i]
        assert r.on_edge == ("low" if i == 0 else "high" if i == len(grid) - 1 else None)


def test_the_capstone_case_from_issue_18_warns_that_the_low_edge_is_best():
    # Issue 18: the grid [1, 3, 10, 30] with both optima on its lowest point.
    with pytest.warns(GridEdgeWarning, match=r"best learning rate 1 is the smallest on the "
                      r"grid \[1, 3, 10, 30\].*below") as caught:
        r = best_on_grid([1, 3, 10, 30], [0.206, 0.19, 0.1, 0.0], goal="max",
                         what="learning rate")
    assert (r.value, r.on_edge) == (1, "low")
    assert "Widen the grid below 1" in str(caught[0].message)


def test_high_edge_and_decreasing_grid():
    with pytest.warns(GridEdgeWarning, match="largest"):
        assert best_on_grid([0.1, 0.2, 0.4], [3, 2, 1]).on_edge == "high"
    with pytest.warns(GridEdgeWarning, match="largest"):
        assert best_on_grid([0.4, 0.2, 0.1], [1, 2, 3]).on_edge == "high"


def test_interior_best_is_silent_and_diverged_runs_never_win():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = best_on_grid([0.01, 0.1, 1.0, 10.0], [0.5, 0.2, 0.3, float("inf")])
    assert (r.value, r.on_edge) == (0.1, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert best_on_grid([1, 2, 3, 4], [9, 1, float("nan"), -5], warn=False).value == 4


def test_scores_may_be_a_function():
    calls = []
    r = best_on_grid([0.5, 1.0, 2.0], lambda v: calls.append(v) or (v - 1) ** 2)
    assert r.value == 1.0 and calls == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("grid, scores, match", [
    ([1, 2], [0, 1], "at least 3 values"),
    ([1, 3, 2], [0, 1, 2], "strictly increasing or decreasing"),
    ([1, 1, 2], [0, 1, 2], "strictly increasing"),
    ([1, 2, 3], [0, 1], "scores has 2 entries but grid has 3"),
    ([1, 2, 3], [float("nan")] * 3, "every score is nan"),
    ([1, 2, float("inf")], [0, 1, 2], "must be finite"),
])
def test_bad_input_names_the_value(grid, scores, match):
    with pytest.raises(ValueError, match=match):
        best_on_grid(grid, scores)


def test_bad_types_and_goal():
    with pytest.raises(TypeError, match="grid must be a sequence of numbers"):
        best_on_grid("abc", [1, 2, 3])
    with pytest.raises(TypeError, match="scores must be numbers"):
        best_on_grid([1, 2, 3], ["a", "b", "c"])
    with pytest.raises(ValueError, match="goal must be 'min' or 'max'; got 'lowest'"):
        best_on_grid([1, 2, 3], [1, 0, 1], goal="lowest")


def test_reexported_from_train():
    assert train.best_on_grid is best_on_grid
