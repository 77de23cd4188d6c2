"""Headless tests of gdlab.widgets: build every dashboard, move every control, click, and
check what is drawn against references computed here, independently of the dashboards."""
import io

import matplotlib
import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gdlab import kernel_setup, widgets
from gdlab.widgets._throttle import Throttle


def xy(line):
    x, y = line.get_data()
    return np.asarray(x, float), np.asarray(y, float)


def click(dash, x, y, button=1):
    """Simulate a mouse press at data coordinates (x, y) of the surface axes."""
    ax = dash.view.ax
    dash.canvas.draw()  # a real click always lands on a drawn figure
    px, py = ax.transData.transform((x, y))
    event = MouseEvent("button_press_event", dash.canvas, px, py, button=button)
    dash.canvas.callbacks.process("button_press_event", event)


# --- shared machinery ----------------------------------------------------------------------

class FakeLoop:
    def __init__(self):
        self.now = 0.0
        self.scheduled = []

    def clock(self):
        return self.now

    def call_later(self, delay, cb):
        self.scheduled.append((self.now + delay, cb))
        return True

    def advance(self, dt):
        self.now += dt
        due = [cb for t, cb in self.scheduled if t <= self.now]
        self.scheduled = [(t, cb) for t, cb in self.scheduled if t > self.now]
        for cb in due:
            cb()


def test_throttle_runs_first_request_then_one_trailing_run_with_latest_state():
    loop = FakeLoop()
    state, seen = {"v": 0}, []
    th = Throttle(lambda: seen.append(state["v"]), interval=0.05, clock=loop.clock,
                  call_later=loop.call_later)
    for v in range(1, 11):          # a burst of 10 slider values within 10 ms
        state["v"] = v
        th()
        loop.now += 0.001
    assert seen == [1]              # the first ran at once, the rest are coalesced
    assert th.pending and len(loop.scheduled) == 1
    loop.advance(0.1)
    assert seen == [1, 10]          # one trailing run, and it saw the latest value
    assert th.requests == 10 and th.runs == 2


def test_throttle_without_event_loop_runs_every_request():
    seen = []
    th = Throttle(lambda: seen.append(1), interval=10.0)
    for _ in range(3):
        th()
    assert seen == [1, 1, 1]


def test_throttle_flush_and_validation():
    loop = FakeLoop()
    seen = []
    th = Throttle(lambda: seen.append(1), interval=1.0, clock=loop.clock,
                  call_later=loop.call_later)
    th(); th()
    th.flush()
    assert seen == [1, 1] and not th.pending
    loop.advance(5)                 # the scheduled callback no longer runs a second time
    assert seen == [1, 1]
    with pytest.raises(ValueError, match="-1"):
        Throttle(lambda: None, interval=-1)
    with pytest.raises(TypeError):
        Throttle(3)


def test_dashboard_slider_bursts_are_coalesced():
    dash = widgets.descent_1d(lr=0.1, steps=10).dashboard
    loop = FakeLoop()
    dash._throttle = Throttle(dash.update, interval=0.05, clock=loop.clock,
                              call_later=loop.call_later)
    before = dash.updates
    for lr in np.linspace(0.2, 0.8, 20):
        dash.controls["lr"].value = float(lr)
    assert dash.updates == before + 1
    loop.advance(1.0)
    assert dash.updates == before + 2
    assert dash.lr == pytest.approx(0.8)


def test_no_global_backend_switch_and_not_registered_with_pyplot():
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    n_figs = len(plt.get_fignums())
    box = widgets.descent_1d()
    assert matplotlib.get_backend() == backend
    assert len(plt.get_fignums()) == n_figs
    from ipympl.backend_nbagg import Canvas

    assert isinstance(box.dashboard.canvas, Canvas)
    assert box.dashboard.canvas in box.children  # the live figure is part of the layout


