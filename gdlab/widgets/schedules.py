"""Dashboard: learning-rate schedules, and what they do to SGD in a noise band.

The problem is a quadratic f(x) = 1/2 x^T A x, A = diag(1, 0.1) (L = 1), whose gradient is
seen with noise: g_k = A x_k + sigma xi_k, xi_k ~ N(0, I) (fixed by the seed). SGD
x_{k+1} = x_k - lr_k g_k with a constant rate stalls where the pull towards the minimum
balances the noise, at a loss of roughly lr sigma^2 / 4 per coordinate; shrinking lr_k
lowers that floor. The schedules are gdlab.schedules callables (step index -> lr), so what
the dashboard draws is exactly what ``lr=schedule`` does in gdlab.optim.
"""
from __future__ import annotations

import numpy as np

from gdlab._validation import Interval, Options, check
from gdlab.optim import SGD

from ._base import COLORS, Dashboard, check_int, check_range, divergence_message
from ._base import float_slider, log_slider, new_view

MAX_STEPS = 1000
A_DIAG = np.array([1.0, 0.1])
X0 = np.array([3.0, 3.0])

# schedule -> the controls that configure it (besides lr, warmup and steps)
SETTINGS = {
    "constant": (),
    "step_decay": ("step_size", "step_gamma"),
    "exponential": ("exp_gamma",),
    "inverse_time": ("decay", "power"),
    "cosine": ("min_lr_fraction",),
    "reduce_on_plateau": ("factor", "patience"),
}
DEFAULTS = {"step_size": 100, "step_gamma": 0.5, "exp_gamma": 0.99, "decay": 0.02,
            "power": 1.0, "min_lr_fraction": 0.0, "factor": 0.5, "patience": 20}


