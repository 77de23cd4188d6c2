"""Tests for gdlab.plotting, run on the non-interactive Agg backend."""
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gdlab import objectives, plotting  # noqa: E402

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
             "#CC79A7"}


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    """Fail if anything calls plt.show(); close every figure after each test."""
    def forbidden(*args, **kwargs):
        raise AssertionError("gdlab.plotting must not call plt.show()")

    monkeypatch.setattr(plt, "show", forbidden)
    yield
    plt.close("all")


def path_lines(ax):
    return [line for line in ax.get_lines() if line.get_gid() == "gdlab-path"]


def scatter_by_label(ax):
    return {c.get_label(): np.asarray(c.get_offsets()) for c in ax.collections
            if not c.get_label().startswith("_")}


def same_points(a, b, atol=1e-9):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and all(np.min(np.linalg.norm(b - p, axis=1)) < atol for p in a)


def test_palette_is_okabe_ito():
    assert len(plotting.PALETTE) == 8
    assert {c.upper() for c in plotting.PALETTE} == OKABE_ITO
    assert plotting.PALETTE[-1] == "#000000"  # black last: it is reserved for markers


# --------------------------------------------------------------------------------------
# contour
# --------------------------------------------------------------------------------------
def test_contour_labels_window_and_markers():
    h = objectives.himmelblau()
    ax = plotting.contour(h)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title().startswith("Himmelblau")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    assert ax.get_xlim() == (-5.0, 5.0) and ax.get_ylim() == (-5.0, 5.0)
    marks = scatter_by_label(ax)
    # references from the literature, not from the objective
    four = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    assert same_points(marks["global minimum"], four, atol=1e-5)
    assert len(marks["saddle point"]) == 4
    assert same_points(marks["local maximum"], [(-0.270845, -0.923039)], atol=1e-5)
    assert ax.get_legend() is not None


def test_contour_marks_local_minima_separately():
    ax = plotting.contour(objectives.rastrigin(), resolution=60)
    marks = scatter_by_label(ax)
    assert same_points(marks["global minimum"], [(0.0, 0.0)])
    assert len(marks["local minimum"]) == 120
    # 220 saddles and 100 maxima would bury the plot: not marked
    assert "saddle point" not in marks and "local maximum" not in marks


def test_contour_on_given_axes_with_custom_window_and_levels():
    fig, ax = plt.subplots()
    rb = objectives.rosenbrock()
    out = plotting.contour(rb, ax, bounds=((0, 2), (0, 2)), levels=[1, 10, 100], log=False,
                           resolution=40)
    assert out is ax
    assert ax.get_xlim() == (0.0, 2.0) and ax.get_ylim() == (0.0, 2.0)
    (cs,) = [c for c in ax.collections if hasattr(c, "levels")]
    assert np.allclose(cs.levels, [1, 10, 100])


def test_contour_log_levels_are_geometric_above_the_minimum():
    ax = plotting.contour("booth", levels=12, resolution=50)
    (cs,) = [c for c in ax.collections if hasattr(c, "levels")]
    X, Y = np.meshgrid(np.linspace(-4, 6, 50), np.linspace(-2, 8, 50))
    z = (X + 2 * Y - 7) ** 2 + (2 * X + Y - 5) ** 2  # Booth, written out here
    gaps = np.asarray(cs.levels) - z.min()
    assert len(gaps) == 12
    assert np.allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0])
    assert gaps[-1] == pytest.approx(z.max() - z.min())


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(objective=objectives.wavy()), ValueError, r"dim=1.*trace_1d"),
    (dict(bounds=((1, 0), (0, 1))), ValueError, "Invalid bounds"),
    (dict(bounds=(0, 1)), ValueError, "Invalid bounds"),
    (dict(resolution=3), ValueError, "resolution: 3"),
    (dict(levels=1), ValueError, "levels: 1"),
    (dict(levels=[3, 2, 1]), ValueError, "increasing"),
    (dict(objective=42), TypeError, "Invalid objective: 42"),
    (dict(ax="axes"), TypeError, "Invalid ax"),
])
def test_contour_bad_arguments(kwargs, exc, match):
    kwargs = {"objective": objectives.booth(), **kwargs}
    with pytest.raises(exc, match=match):
        plotting.contour(**kwargs)