def test_importing_ipympl_does_not_switch_a_loaded_pyplot_backend():
    # ipympl's package __init__ calls matplotlib.use(ipympl) when matplotlib is loaded,
    # which would close the lesson's figures and turn later plt.plot calls into widgets.
    # A fresh interpreter, since this process may have imported ipympl already.
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('agg')\n"
        "import matplotlib.pyplot as plt\n"
        "fig = plt.figure()\n"
        "from gdlab import widgets\n"
        "box = widgets.descent_1d()\n"
        "import ipympl.backend_nbagg\n"
        "print(matplotlib.get_backend(), plt.get_fignums(), type(box.dashboard.canvas).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["agg", "[1]", "DashboardCanvas"]


def test_without_ipympl_the_layout_shows_the_fix_and_static_figures_still_work(monkeypatch):
    import ipywidgets

    from gdlab.widgets import _canvas

    def missing():
        raise ImportError("No module named 'ipympl'")

    monkeypatch.setattr(_canvas, "_ipympl_canvas_class", missing)
    monkeypatch.setattr(kernel_setup, "platform", lambda: "jupyter")
    # ipympl really missing (not merely no page attached): the fix is an install
    monkeypatch.setattr(kernel_setup, "_widget_packages_installed", lambda: False)
    box = widgets.descent_1d(lr=0.5)
    dash = box.dashboard
    assert not dash.canvas.live
    html = [w for w in box.children if isinstance(w, ipywidgets.HTML) and "pip install" in w.value]
    assert len(html) == 1 and "JupyterLab 4" in html[0].value
    dash.controls["lr"].value = 0.7       # controls still recompute
    np.testing.assert_allclose(xy(dash.view.steps)[0][:2], [2.5, 2.5 - 0.7 * 2.5])
    dash.canvas.draw()
    assert box.static_figure()._repr_png_()[:4] == b"\x89PNG"


def test_static_figure_renders_as_png_without_the_inline_backend():
    fig = widgets.descent_1d().dashboard.static_figure()
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_blitting_redraws_only_what_changed_and_matches_a_full_render():
    dash = widgets.descent_2d("rosenbrock", steps=50).dashboard
    canvas = dash.canvas
    canvas.draw()
    full = canvas.blitter.full_draws
    before = np.asarray(canvas.buffer_rgba()).copy()
    dash.controls["lr"].value = 1e-3
    canvas.draw()
    blitted = np.asarray(canvas.buffer_rgba()).copy()
    assert canvas.blitter.full_draws == full            # background reused
    assert (blitted != before).any()                    # yet the picture changed
    canvas.blitter.invalidate()
    canvas.draw()
    assert canvas.blitter.full_draws == full + 1
    np.testing.assert_array_equal(np.asarray(canvas.buffer_rgba()), blitted)


def test_text_fallback_names_the_fix(monkeypatch):
    # The fix depends on the platform (tests/test_kernel_setup.py covers each); this is a
    # Jupyter kernel's, the one the stored outputs of solutions/ show.
    monkeypatch.setattr(kernel_setup, "platform", lambda: "jupyter")
    monkeypatch.setattr(kernel_setup, "_widget_packages_installed", lambda: False)
    box = widgets.momentum()
    bundle = box._repr_mimebundle_()
    text = bundle["text/plain"]
    assert "pip install ipympl ipywidgets" in text
    assert "JupyterLab 4" in text and "Notebook 7" in text and "restart" in text
    assert "momentum" in text
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "VBox(" not in repr(box) and "pip install ipympl ipywidgets" in repr(box)


# --- descent_1d ------------------------------------------------------------------------------

def reference_parabola_path(a, c, x0, lr, steps):
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * a * (xs[-1] - c))
    return np.array(xs)


