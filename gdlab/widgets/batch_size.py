"""Dashboard: batch size and learning rate in mini-batch SGD on linear regression.

Data: y = theta_0 + theta_1 x + noise (gdlab.data.make_linear, 256 points). Each epoch
shuffles the rows and takes ceil(n / B) steps theta <- theta - lr (2/B) X_b^T (X_b theta - y_b)
on consecutive batches (the last one may be smaller). The full-data loss
L(theta) = (1/n) ||X theta - y||^2 is a quadratic with Hessian H = (2/n) X^T X, so its
level sets are drawn as exact ellipses and the path can be watched wandering around the
minimum in a noise band that shrinks with B and with lr.
"""
from __future__ import annotations

import warnings

import numpy as np

from gdlab._validation import Options, check
from gdlab.history import DivergenceWarning
from gdlab.models import LinearRegression
from gdlab.optim import SGD
from gdlab.train import fit

from ._base import COLORS, Dashboard, check_int, check_range, divergence_message
from ._base import log_slider, new_view
from ._quadratic import EllipsePanel

N_POINTS = 256
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
MAX_EPOCHS = 20


def minibatch_sgd(X, y, theta0, lr, batch_size, epochs, seed):
    """Parameters after every update of shuffled mini-batch SGD on the MSE.

    This is gdlab.train.fit with LinearRegression and SGD, the very call lesson 04 makes
    (fit shuffles each epoch with np.random.default_rng(seed)). It runs through fit's fast
    least-squares runner, so even B = 1 (1280 updates for 5 epochs) costs a few ms.
    Returns (path (n_updates + 1, d), updates per epoch); a diverging run stops early.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)   # the dashboard says it itself
        h = fit(LinearRegression(), X, y, SGD(lr=lr), batch_size=batch_size, epochs=epochs,
                seed=seed, params0=theta0, record_path=True)
    return h.path, h.updates_per_epoch


class BatchSize(Dashboard):
    name = "batch_size"
    figsize = (9.0, 3.8)

    def __init__(self, *, batch_size=8, lr=0.05, epochs=5, seed=0):
        batch_size = check(batch_size, "batch_size", Options(*BATCH_SIZES),
                           hint=f"{N_POINTS} = full batch")
        lr = check_range("lr", lr, 1e-4, 3, label="learning rate")
        from gdlab import data

        self.X, self.y, self.true_theta = data.make_linear(n=N_POINTS, d=1, noise=0.5, seed=0)
        n = len(self.y)
        self.H = 2.0 / n * self.X.T @ self.X
        self.L = float(np.linalg.eigvalsh(self.H)[-1])
        self.theta_star = np.linalg.lstsq(self.X, self.y, rcond=None)[0]
        self.theta0 = np.zeros(2)
        self.loss_star = self.loss(self.theta_star[None, :])[0]
        self.loss0 = self.loss(self.theta0[None, :])[0]
        self._init = dict(batch_size=batch_size, lr=lr,
                          epochs=check_int("epochs", epochs, 1, MAX_EPOCHS),
                          seed=check_int("seed", seed, 0, 2 ** 31 - 1))
        self._start()

    def loss(self, thetas):
        """Full-data MSE at each row of ``thetas`` (vectorised over the whole path)."""
        r = self.X @ np.atleast_2d(thetas).T - self.y[:, None]
        return np.einsum("ij,ij->j", r, r) / len(self.y)

    def _build_controls(self):
        import ipywidgets as W

        i = self._init
        c = {
            "batch_size": W.SelectionSlider(options=list(BATCH_SIZES), value=i["batch_size"],
                                            description="batch size", continuous_update=True),
            "lr": log_slider("lr", i["lr"], -4, np.log10(3), fmt=".3g"),
            "epochs": W.IntSlider(value=i["epochs"], min=1, max=MAX_EPOCHS,
                                  description="epochs", continuous_update=True),
            "seed": W.IntText(value=i["seed"], description="seed",
                              layout=W.Layout(width="150px")),
            "new_seed": W.Button(description="new seed", tooltip="reshuffle with another seed"),
        }
        c["new_seed"].on_click(lambda _b: self.new_seed())
        return c

    def new_seed(self):
        """What the "new seed" button does: the next shuffling seed."""
        self.controls["seed"].value = int(self.controls["seed"].value) + 1

    def _build_view(self, fig, animated):
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.9, wspace=0.28)
        ax, ax_loss = fig.subplots(1, 2)
        panel = EllipsePanel(ax, animated)
        span = 1.25 * float(np.max(np.abs(self.theta0 - self.theta_star)))
        ax.set_xlim(self.theta_star[0] - span, self.theta_star[0] + span)
        ax.set_ylim(self.theta_star[1] - span, self.theta_star[1] + span)
        ax.set_title("parameter path on the loss contours", fontsize=11)
        ax.set_xlabel(r"intercept $\theta_0$")
        ax.set_ylabel(r"slope $\theta_1$")
        path, = ax.plot([], [], "-", color=COLORS["vermillion"], lw=0.8, alpha=0.8, animated=animated,
                        zorder=3)
        ends, = ax.plot([], [], "o", color=COLORS["blue"], ms=3.5, animated=animated, zorder=4,
                        label="end of each epoch")
        ax.legend(handles=[ends], fontsize=8, loc="lower right")
        ax_loss.set_yscale("log")
        ax_loss.set_ylim(self.loss_star * 0.8, self.loss0 * 3)
        ax_loss.set_title("training loss", fontsize=11)
        ax_loss.set_xlabel("epoch")
        ax_loss.set_ylabel("MSE on all data")
        ax_loss.grid(True, alpha=0.3)
        ax_loss.axhline(self.loss_star, color="0.4", lw=0.8, ls="--", label="least squares")
        per_update, = ax_loss.plot([], [], "-", color=COLORS["vermillion"], lw=0.8, alpha=0.8,
                                   animated=animated, label="after each update")
        per_epoch, = ax_loss.plot([], [], "o-", color=COLORS["blue"], ms=4, lw=1.2,
                                  animated=animated, label="after each epoch")
        ax_loss.legend(fontsize=8, loc="upper right")
        info = ax_loss.text(0.02, 0.04, "", transform=ax_loss.transAxes, fontsize=8.5,
                            animated=animated, bbox=dict(fc="white", ec="none", alpha=0.85))
        return new_view(fig=fig, ax=ax, ax_loss=ax_loss, panel=panel, path=path, ends=ends,
                        per_update=per_update, per_epoch=per_epoch, info=info,
                        warning=self._figure_warning(fig, animated))

    def _compute(self):
        c = self.controls
        self.batch_size = int(c["batch_size"].value)
        self.lr = float(c["lr"].value)
        self.epochs = int(c["epochs"].value)
        self.seed = int(c["seed"].value)
        self.path, self.per_epoch = minibatch_sgd(self.X, self.y, self.theta0, self.lr,
                                                  self.batch_size, self.epochs, self.seed)
        with np.errstate(all="ignore"):
            self.losses = self.loss(self.path)
        expected = self.epochs * self.per_epoch + 1
        bad = ~np.isfinite(self.losses) | (self.losses > 1e3 * self.loss0)
        if bad.any() or len(self.path) < expected:
            left = int(np.argmax(bad)) if bad.any() else len(self.path) - 1
            self.path, self.losses = self.path[:left], self.losses[:left]
            self.warning = divergence_message(left, self.lr, limit=2.0 / self.L)
        else:
            self.warning = ""

    def _apply(self, view):
        view.panel.show(self.H, self.theta_star, self.theta0)
        p = self.path
        view.path.set_data(p[:, 0], p[:, 1])
        ends = p[:: self.per_epoch]
        view.ends.set_data(ends[:, 0], ends[:, 1])
        x = np.arange(len(self.losses)) / self.per_epoch
        view.per_update.set_data(x, self.losses)
        view.per_epoch.set_data(x[:: self.per_epoch], self.losses[:: self.per_epoch])
        view.ax_loss.set_xlim(0, self.epochs)
        last = self.losses[-self.per_epoch:] if len(self.losses) > self.per_epoch else \
            self.losses
        view.info.set_text(f"B = {self.batch_size}: {self.per_epoch} updates/epoch\n"
                           f"last epoch: loss {np.min(last):.4g} to {np.max(last):.4g}")

    def _status_text(self):
        return (f"{len(self.path) - 1} updates with lr = {self.lr:.3g} (2/L = {2 / self.L:.3g}); "
                f"final loss {self.losses[-1]:.4g}, least squares {self.loss_star:.4g}")


def batch_size(*, batch_size=8, lr=0.05, epochs=5, seed=0):
    """Mini-batch SGD on a 1-feature linear regression: batch size, learning rate, seed.

    Left: the path of (intercept, slope) on the loss's level sets, with a dot at the end of
    each epoch. Right: the full-data loss after each update and after each epoch (x axis in
    epochs, so batch sizes compare at equal work). "new seed" reshuffles.

    Args:
        batch_size: one of 1, 2, 4, ..., 256 (256 = the full batch).
        lr: learning rate (1e-4 to 3).
        epochs: passes over the data (1 to 20).
        seed: shuffling seed.

    Returns:
        A ``DashboardBox``; ``.dashboard`` holds controls, artists and ``static_figure()``.
    """
    return BatchSize(batch_size=batch_size, lr=lr, epochs=epochs, seed=seed).widget
