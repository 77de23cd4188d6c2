"""Dashboard: feature scaling as conditioning.

Least squares with two features, the second measured in other units (multiplied by
``scale``): loss(w) = (1/m) ||X w - y||^2, Hessian H = (2/m) X^T X. Gradient descent from
w_0 = 0 with lr = c / L (c on a slider, L the largest eigenvalue of H) contracts the error
along eigenvector v_i by |1 - lr lam_i| per step, so the shallow direction needs about
kappa = L / mu times more steps than the steep one. Standardizing the columns (subtract the
mean, divide by the standard deviation) brings kappa back near 1.

Paths are computed in closed form, all steps at once:
    w_k - w* = V diag((1 - lr lam)^k) V^T (w_0 - w*).
"""
from __future__ import annotations

import numpy as np

from gdlab._validation import Options, check

from ._base import COLORS, Dashboard, check_int, check_range, divergence_message
from ._base import float_slider, log_slider, new_view
from ._quadratic import EllipsePanel

MAX_STEPS = 500
TOL = 1e-6   # "converged" = loss gap below TOL times the starting gap


def make_problem(seed=0, m=200):
    """Two standard-normal features (correlation 0.3) and y = 2 x1 - x2 + noise."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((m, 2))
    x1 = z[:, 0]
    x2 = 0.3 * z[:, 0] + np.sqrt(1 - 0.3 ** 2) * z[:, 1]
    y = 2.0 * x1 - 1.0 * x2 + 0.1 * rng.standard_normal(m)
    return np.column_stack([x1, x2]), y


class FeatureScaling(Dashboard):
    name = "feature_scaling"
    figsize = (9.0, 3.8)
    has_play = True

    def __init__(self, *, scale=10.0, standardize=False, lr_factor=1.0, steps=100, seed=0):
        scale = check_range("scale", scale, 0.01, 100)
        check(standardize, "standardize", Options(True, False))
        lr_factor = check_range("lr_factor", lr_factor, 0, 2.2, closed="right",
                                hint="lr = lr_factor / L; stability needs < 2")
        self.X_raw, self.y = make_problem(seed)
        self._init = dict(scale=scale, standardize=bool(standardize), lr_factor=lr_factor,
                          steps=check_int("steps", steps, 1, MAX_STEPS))
        self.max_frames = self._init["steps"]
        self._start()

    def _build_controls(self):
        import ipywidgets as W

        i = self._init
        return {
            "scale": log_slider("scale", i["scale"], -2, 2, fmt=".3g"),
            "standardize": W.Checkbox(value=i["standardize"], description="standardize",
                                      indent=False),
            "lr_factor": float_slider("lr × L", i["lr_factor"], 0.01, 2.2, 0.01, fmt=".2f"),
            "steps": W.IntSlider(value=i["steps"], min=1, max=MAX_STEPS, description="steps",
                                 continuous_update=True),
        }

    def design_matrix(self):
        """The features the model sees: column 2 rescaled, then optionally standardized."""
        X = self.X_raw * np.array([1.0, self.scale])
        if self.standardize:
            X = (X - X.mean(axis=0)) / X.std(axis=0)
        return X

    def _build_view(self, fig, animated):
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.9, wspace=0.25)
        ax, ax_loss = fig.subplots(1, 2)
        panel = EllipsePanel(ax, animated)
        ax.set_xlim(-1.2, 1.2)
        ax.set_ylim(-1.2, 1.2)
        ax.set_title("loss contours and the descent path", fontsize=11)
        # One common factor r on both axes keeps the geometry (and so kappa) visible.
        ax.set_xlabel(r"$(w_1 - w_1^\star)\,/\,r$")
        ax.set_ylabel(r"$(w_2 - w_2^\star)\,/\,r$")
        path, = ax.plot([], [], "-o", color=COLORS["vermillion"], ms=2.5, lw=1.2, animated=animated,
                        zorder=3)
        start, = ax.plot([], [], "o", color=COLORS["blue"], ms=8, animated=animated, zorder=4)
        info = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=8.5,
                       animated=animated, bbox=dict(fc="white", ec="none", alpha=0.85),
                       zorder=6)
        ax_loss.set_yscale("log")
        ax_loss.set_ylim(1e-12, 1e2)
        ax_loss.set_title("loss gap, relative to the start", fontsize=11)
        ax_loss.set_xlabel("update $k$")
        ax_loss.set_ylabel(r"$(\ell(w_k) - \ell^\star) / (\ell(w_0) - \ell^\star)$")
        ax_loss.grid(True, alpha=0.3)
        ax_loss.axhline(TOL, color="0.5", lw=0.8, ls="--")
        loss, = ax_loss.plot([], [], "-", color=COLORS["vermillion"], lw=1.5, animated=animated)
        return new_view(fig=fig, ax=ax, ax_loss=ax_loss, panel=panel, path=path, start=start,
                        info=info, loss=loss, warning=self._figure_warning(fig, animated))

    def _compute(self):
        c = self.controls
        self.scale = float(c["scale"].value)
        self.standardize = bool(c["standardize"].value)
        self.lr_factor = float(c["lr_factor"].value)
        self.steps = int(c["steps"].value)
        X, y = self.design_matrix(), self.y
        m = len(y)
        self.H = 2.0 / m * X.T @ X
        self.w_star = np.linalg.solve(X.T @ X, X.T @ y)
        lam, V = np.linalg.eigh(self.H)
        self.mu, self.L = float(lam[0]), float(lam[-1])
        self.kappa = self.L / self.mu
        self.lr = self.lr_factor / self.L
        # No descent loop here, on purpose: on this quadratic, gradient descent's error
        # along eigenvector i is exactly (1 - lr lam_i)^k times the start's, the formula
        # the dashboard exists to show, so all steps come from one vectorised power.
        # (gdlab.optim.SGD gives the same iterates to rounding; tests/test_widgets.py
        # checks the path against plain gradient descent.)
        e0 = np.zeros(2) - self.w_star               # w_0 = 0
        coef = V.T @ e0                              # error in eigen-coordinates
        ks = np.arange(self.steps + 1)[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            mult = (1.0 - self.lr * lam)[None, :] ** ks   # (n+1, 2)
            err = (mult * coef) @ V.T                     # rows: w_k - w*
            gap = 0.5 * np.einsum("ki,ki->k", mult * coef, mult * coef * lam)
        self.r = float(np.max(np.abs(e0))) or 1.0
        # Past 100 times the starting gap the run has clearly diverged (and left the plot).
        blown = ~np.isfinite(gap) | (gap > 1e2 * gap[0])
        if blown.any():
            left = int(np.argmax(blown))
            err, gap = err[:left], gap[:left]
            self.warning = divergence_message(left, self.lr, limit=2.0 / self.L)
        else:
            self.warning = ""
        self.err, self.gap = err, gap / gap[0]
        hit = np.nonzero(self.gap <= TOL)[0]
        self.converged_at = int(hit[0]) if hit.size else None

    def n_frames(self):
        return len(self.err) - 1

    def _apply(self, view):
        # In units of r the quadratic keeps its shape: H applies unchanged.
        view.panel.show(self.H, (0.0, 0.0), -self.w_star / self.r)
        k = min(self.frame, len(self.err) - 1)
        p = self.err[: k + 1] / self.r
        view.path.set_data(p[:, 0], p[:, 1])
        view.start.set_data(p[:1, 0], p[:1, 1])
        view.loss.set_data(np.arange(k + 1), np.maximum(self.gap[: k + 1], 1e-300))
        view.ax_loss.set_xlim(0, self.steps)
        done = (f"gap < {TOL:g} after {self.converged_at} steps" if self.converged_at
                is not None else f"gap not below {TOL:g} in {self.steps} steps")
        view.info.set_text(f"kappa = {self.kappa:.3g}   lr = {self.lr_factor:.2f}/L"
                           f" = {self.lr:.3g}\n{done}   r = {self.r:.3g}")

    def _status_text(self):
        kind = "standardized" if self.standardize else f"feature 2 scaled by {self.scale:.3g}"
        return f"{kind}: condition number kappa = L/mu = {self.kappa:.4g}"


def feature_scaling(*, scale=10.0, standardize=False, lr_factor=1.0, steps=100, seed=0):
    """Feature scaling as conditioning: a least-squares problem whose second feature is
    multiplied by ``scale``.

    Left: the loss's level sets (exact ellipses) and the gradient-descent path from w = 0,
    in coordinates (w - w*)/r with one common factor r, so shapes are true. Right: the loss
    gap relative to the start, on a log scale. The text gives the condition number
    kappa = L/mu of the Hessian (2/m) X^T X and the steps needed to shrink the gap by 1e-6.
    Toggle ``standardize`` to see kappa collapse.

    Args:
        scale: factor on the second feature, 0.01 to 100.
        standardize: standardize both columns first.
        lr_factor: the learning rate as a multiple of 1/L (0 to 2.2; above 2 diverges).
        steps: number of updates (1 to 500).
        seed: seed of the synthetic data.

    Returns:
        A ``DashboardBox``; ``.dashboard`` holds controls, artists and ``static_figure()``.
    """
    return FeatureScaling(scale=scale, standardize=standardize, lr_factor=lr_factor,
                          steps=steps, seed=seed).widget