def test_descent_1d_draws_the_gradient_descent_steps():
    box = widgets.descent_1d("parabola", lr=0.3, x0=2.5, steps=20)
    dash = box.dashboard
    x, y = xy(dash.view.steps)
    ref = reference_parabola_path(1.0, 0.0, 2.5, 0.3, 20)
    np.testing.assert_allclose(x, ref)
    np.testing.assert_allclose(y, 0.5 * ref ** 2)
    assert "monotone" in dash.view.info.get_text()

    dash.controls["lr"].value = 1.5
    x, _ = xy(dash.view.steps)
    np.testing.assert_allclose(x, reference_parabola_path(1.0, 0.0, 2.5, 1.5, 20))
    assert "oscillating" in dash.view.info.get_text()
    assert dash.warning == ""

    dash.controls["x0"].value = -1.0
    x, _ = xy(dash.view.steps)
    assert x[0] == pytest.approx(-1.0)

    dash.controls["steps"].value = 7
    assert len(xy(dash.view.steps)[0]) == 8
    assert len(xy(dash.view.loss)[0]) == 8


def test_descent_1d_reports_divergence_with_the_2_over_L_limit():
    dash = widgets.descent_1d("parabola", lr=0.3, x0=2.5, steps=50).dashboard
    dash.controls["lr"].value = 2.2
    # |x_k| = 2.5 * 1.2^k first exceeds 9 (the window [-3, 3] widened by its width on
    # each side) at k = 8.
    ref = reference_parabola_path(1.0, 0.0, 2.5, 2.2, 50)
    first_out = int(np.argmax(np.abs(ref) > 9.0))
    assert first_out == 8
    assert dash.warning == f"diverged at step {first_out} (lr = 2.2 above 2/L = 2)"
    assert dash.view.warning.get_text() == dash.warning
    assert "diverged at step 8" in dash.status.value
    assert "divergent" in dash.view.info.get_text()


def test_descent_1d_play_step_and_reset_controls():
    dash = widgets.descent_1d(lr=0.3, steps=10).dashboard
    play = dash.play
    assert play.frame == 10
    play.reset()
    assert len(xy(dash.view.steps)[0]) == 1
    play.step()
    play.step()
    assert len(xy(dash.view.steps)[0]) == 3
    play.step_button.click()
    assert len(xy(dash.view.steps)[0]) == 4
    play.play.value = 6             # what the Play widget does while it runs
    assert len(xy(dash.view.steps)[0]) == 7
    assert "step 6/10" in dash.view.info.get_text()
    play.reset_button.click()
    assert play.frame == 0
    # a changed setting while at the end keeps showing the whole run
    play.slider.value = play.slider.max
    dash.controls["steps"].value = 15
    assert play.frame == 15 and play.play.max == 15


def test_descent_1d_other_curves_and_bad_input():
    dash = widgets.descent_1d("wavy", lr=0.1, steps=30).dashboard
    from gdlab import objectives

    wavy = objectives.get("wavy")
    xs = [float(wavy.start[0])]
    for _ in range(30):
        xs.append(xs[-1] - 0.1 * float(wavy.grad(np.array([xs[-1]]))[0]))
    np.testing.assert_allclose(xy(dash.view.steps)[0], xs, rtol=1e-12)
    # wavy's f'' varies, so lr above 2/L names no regime (it need not diverge)
    dash.controls["lr"].value = 0.5
    assert dash.warning == "" and "divergent" not in dash.view.info.get_text()
    assert "2/L = 0.444" in dash.view.info.get_text()
    with pytest.raises(ValueError, match="rosenbrock"):
        widgets.descent_1d("rosenbrock")
    with pytest.raises(ValueError, match="-0.1"):
        widgets.descent_1d(lr=-0.1)
    with pytest.raises(ValueError, match="x0"):
        widgets.descent_1d(x0=10.0)
    with pytest.raises(ValueError, match="steps"):
        widgets.descent_1d(steps=0)


# --- descent_2d ------------------------------------------------------------------------------

def rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def test_descent_2d_path_and_click_to_start():
    box = widgets.descent_2d("rosenbrock", lr=1e-3, steps=40, start=(-1.0, 2.0))
    dash = box.dashboard
    ref = [np.array([-1.0, 2.0])]
    for _ in range(40):
        ref.append(ref[-1] - 1e-3 * rosenbrock_grad(ref[-1]))
    x, y = xy(dash.view.path)
    np.testing.assert_allclose(np.column_stack([x, y]), np.array(ref), rtol=1e-10)

    click(dash, 0.5, -0.5)
    x, y = xy(dash.view.path)
    assert (x[0], y[0]) == pytest.approx((0.5, -0.5), abs=1e-9)
    assert xy(dash.view.start)[0][0] == pytest.approx(0.5)
    assert "start (0.50, -0.50)" in dash.status.value
    # a click outside the contour axes does nothing
    start = dash.start.copy()
    ax_loss = dash.view.ax_loss
    px, py = ax_loss.transData.transform((10, 1.0))
    dash.canvas.callbacks.process("button_press_event",
                                  MouseEvent("button_press_event", dash.canvas, px, py, button=1))
    np.testing.assert_array_equal(dash.start, start)


def test_descent_2d_surface_switch_uses_the_contour_cache():
    from gdlab.widgets import _surface

    dash = widgets.descent_2d("rosenbrock").dashboard
    rosen_data = dash.data
    rosen_image = np.array(dash.view.surface.image.get_array())
    dash.controls["surface"].value = "himmelblau"
    assert dash.view.surface.image.get_array().shape == rosen_image.shape
    assert not np.allclose(dash.view.surface.image.get_array(), rosen_image)
    assert dash.controls["lr"].value == pytest.approx(_surface.DEFAULT_LR["himmelblau"])
    np.testing.assert_allclose(dash.start, dash.objective.start)
    assert len(xy(dash.view.surface.minima)[0]) == 4       # Himmelblau's four minima
    hits = _surface.CACHE_STATS["hits"]
    dash.controls["surface"].value = "rosenbrock"
    assert _surface.CACHE_STATS["hits"] == hits + 1
    assert dash.data is rosen_data          # not recomputed
    np.testing.assert_array_equal(dash.view.surface.image.get_array(), rosen_image)


def test_descent_2d_warnings_divergence_and_saddle_escape():
    dash = widgets.descent_2d("booth", lr=0.05, steps=100).dashboard
    assert dash.warning == ""
    dash.controls["lr"].value = 0.2   # booth's L = 18: 2/L = 0.111
    assert dash.warning.startswith("diverged at step ")
    assert "above 2/L = 0.111" in dash.warning
    assert dash.view.warning.get_text() == dash.warning
    dash.controls["surface"].value = "saddle"
    # x1 shrinks, x2 = 0.01 * (1 + 2 lr)^k grows; it leaves [-6, 6] when 0.01*1.1^k > 6
    k = int(np.ceil(np.log(6 / 0.01) / np.log(1.1)))
    assert dash.warning == (f"left the window at step {k} while the loss kept falling: "
                            "this surface is unbounded below")
    assert dash.view.ax_loss.get_yscale() == "linear"


# --- optimizer_race --------------------------------------------------------------------------

def reference_adam(grad, x0, lr, b1, b2, steps, eps=1e-8):
    x, m, v = np.array(x0, float), 0.0, 0.0
    out = [x]
    for t in range(1, steps + 1):
        g = grad(x)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        out.append(x)
    return np.array(out)


def test_race_paths_follow_the_update_rules():
    box = widgets.optimizer_race("rosenbrock",
                                 optimizers=[("gd", {"lr": 1e-3}), ("adam", {"lr": 0.05})],
                                 start=(-1.0, 2.0), steps=60)
    dash = box.dashboard
    assert dash.enabled() == ["gd", "adam"]
    gd = [np.array([-1.0, 2.0])]
    for _ in range(60):
        gd.append(gd[-1] - 1e-3 * rosenbrock_grad(gd[-1]))
    np.testing.assert_allclose(np.column_stack(xy(dash.view.paths["gd"])), gd, rtol=1e-9)
    adam = reference_adam(rosenbrock_grad, (-1.0, 2.0), 0.05, 0.9, 0.999, 60)
    np.testing.assert_allclose(np.column_stack(xy(dash.view.paths["adam"])), adam, rtol=1e-9)
    assert not dash.view.paths["momentum"].get_visible()

    dash.controls["adam.beta1"].value = 0.5
    assert dash.recomputed == ["adam"]            # the other lane came from the cache
    adam = reference_adam(rosenbrock_grad, (-1.0, 2.0), 0.05, 0.5, 0.999, 60)
    np.testing.assert_allclose(np.column_stack(xy(dash.view.paths["adam"])), adam, rtol=1e-9)

    dash.controls["momentum.on"].value = True
    assert dash.view.paths["momentum"].get_visible()
    assert dash.recomputed == ["momentum"]
    labels = [t.get_text() for t in dash.view.ax_loss.get_legend().get_texts()]
    assert labels == ["gradient descent", "momentum", "Adam"]


