"""Dashboard: heavy-ball momentum on an ill-conditioned quadratic.

f(x) = 1/2 x^T A x with A = R diag(1, 1/kappa) R^T (R a 30 degree rotation), so L = 1 and
mu = 1/kappa. The update is PyTorch's SGD with momentum,
    b_k = beta b_{k-1} + grad f(x_k)   (b_0 = grad f(x_0)),   x_{k+1} = x_k - lr b_k,
which equals x_{k+1} = x_k - lr grad f(x_k) + beta (x_k - x_{k-1}). Along an eigenvector
with eigenvalue lam the error obeys e_{k+1} = (1 + beta - lr lam) e_k - beta e_{k-1},
stable iff 0 < lr lam < 2 (1 + beta); the best settings are
lr* = 4 / (sqrt L + sqrt mu)^2 and beta* = ((sqrt kappa - 1) / (sqrt kappa + 1))^2
(Polyak 1964, "Some methods of speeding up the convergence of iteration methods").
"""
from __future__ import annotations

import numpy as np

from gdlab.optim import SGD

from ._base import COLORS, Dashboard, check_int, check_range, float_slider, new_view
from ._base import divergence_message, log_slider
from ._quadratic import EllipsePanel

MAX_STEPS = 300
ANGLE = np.pi / 6
START = np.array([-2.6, 1.2])


def quadratic_matrix(kappa, angle=ANGLE):
    """A = R diag(1, 1/kappa) R^T: eigenvalues L = 1 (steep) and mu = 1/kappa (shallow)."""
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    return R @ np.diag([1.0, 1.0 / kappa]) @ R.T, R


def heavy_ball(A, x0, lr, beta, steps, *, growth=100.0):
    """Iterates of gdlab.optim.SGD(lr, momentum=beta) on 1/2 x^T A x; stops when the error
    exceeds ``growth`` times the start's (stable runs never grow that much: the transient
    growth of heavy ball stays within a small factor). Returns (path (n+1, 2), step at
    which it blew up or None)."""
    path = np.empty((steps + 1, 2))
    path[0] = x = np.array(x0, dtype=float)
    far = growth * float(np.max(np.abs(x)))
    opt = SGD(lr=lr, momentum=beta)
    with np.errstate(all="ignore"):
        for k in range(steps):
            x = opt.step(x, A @ x)
            if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > far:
                return path[: k + 1], k + 1
            path[k + 1] = x
    return path, None