# --------------------------------------------------------------------------------------
# path
# --------------------------------------------------------------------------------------
def test_path_draws_exactly_the_input_with_start_and_end():
    xs = np.array([[-1.2, 1.0], [-0.8, 0.7], [0.1, 0.2], [0.9, 0.8]])
    ax = plotting.contour(objectives.rosenbrock(), resolution=40)
    out = plotting.path(ax, xs, label="GD")
    assert out is ax
    (line,) = path_lines(ax)
    assert np.array_equal(line.get_xydata(), xs)
    assert line.get_label() == "GD" and line.get_color() == plotting.PALETTE[0]
    others = [l.get_xydata() for l in ax.get_lines() if l.get_gid() != "gdlab-path"]
    assert any(np.array_equal(d, xs[:1]) for d in others)   # start marker
    assert any(np.array_equal(d, xs[-1:]) for d in others)  # end marker
    assert "GD" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_paths_take_successive_palette_colours_and_accept_histories():
    ax = plotting.contour(objectives.booth(), resolution=30)
    history = SimpleNamespace(path=np.array([[0.0, 0.0], [1.0, 3.0]]), loss=np.array([74., 0]))
    plotting.path(ax, np.array([[-3.0, -1.0], [0.0, 0.0]]))
    plotting.path(ax, history, label="from History")
    plotting.path(ax, [[2.0, 2.0], [1.0, 3.0]], color="black")
    lines = path_lines(ax)
    assert [l.get_color() for l in lines] == [plotting.PALETTE[0], plotting.PALETTE[1], "black"]
    assert np.array_equal(lines[1].get_xydata(), history.path)


def test_diverging_path_keeps_the_contour_window():
    ax = plotting.contour(objectives.saddle(), resolution=30)
    xs = np.array([[-1.5, 0.01], [1.0, -0.5], [-1e6, 1e8], [np.inf, np.nan]])
    plotting.path(ax, xs)
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-2.0, 2.0)


def test_path_on_a_blank_axes_labels_it():
    fig, ax = plt.subplots()
    plotting.path(ax, np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert ax.get_title() and ax.get_xlabel() == "x" and ax.get_ylabel() == "y"


@pytest.mark.parametrize("xs, match", [
    (np.zeros((2, 5)), r"shape \(2, 5\).*xs\.T"),
    (np.zeros(4), r"shape \(4,\)"),
    (np.zeros((0, 2)), r"n >= 1"),
])
def test_path_bad_shapes(xs, match):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=match):
        plotting.path(ax, xs)


# --------------------------------------------------------------------------------------
# loss curves
# --------------------------------------------------------------------------------------
def test_loss_curves_single_history():
    loss = 10.0 * 0.5 ** np.arange(30)
    ax = plotting.loss_curves(SimpleNamespace(loss=loss))
    (line,) = ax.get_lines()
    assert np.array_equal(line.get_ydata(), loss)
    assert np.array_equal(line.get_xdata(), np.arange(30))
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss" and ax.get_title()


def test_loss_curves_dict_of_histories_and_arrays():
    runs = {"SGD": SimpleNamespace(loss=np.array([4.0, 2.0, 1.0]), diverged=False),
            "Adam": [3.0, 1.0, 0.5, 0.25],
            "big lr": SimpleNamespace(loss=np.array([1.0, 10.0, np.inf]), diverged=True)}
    ax = plotting.loss_curves(runs, log=False)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["SGD", "Adam", "big lr (diverged)"]
    assert ax.get_yscale() == "linear"
    lines = {l.get_label(): l for l in ax.get_lines()}
    assert np.array_equal(lines["Adam"].get_ydata(), [3.0, 1.0, 0.5, 0.25])
    diverged = lines["big lr (diverged)"].get_ydata()
    assert np.array_equal(diverged[:2], [1.0, 10.0]) and np.isnan(diverged[2])
    assert [l.get_color() for l in ax.get_lines()[:2]] == plotting.PALETTE[:2]