def test_race_click_surface_and_divergence():
    dash = widgets.optimizer_race("beale", optimizers=["gd", "adam"], steps=30).dashboard
    from gdlab.widgets._surface import DEFAULT_LR

    assert dash.controls["gd.lr"].value == pytest.approx(DEFAULT_LR["beale"])
    click(dash, 2.0, -1.0)
    for kind in ("gd", "adam"):
        x, y = xy(dash.view.paths[kind])
        assert (x[0], y[0]) == pytest.approx((2.0, -1.0))
    dash.controls["gd.lr"].value = 5.0
    assert "gradient descent: diverged at step" in dash.warning
    dash.controls["surface"].value = "saddle"
    assert dash.objective.name == "saddle"
    assert dash.controls["gd.lr"].value == pytest.approx(DEFAULT_LR["saddle"])
    np.testing.assert_allclose(xy(dash.view.start)[0], [dash.objective.start[0]])
    one = widgets.optimizer_race(optimizers={"name": "adam", "lr": 0.1}).dashboard
    assert one.enabled() == ["adam"] and one.settings("adam")["lr"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="'sgdd'"):
        widgets.optimizer_race(optimizers=["sgdd"])
    with pytest.raises(ValueError, match="beta3"):
        widgets.optimizer_race(optimizers=[("adam", {"beta3": 0.1})])


def test_race_play_unfolds_all_lanes():
    dash = widgets.optimizer_race(optimizers=["gd", "rmsprop"], steps=20).dashboard
    dash.play.reset()
    for kind in ("gd", "rmsprop"):
        assert len(xy(dash.view.paths[kind])[0]) == 1
    dash.play.play.value = 5
    for kind in ("gd", "rmsprop"):
        assert len(xy(dash.view.paths[kind])[0]) == 6
        assert len(xy(dash.view.losses[kind])[0]) == 6


# --- batch_size ------------------------------------------------------------------------------

def reference_sgd(X, y, lr, B, epochs, seed):
    rng = np.random.default_rng(seed)
    theta = np.zeros(X.shape[1])
    path = [theta]
    for _ in range(epochs):
        idx = rng.permutation(len(y))
        for s in range(0, len(y), B):
            b = idx[s:s + B]
            r = X[b] @ theta - y[b]
            theta = theta - lr * 2 * X[b].T @ r / len(b)
            path.append(theta)
    return np.array(path)


def test_batch_size_path_loss_and_new_seed():
    box = widgets.batch_size(batch_size=16, lr=0.05, epochs=3, seed=4)
    dash = box.dashboard
    ref = reference_sgd(dash.X, dash.y, 0.05, 16, 3, 4)
    np.testing.assert_allclose(np.column_stack(xy(dash.view.path)), ref, rtol=1e-10)
    ex, ey = xy(dash.view.per_epoch)
    np.testing.assert_allclose(ex, [0, 1, 2, 3])
    mse = np.mean((dash.X @ ref[::16].T - dash.y[:, None]) ** 2, axis=0)
    np.testing.assert_allclose(ey, mse, rtol=1e-10)

    dash.controls["new_seed"].click()
    assert dash.controls["seed"].value == 5
    np.testing.assert_allclose(np.column_stack(xy(dash.view.path)),
                               reference_sgd(dash.X, dash.y, 0.05, 16, 3, 5), rtol=1e-10)

    dash.controls["batch_size"].value = 256   # full batch = plain gradient descent
    x, _ = xy(dash.view.per_update)
    np.testing.assert_allclose(x, np.arange(4))
    assert "B = 256: 1 updates/epoch" in dash.view.info.get_text()

    dash.controls["lr"].value = 2.0
    dash.controls["epochs"].value = 10
    assert dash.warning.startswith("diverged at step") and "2/L" in dash.warning
    with pytest.raises(ValueError, match="batch_size: 3"):
        widgets.batch_size(batch_size=3)