class Momentum(Dashboard):
    name = "momentum"
    figsize = (9.0, 3.8)
    has_play = True

    def __init__(self, *, lr=1.0, momentum=0.9, kappa=50.0, steps=100):
        lr = check_range("lr", lr, 0, 4, closed="right", label="learning rate",
                         hint="twice the largest stable rate 2(1+beta)/L with L = 1")
        momentum = check_range("momentum", momentum, 0, 1, closed="left", hint=None)
        kappa = check_range("kappa", kappa, 1, 10_000, label="condition number kappa")
        self._init = dict(lr=lr, momentum=momentum, kappa=kappa,
                          steps=check_int("steps", steps, 1, MAX_STEPS))
        self.max_frames = self._init["steps"]
        self._start()

    def _build_controls(self):
        import ipywidgets as W

        i = self._init
        return {
            "lr": float_slider("lr", i["lr"], 0.0, 4.0, 0.01, fmt=".2f"),
            "momentum": float_slider("momentum", i["momentum"], 0.0, 0.99, 0.01, fmt=".2f"),
            "kappa": log_slider("kappa", i["kappa"], 0, 4, fmt=".0f"),
            "steps": W.IntSlider(value=i["steps"], min=1, max=MAX_STEPS, description="steps",
                                 continuous_update=True),
        }

    def _build_view(self, fig, animated):
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.9, wspace=0.2)
        ax, ax_err = fig.subplots(1, 2)
        panel = EllipsePanel(ax, animated)
        ax.set_xlim(-3.2, 3.2)
        ax.set_ylim(-3.2, 3.2)
        ax.set_title("path on the quadratic", fontsize=11)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        path, = ax.plot([], [], "-o", color=COLORS["vermillion"], ms=2.5, lw=1.2, animated=animated,
                        zorder=3)
        head, = ax.plot([], [], "D", color=COLORS["orange"], mec="black", ms=7, animated=animated,
                        zorder=4)
        ax.plot([START[0]], [START[1]], "o", color=COLORS["blue"], ms=8, zorder=4)
        info = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=8.5,
                       animated=animated, bbox=dict(fc="white", ec="none", alpha=0.85),
                       zorder=6)
        ax_err.set_yscale("log")
        ax_err.set_ylim(1e-8, 1e4)
        ax_err.set_title("error along each eigen-direction", fontsize=11)
        ax_err.set_xlabel("update $k$")
        ax_err.set_ylabel(r"$|v_i^\top (x_k - x^\star)|$")
        ax_err.grid(True, alpha=0.3)
        steep, = ax_err.plot([], [], "-", color=COLORS["vermillion"], lw=1.5, animated=animated,
                             label=r"steep: $\lambda = L = 1$")
        shallow, = ax_err.plot([], [], "-", color=COLORS["blue"], lw=1.5, animated=animated,
                               label=r"shallow: $\lambda = \mu = 1/\kappa$")
        ax_err.legend(fontsize=8, loc="lower left")
        return new_view(fig=fig, ax=ax, ax_err=ax_err, panel=panel, path=path, head=head,
                        info=info, steep=steep, shallow=shallow,
                        warning=self._figure_warning(fig, animated))

    def _compute(self):
        c = self.controls
        self.lr = float(c["lr"].value)
        self.beta = float(c["momentum"].value)
        self.kappa = float(c["kappa"].value)
        self.steps = int(c["steps"].value)
        self.A, self.R = quadratic_matrix(self.kappa)
        self.path, left = heavy_ball(self.A, START, self.lr, self.beta, self.steps)
        # Eigen-coordinates of the error (x* = 0): columns of R are the eigenvectors.
        self.errors = np.abs(self.path @ self.R)
        limit = 2.0 * (1.0 + self.beta)   # 2(1 + beta) / L with L = 1
        self.warning = "" if left is None else divergence_message(
            left, self.lr, limit=limit, limit_name="2(1+momentum)/L")

    def n_frames(self):
        return len(self.path) - 1

    def optimal(self):
        """(lr*, beta*) of heavy ball for this quadratic (L = 1, mu = 1/kappa)."""
        L, mu = 1.0, 1.0 / self.kappa
        return 4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2, \
            ((np.sqrt(self.kappa) - 1) / (np.sqrt(self.kappa) + 1)) ** 2

    def _apply(self, view):
        view.panel.show(self.A, (0.0, 0.0), START)
        k = min(self.frame, len(self.path) - 1)
        p = self.path[: k + 1]
        view.path.set_data(p[:, 0], p[:, 1])
        view.head.set_data(p[-1:, 0], p[-1:, 1])
        steps = np.arange(k + 1)
        view.steep.set_data(steps, np.maximum(self.errors[: k + 1, 0], 1e-300))
        view.shallow.set_data(steps, np.maximum(self.errors[: k + 1, 1], 1e-300))
        view.ax_err.set_xlim(0, self.steps)
        lr_opt, beta_opt = self.optimal()
        view.info.set_text(
            f"kappa = {self.kappa:.0f}   lr = {self.lr:.2f}   momentum = {self.beta:.2f}\n"
            f"best: lr* = {lr_opt:.2f}, momentum* = {beta_opt:.2f}   step {k}")

    def _status_text(self):
        return (f"after {len(self.path) - 1} updates: error {np.linalg.norm(self.path[-1]):.3g} "
                f"(start {np.linalg.norm(START):.3g})")


def momentum(*, lr=1.0, momentum=0.9, kappa=50.0, steps=100):
    """Heavy-ball momentum on a 2-D quadratic with condition number kappa.

    Left: the path on the level sets of f = 1/2 x^T A x (eigenvalues 1 and 1/kappa).
    Right: the error along each eigen-direction on a log scale, which shows the steep
    direction oscillating and the shallow one crawling, and momentum trading one for the
    other. Runs with lr above 2(1 + momentum)/L are reported as diverged.

    Args:
        lr: learning rate (0 to 4; L = 1).
        momentum: beta in [0, 0.99].
        kappa: condition number L/mu in [1, 10000].
        steps: number of updates (1 to 300).

    Returns:
        A ``DashboardBox``; ``.dashboard`` holds controls, artists and ``static_figure()``.
    """
    return Momentum(lr=lr, momentum=momentum, kappa=kappa, steps=steps).widget