def test_loss_curves_falls_back_to_symlog_for_non_positive_losses():
    ax = plotting.loss_curves({"saddle": np.array([2.0, 0.5, -1.0, -8.0])})
    assert ax.get_yscale() == "symlog"
    assert "symmetric log" in ax.get_ylabel()


def test_loss_curves_list_of_histories_are_numbered():
    hs = [SimpleNamespace(loss=np.array([2.0, 1.0])), SimpleNamespace(loss=np.array([3.0]))]
    ax = plotting.loss_curves(hs)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["run 1", "run 2"]


@pytest.mark.parametrize("bad, exc", [({}, ValueError), ("loss", TypeError),
                                      ({"a": []}, ValueError), (object(), TypeError)])
def test_loss_curves_bad_input(bad, exc):
    with pytest.raises(exc, match="Invalid"):
        plotting.loss_curves(bad)


# --------------------------------------------------------------------------------------
# trace_1d
# --------------------------------------------------------------------------------------
def descend(grad, x0, lr, steps):
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * grad(xs[-1]))
    return np.array(xs)


def test_trace_1d_shows_curve_iterates_and_arrows():
    w = objectives.wavy()
    # derivative of x^2/4 + sin 2x written here
    xs = descend(lambda x: x / 2 + 2 * np.cos(2 * x), 3.0, 0.1, 12)
    ax = plotting.trace_1d(w, xs)
    assert ax.get_title() == "Wavy: 12 steps"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "f(x)")
    (curve,) = [l for l in ax.get_lines() if l.get_label() == "f(x)"]
    cx, cy = curve.get_xdata(), curve.get_ydata()
    assert np.allclose(cy, cx ** 2 / 4 + np.sin(2 * cx))
    dots = scatter_by_label(ax)["iterates"]
    assert np.allclose(dots, np.column_stack([xs, xs ** 2 / 4 + np.sin(2 * xs)]))
    assert len(ax.texts) == 12  # one arrow per step
    mins = [l for l in ax.get_lines() if l.get_label() == "local minima"]
    assert len(mins[0].get_xdata()) == 3


def test_trace_1d_accepts_history_and_names_and_caps_arrows():
    hist = SimpleNamespace(path=descend(lambda x: 2 * np.tanh(x) / np.cosh(x) ** 2,
                                        3.0, 1.0, 100)[:, None])
    ax = plotting.trace_1d("plateau", hist)
    assert ax.get_title() == "Plateau: 100 steps"
    assert len(ax.texts) == 40


def test_trace_1d_diverging_run_keeps_a_finite_window():
    xs = descend(lambda x: x, 2.5, 2.5, 30)  # parabola with lr > 2/L: |x| grows 1.5x/step
    ax = plotting.trace_1d(objectives.parabola(), xs)
    lo, hi = ax.get_xlim()
    assert np.isfinite([lo, hi]).all() and hi - lo <= 3 * 6.0 + 1e-9
    assert "left the window" in ax.get_title()


def test_trace_1d_rejects_2d_objectives():
    with pytest.raises(ValueError, match=r"dim=2.*contour"):
        plotting.trace_1d(objectives.booth(), np.zeros(3))


def test_nothing_is_printed(capsys):
    ax = plotting.contour("himmelblau", resolution=30)
    plotting.path(ax, np.array([[0.0, 0.0], [1.0, 1.0]]), label="p")
    plotting.loss_curves([1.0, 0.5])
    plotting.trace_1d("parabola", [2.0, 1.0])
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