def test_batch_size_noise_band_shrinks_with_batch_size():
    # At a constant lr SGD hovers above the least-squares loss by an excess that scales
    # like lr / B (the mini-batch gradient's variance is 1/B times a single example's).
    dash = widgets.batch_size(batch_size=1, lr=0.02, epochs=20).dashboard
    excess_1 = np.mean(dash.losses[-5 * dash.per_epoch:]) - dash.loss_star
    dash.controls["batch_size"].value = 16
    excess_16 = np.mean(dash.losses[-5 * dash.per_epoch:]) - dash.loss_star
    assert 0 < excess_16 < excess_1 / 4


# --- schedules -------------------------------------------------------------------------------

def test_schedules_draw_the_schedule_formulas():
    dash = widgets.schedules("step_decay", lr=0.4, steps=300, step_size=100,
                             step_gamma=0.5).dashboard
    k = np.arange(300)
    np.testing.assert_allclose(xy(dash.view.lr)[1], 0.4 * 0.5 ** (k // 100))
    assert dash.controls["exp_gamma"].layout.display == "none"
    assert dash.controls["step_size"].layout.display is None

    dash.controls["schedule"].value = "exponential"
    dash.controls["exp_gamma"].value = 0.98
    np.testing.assert_allclose(xy(dash.view.lr)[1], 0.4 * 0.98 ** k)
    assert dash.controls["step_size"].layout.display == "none"

    dash.controls["schedule"].value = "cosine"
    np.testing.assert_allclose(xy(dash.view.lr)[1], 0.2 * (1 + np.cos(np.pi * k / 300)),
                               atol=1e-12)

    dash.controls["schedule"].value = "inverse_time"
    dash.controls["decay"].value = 0.1
    np.testing.assert_allclose(xy(dash.view.lr)[1], 0.4 / (1 + 0.1 * k) ** 1.0)

    dash.controls["schedule"].value = "constant"
    dash.controls["warmup_steps"].value = 50
    lrs = xy(dash.view.lr)[1]
    np.testing.assert_allclose(lrs[50:], 0.4)
    assert lrs[0] < lrs[25] < lrs[49] < 0.4


def test_schedules_decay_beats_the_noise_floor_and_large_lr_diverges():
    dash = widgets.schedules("constant", lr=0.5, steps=1000, noise=1.0, seed=3).dashboard
    # the same noisy SGD, written out: g = A x + sigma xi with xi from the seed
    xi = np.random.default_rng(3).standard_normal((1000, 2))
    a, x, ref = np.array([1.0, 0.1]), np.array([3.0, 3.0]), [0.5 * (9 + 0.9)]
    for k in range(1000):
        x = x - 0.5 * (a * x + xi[k])
        ref.append(0.5 * np.sum(a * x * x))
    np.testing.assert_allclose(xy(dash.view.loss)[1], ref, rtol=1e-10)
    tail = slice(-700, None)
    constant = np.mean(xy(dash.view.loss)[1][tail])
    # stationary mean loss of SGD with constant lr on 1/2 a x^2 with noise sigma:
    # lr sigma^2 / (2 (2 - lr a)), summed over a = 1 and a = 0.1
    theory = sum(0.5 / (2 * (2 - 0.5 * a)) for a in (1.0, 0.1))
    assert constant == pytest.approx(theory, rel=0.5)
    dash.controls["schedule"].value = "inverse_time"
    dash.controls["decay"].value = 0.05
    assert np.mean(xy(dash.view.loss)[1][tail]) < constant / 3
    np.testing.assert_allclose(xy(dash.view.ref)[1][tail].mean(), constant)
    dash.controls["lr"].value = 2.5
    assert dash.warning == ""   # 2.5 / (1 + 0.05 k) is back below 2/L after 5 steps
    dash.controls["schedule"].value = "constant"
    assert dash.warning.startswith("diverged at step") and "2/L = 2" in dash.warning
    with pytest.raises(ValueError, match="'linear'"):
        widgets.schedules("linear")


# --- momentum --------------------------------------------------------------------------------

def test_momentum_path_matches_heavy_ball_and_errors_per_direction():
    dash = widgets.momentum(lr=0.8, momentum=0.7, kappa=20, steps=60).dashboard
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([1.0, 1 / 20]) @ R.T
    prev = x = np.array([-2.6, 1.2])
    ref = [x]
    for _ in range(60):
        x, prev = x - 0.8 * A @ x + 0.7 * (x - prev), x
        ref.append(x)
    ref = np.array(ref)
    np.testing.assert_allclose(np.column_stack(xy(dash.view.path)), ref, atol=1e-12)
    np.testing.assert_allclose(xy(dash.view.steep)[1], np.abs(ref @ R[:, 0]), atol=1e-12)
    np.testing.assert_allclose(xy(dash.view.shallow)[1], np.abs(ref @ R[:, 1]), atol=1e-12)
    lr_opt, beta_opt = dash.optimal()
    assert lr_opt == pytest.approx(4 / (1 + np.sqrt(1 / 20)) ** 2)
    assert beta_opt == pytest.approx(((np.sqrt(20) - 1) / (np.sqrt(20) + 1)) ** 2)


def test_momentum_controls_and_divergence():
    dash = widgets.momentum(lr=1.0, momentum=0.5, kappa=10, steps=100).dashboard
    segs = [s.copy() for s in dash.view.panel.lines.get_segments()]
    dash.controls["kappa"].value = 1000
    assert not np.allclose(dash.view.panel.lines.get_segments()[0], segs[0])
    dash.controls["momentum"].value = 0.0
    x, y = xy(dash.view.path)
    assert len(x) == 101
    dash.controls["lr"].value = 3.1      # 2 (1 + 0.5) = 3 < 3.1
    dash.controls["momentum"].value = 0.5
    assert dash.warning.startswith("diverged at step")
    assert "above 2(1+momentum)/L = 3" in dash.warning
    dash.controls["steps"].value = 10
    assert dash.play.play.max <= 10
    with pytest.raises(ValueError, match="momentum: 1.0"):
        widgets.momentum(momentum=1.0)


def test_momentum_matches_gdlab_sgd():
    from gdlab import optim

    dash = widgets.momentum(lr=0.9, momentum=0.8, kappa=30, steps=40).dashboard
    opt = optim.SGD(lr=0.9, momentum=0.8)
    x = np.array([-2.6, 1.2])
    path = [x]
    for _ in range(40):
        x = opt.step(x, dash.A @ x)
        path.append(x)
    np.testing.assert_allclose(np.column_stack(xy(dash.view.path)), path, atol=1e-12)


# --- feature_scaling -------------------------------------------------------------------------

def test_feature_scaling_condition_number_and_standardize():
    from gdlab.widgets.scaling import make_problem

    dash = widgets.feature_scaling(scale=10.0, steps=200).dashboard
    X, y = make_problem(0)
    Xs = X * [1, 10.0]
    assert dash.kappa == pytest.approx(np.linalg.cond(Xs.T @ Xs), rel=1e-9)
    assert "kappa = " in dash.view.info.get_text()
    H = 2 / len(y) * Xs.T @ Xs
    lr = 1.0 / np.linalg.eigvalsh(H)[-1]
    w_star = np.linalg.lstsq(Xs, y, rcond=None)[0]
    w = np.zeros(2)
    ref = [w]
    for _ in range(200):
        w = w - lr * 2 / len(y) * Xs.T @ (Xs @ w - y)
        ref.append(w)
    r = np.max(np.abs(w_star))
    np.testing.assert_allclose(np.column_stack(xy(dash.view.path)),
                               (np.array(ref) - w_star) / r, atol=1e-9)
    slow = dash.converged_at
    dash.controls["standardize"].value = True
    Z = (Xs - Xs.mean(0)) / Xs.std(0)
    assert dash.kappa == pytest.approx(np.linalg.cond(Z.T @ Z), rel=1e-9)
    assert dash.kappa < 2.5
    assert dash.converged_at is not None and (slow is None or dash.converged_at < slow)
    dash.controls["standardize"].value = False
    dash.controls["scale"].value = 100.0
    assert dash.kappa > 1e3 and dash.converged_at is None
    assert "not below" in dash.view.info.get_text()
    dash.controls["lr_factor"].value = 2.15
    assert dash.warning.startswith("diverged at step") and "above 2/L" in dash.warning


# --- every dashboard -------------------------------------------------------------------------

ALL = {
    "descent_1d": lambda: widgets.descent_1d(),
    "descent_2d": lambda: widgets.descent_2d(),
    "optimizer_race": lambda: widgets.optimizer_race(),
    "batch_size": lambda: widgets.batch_size(),
    "schedules": lambda: widgets.schedules(),
    "momentum": lambda: widgets.momentum(),
    "feature_scaling": lambda: widgets.feature_scaling(),
}


@pytest.mark.slow   # 1-2 s per dashboard: the full suite's, not the quick loop's
@pytest.mark.parametrize("name", sorted(ALL))
def test_every_dashboard_builds_redraws_and_has_a_static_figure(name):
    import ipywidgets

    box = ALL[name]()
    assert isinstance(box, ipywidgets.VBox)
    dash = box.dashboard
    assert dash.name == name
    dash.canvas.draw()
    fig = box.static_figure()
    assert isinstance(fig, Figure) and isinstance(fig.canvas, FigureCanvasAgg)
    assert fig is not dash.figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    # the static figure shows the same data as the live one
    live_lines = [l for ax in dash.figure.axes for l in ax.get_lines()]
    static_lines = [l for ax in fig.axes for l in ax.get_lines()]
    assert len(live_lines) == len(static_lines)
    for a, b in zip(live_lines, static_lines):
        np.testing.assert_array_equal(np.asarray(a.get_xdata(), float),
                                      np.asarray(b.get_xdata(), float))
    # every control can be moved to both ends without errors
    for cname, w in dash.controls.items():
        if hasattr(w, "options") and w.options:
            for opt in (w.options[-1], w.options[0]):
                w.value = opt if not isinstance(opt, tuple) else opt[1]
        elif hasattr(w, "max") and hasattr(w, "min"):
            w.value = w.max
            w.value = w.min
        elif isinstance(w, ipywidgets.Checkbox):
            w.value = not w.value
            w.value = not w.value
    dash.canvas.draw()
    assert dash.status.value


# --- what a screen reader gets (gdlab/widgets/_a11y.py; the browser test checks the DOM) ---

def test_dashboard_carries_the_accessibility_hooks_and_a_live_description():
    import ipywidgets
    from gdlab.widgets._a11y import A11Y_SCRIPT
    box = widgets.descent_1d("parabola", lr=0.3, x0=2.5, steps=20)
    dash = box.dashboard
    assert "gdlab-dashboard" in box._dom_classes
    assert "gdlab-status" in dash.status._dom_classes
    assert "gdlab-figure-description" in dash.description._dom_classes
    scripts = [c for c in box.children if isinstance(c, ipywidgets.Output)]
    assert len(scripts) == 1
    (shown,) = scripts[0].outputs
    assert shown["data"]["application/javascript"] == A11Y_SCRIPT
    for hook in ("aria-label", "aria-valuetext", "aria-live", "gdlab-figure-description",
                 "focus-visible", "'pause'"):
        assert hook in A11Y_SCRIPT
    # the description says what the figure shows now, and follows the controls
    before = dash.description.value
    assert "monotone" in before and "falls" in before
    dash.controls["lr"].value = 1.5
    dash.flush()
    assert dash.description.value != before and "oscillating" in dash.description.value