def nice_ceiling(v):
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above v (stable axis limits)."""
    if v <= 0 or not np.isfinite(v):
        return 1.0
    e = np.floor(np.log10(v))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10 ** e >= v * (1 - 1e-12):
            return float(m * 10 ** e)
    return float(10 ** (e + 1))  # pragma: no cover - loop always returns


class Schedules(Dashboard):
    name = "schedules"
    figsize = (9.0, 3.6)

    def __init__(self, schedule="step_decay", *, lr=0.5, steps=400, noise=0.5,
                 warmup_steps=0, seed=0, **settings):
        check(schedule, "schedule", Options(*SETTINGS))
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"Invalid schedule setting(s): {sorted(unknown)} (valid: "
                             f"{', '.join(DEFAULTS)})")
        lr = check_range("lr", lr, 1e-3, 3, label="learning rate")
        self._init = dict(DEFAULTS)
        self._init.update(settings)
        self._init.update(schedule=schedule, lr=lr,
                          steps=check_int("steps", steps, 10, MAX_STEPS),
                          noise=check(noise, "noise", Interval(0, None)),
                          warmup_steps=check_int("warmup_steps", warmup_steps, 0, MAX_STEPS))
        self.seed = int(seed)
        self._noise_cache = {}
        self._start()

    def _build_controls(self):
        import ipywidgets as W

        i = self._init
        c = {
            "schedule": W.Dropdown(options=list(SETTINGS), value=i["schedule"],
                                   description="schedule"),
            "lr": log_slider("lr", i["lr"], -3, np.log10(3), fmt=".3g"),
            "warmup_steps": W.IntSlider(value=i["warmup_steps"], min=0, max=200,
                                        description="warmup", continuous_update=True),
            "steps": W.IntSlider(value=i["steps"], min=10, max=MAX_STEPS, description="steps",
                                 continuous_update=True),
            "noise": float_slider("noise σ", i["noise"], 0.0, 2.0, 0.01, fmt=".2f"),
            "step_size": W.IntSlider(value=int(i["step_size"]), min=1, max=500,
                                     description="step_size", continuous_update=True),
            "step_gamma": float_slider("gamma", i["step_gamma"], 0.05, 1.0, 0.01, fmt=".2f"),
            "exp_gamma": float_slider("gamma", i["exp_gamma"], 0.9, 1.0, 0.001, fmt=".3f"),
            "decay": log_slider("decay", i["decay"], -4, 0, fmt=".3g"),
            "power": float_slider("power", i["power"], 0.25, 2.0, 0.05, fmt=".2f"),
            "min_lr_fraction": float_slider("min lr/lr", i["min_lr_fraction"], 0.0, 1.0, 0.01,
                                            fmt=".2f"),
            "factor": float_slider("factor", i["factor"], 0.05, 0.95, 0.01, fmt=".2f"),
            "patience": W.IntSlider(value=int(i["patience"]), min=1, max=100,
                                    description="patience", continuous_update=True),
        }
        return c

    def _show_relevant_controls(self):
        wanted = set(SETTINGS[self.controls["schedule"].value])
        for name in DEFAULTS:
            self.controls[name].layout.display = None if name in wanted else "none"

    def make_schedule(self):
        """The gdlab.schedules callable the controls describe."""
        from gdlab import schedules as S

        c = {k: w.value for k, w in self.controls.items()}
        lr, kind, steps = float(c["lr"]), c["schedule"], int(c["steps"])
        if kind == "constant":
            sched = S.constant(lr)
        elif kind == "step_decay":
            sched = S.step_decay(lr, step_size=int(c["step_size"]), gamma=float(c["step_gamma"]))
        elif kind == "exponential":
            sched = S.exponential(lr, gamma=float(c["exp_gamma"]))
        elif kind == "inverse_time":
            sched = S.inverse_time(lr, decay=float(c["decay"]), power=float(c["power"]))
        elif kind == "cosine":
            sched = S.cosine(lr, total_steps=steps, min_lr=float(c["min_lr_fraction"]) * lr)
        else:
            sched = S.ReduceOnPlateau(lr, factor=float(c["factor"]),
                                      patience=int(c["patience"]))
        if int(c["warmup_steps"]) > 0:
            sched = S.warmup(sched, warmup_steps=int(c["warmup_steps"]))
        return sched

    def _noise(self, steps):
        if steps not in self._noise_cache:
            rng = np.random.default_rng(self.seed)
            self._noise_cache = {steps: rng.standard_normal((steps, 2))}
        return self._noise_cache[steps]

    def _build_view(self, fig, animated):
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.9, wspace=0.25)
        ax_lr, ax_loss = fig.subplots(1, 2)
        ax_lr.set_title("learning rate", fontsize=11)
        ax_lr.set_xlabel("update $k$")
        ax_lr.set_ylabel(r"$\eta_k$")
        ax_lr.grid(True, alpha=0.3)
        lr_line, = ax_lr.plot([], [], "-", color=COLORS["blue"], lw=1.8, animated=animated)
        limit = ax_lr.axhline(2.0, color=COLORS["vermillion"], lw=0.8, ls="--", label="2/L")
        ax_lr.legend(handles=[limit], fontsize=8, loc="upper right")
        info = ax_lr.text(0.02, 0.97, "", transform=ax_lr.transAxes, va="top", fontsize=8.5,
                          animated=animated, bbox=dict(fc="white", ec="none", alpha=0.85))
        ax_loss.set_yscale("log")
        ax_loss.set_ylim(1e-5, 1e3)
        ax_loss.set_title("loss of SGD with noisy gradients", fontsize=11)
        ax_loss.set_xlabel("update $k$")
        ax_loss.set_ylabel("$f(x_k)$")
        ax_loss.grid(True, alpha=0.3)
        ref, = ax_loss.plot([], [], "-", color="0.6", lw=1.0, animated=animated,
                            label="constant lr")
        loss, = ax_loss.plot([], [], "-", color=COLORS["vermillion"], lw=1.3, animated=animated,
                             label="schedule")
        ax_loss.legend(handles=[loss, ref], fontsize=8, loc="upper right")
        return new_view(fig=fig, ax_lr=ax_lr, ax_loss=ax_loss, lr=lr_line, loss=loss,
                        ref=ref, info=info, warning=self._figure_warning(fig, animated))

    @staticmethod
    def _sgd(lr, noise, sigma):
        """gdlab.optim.SGD(lr=lr) with noisy gradients on the quadratic; lr is a float or a
        schedule, exactly as a learner would pass it. ReduceOnPlateau is fed every loss
        (its observe). Returns (rates used, loss at every iterate, step it blew up or None).
        """
        opt = SGD(lr=lr)
        observe = getattr(lr, "observe", None)
        x = X0.copy()
        lrs, losses = [], [0.5 * np.dot(A_DIAG * x, x)]
        with np.errstate(all="ignore"):
            for k in range(len(noise)):
                lrs.append(opt.current_lr)
                x = opt.step(x, A_DIAG * x + sigma * noise[k])
                losses.append(0.5 * np.dot(A_DIAG * x, x))
                if not np.isfinite(losses[-1]) or losses[-1] > 1e8:
                    return np.array(lrs), np.array(losses), k + 1
                if observe is not None:
                    observe(losses[-1])
        return np.array(lrs), np.array(losses), None

    def _compute(self):
        self._show_relevant_controls()
        c = self.controls
        steps, sigma, lr0 = int(c["steps"].value), float(c["noise"].value), float(c["lr"].value)
        noise = self._noise(steps)
        sched = self.make_schedule()
        self.schedule = sched
        self.lrs, self.losses, left = self._sgd(sched, noise, sigma)
        if left is not None and not hasattr(sched, "observe"):
            # draw the whole schedule, also past the blow-up (ReduceOnPlateau has no rates
            # beyond it: it only learns from the losses it has seen)
            self.lrs = np.array([float(sched(k)) for k in range(steps)])
        _, self.ref_losses, _ = self._sgd(lr0, noise, sigma)
        self.steps = steps
        self.warning = "" if left is None else divergence_message(
            left, float(np.max(self.lrs[:left])), limit=2.0 / float(A_DIAG.max()))
        self.floor = lr0 * sigma ** 2 / 4 * len(A_DIAG)

    def _apply(self, view):
        k = np.arange(len(self.lrs))
        view.lr.set_data(k, self.lrs)
        view.ax_lr.set_xlim(0, self.steps)
        view.ax_lr.set_ylim(0, max(nice_ceiling(1.15 * float(np.max(self.lrs))), 2.5))
        view.loss.set_data(np.arange(len(self.losses)), np.maximum(self.losses, 1e-300))
        view.ref.set_data(np.arange(len(self.ref_losses)), np.maximum(self.ref_losses, 1e-300))
        view.ax_loss.set_xlim(0, self.steps)
        tail = self.losses[-max(len(self.losses) // 10, 1):]
        view.info.set_text(f"final lr = {self.lrs[-1]:.3g}\n"
                           f"mean loss, last 10%: {np.mean(tail):.3g}")

    def _status_text(self):
        tail = self.ref_losses[-max(len(self.ref_losses) // 10, 1):]
        return (f"constant lr = {float(self.controls['lr'].value):.3g}: loss floor about "
                f"lr·σ²·d/4 = {self.floor:.3g}, measured {np.mean(tail):.3g}")


def schedules(schedule="step_decay", *, lr=0.5, steps=400, noise=0.5, warmup_steps=0, seed=0,
              **settings):
    """Schedule explorer: the learning rate against steps, and the loss of SGD with noisy
    gradients under that schedule (grey: the same run at a constant rate).

    Args:
        schedule: 'constant', 'step_decay', 'exponential', 'inverse_time', 'cosine' or
            'reduce_on_plateau' (gdlab.schedules).
        lr: base learning rate (0.001 to 3; L = 1 so 2/L = 2 is the stability limit).
        steps: number of updates (10 to 1000); cosine decays over all of them.
        noise: standard deviation sigma of the gradient noise.
        warmup_steps: linear warmup length wrapped around the schedule (0 = none).
        seed: seed of the gradient noise.
        **settings: initial values of step_size, step_gamma (step_decay), exp_gamma
            (exponential), decay, power (inverse_time), min_lr_fraction (cosine), factor,
            patience (reduce_on_plateau).

    Returns:
        A ``DashboardBox``; ``.dashboard`` holds controls, artists and ``static_figure()``.
    """
    return Schedules(schedule, lr=lr, steps=steps, noise=noise, warmup_steps=warmup_steps,
                     seed=seed, **settings).widget
