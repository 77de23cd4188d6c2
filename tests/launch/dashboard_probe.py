"""Build the descent_1d dashboard in *this* interpreter and check that it redraws.

Run as a script by another environment's python (Binder emulation), so it checks the
widget stack that environment installed: ipywidgets for the controls, ipympl for the
live canvas. Exit code 0 and a last line ``DASHBOARD-OK ...`` on success.

The reference is written here, independently of gdlab: on the default parabola
f(x) = x^2 / 2 (f' = x) gradient descent multiplies x by (1 - lr) at every step, so the
drawn step sequence must be x0 (1 - lr)^k, k = 0..steps.
"""
import sys

import numpy as np


def main():
    import ipywidgets
    import gdlab.widgets as w

    box = w.descent_1d("parabola", lr=0.3, x0=2.0, steps=10)
    assert isinstance(box, ipywidgets.Widget), f"descent_1d returned {type(box)!r}"
    dash = box.dashboard
    if not dash.canvas.live:
        raise SystemExit("the dashboard has no live ipympl canvas: ipympl is missing")
    import ipympl.backend_nbagg as nbagg

    assert isinstance(dash.canvas, nbagg.Canvas), type(dash.canvas)
    assert dash.canvas in box.children, "the live canvas is not part of the dashboard layout"

    def pixels():
        dash.canvas.draw()
        return np.asarray(dash.canvas.buffer_rgba()).copy()

    def drawn_steps():
        return np.asarray(dash.view.steps.get_xdata(), dtype=float)

    lr0 = dash.controls["lr"].value
    before = pixels()
    np.testing.assert_allclose(drawn_steps(), 2.0 * (1 - lr0) ** np.arange(11), atol=1e-9)

    dash.controls["lr"].value = 1.5  # oscillating: 1/L < lr < 2/L on f'' = 1
    dash.flush()
    lr1 = dash.controls["lr"].value
    after = pixels()
    np.testing.assert_allclose(drawn_steps(), 2.0 * (1 - lr1) ** np.arange(11), atol=1e-9)
    changed = int(np.any(before != after, axis=-1).sum())
    assert changed > 100, f"only {changed} pixels changed after moving the lr slider"
    print(f"DASHBOARD-OK canvas={type(dash.canvas).__name__} pixels_changed={changed} "
          f"ipywidgets={ipywidgets.__version__} python={sys.executable}")


if __name__ == "__main__":
    main()
