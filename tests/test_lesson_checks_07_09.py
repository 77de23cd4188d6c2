"""Exercises of lessons 07 and 09, solved by a newcomer from the released task text.

Each right answer below was written from the lesson's task statement alone (a different
style from gdlab/checks/lesson07.py and lesson09.py and from test_lesson_checks_05_07_09.py)
and must pass every case; each plausible wrong answer must fail with feedback that names
its mistake rather than a bare "wrong values"; hints must escalate and then repeat.
"""
import numpy as np
import pytest

import gdlab
from gdlab.checks import core, hint
from lesson_verdict import verdict


# ------------------------------------------------------------------ right answers
def momentum_step(x, v, g, lr, momentum):
    velocity = momentum * v + g
    return x - lr * velocity, velocity


def adam_step(x, m, v, g, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * np.square(g)
    step = (m_new / (1 - beta1 ** t)) / (np.sqrt(v_new / (1 - beta2 ** t)) + eps)
    return x - lr * step, m_new, v_new


def adamw_step(x, m, v, g, t, lr, beta1, beta2, eps, weight_decay):
    moved, m_new, v_new = adam_step(x, m, v, g, t, lr, beta1, beta2, eps)
    return moved - lr * weight_decay * x, m_new, v_new       # decay of the OLD x, times lr


def choose_momentum():
    # measured like a learner would: a coarse grid of runs with gdlab, keep the fastest
    bowl = gdlab.objectives.ill_conditioned(100, angle=np.pi / 6)
    x0 = np.array([-2.5, 1.5])
    target = 1e-10 * bowl.f(x0)

    def count(mu):
        h = gdlab.train.minimize(bowl, x0, gdlab.optim.SGD(lr=0.01, momentum=mu), steps=600,
                                 callback=lambda step, x, loss: loss < target)
        return h.n_updates

    grid = [0.6, 0.7, 0.75, 0.8, 0.85, 0.9]
    return min(grid, key=count)


def constant_gradient_steps(g, k, lr, alpha, eps):
    ada_sum = g * g * k
    rms_avg = g * g * (1.0 - alpha ** k)
    return (-(lr * g) / (ada_sum ** 0.5 + eps), -(lr * g) / (rms_avg ** 0.5 + eps))


def adamw_explanation():
    return " c "      # the check reads the letter, not the spacing or the case


def early_stopping(val_losses, patience):
    best_epoch = 0
    for e in range(1, len(val_losses)):
        if val_losses[e] < min(val_losses[:e]):
            best_epoch = e
        if e - best_epoch == patience:
            return best_epoch, e
    return best_epoch, len(val_losses) - 1


def newton_step(x, g, H):
    return x - np.linalg.solve(H, g)


def lr_grid_search(objective, x0, lrs, steps):
    finals = np.empty(len(lrs))
    with np.errstate(all="ignore"):
        for i, lr in enumerate(lrs):
            x = np.asarray(x0, dtype=float).copy()
            for _ in range(steps):
                x = x - lr * objective.grad(x)
            finals[i] = objective.f(x)
    return float(lrs[np.nanargmin(np.where(np.isfinite(finals), finals, np.nan))]), finals


RIGHT = {
    "07-momentum-step": ("momentum_step", momentum_step),
    "07-adam-step": ("adam_step", adam_step),
    "07-adamw-step": ("adamw_step", adamw_step),
    "07-choose-momentum": ("choose_momentum", choose_momentum),
    "07-adaptive-steps": ("constant_gradient_steps", constant_gradient_steps),
    "07-why-adamw": ("adamw_explanation", adamw_explanation),
    "09-early-stopping": ("early_stopping", early_stopping),
    "09-newton-step": ("newton_step", newton_step),
    "09-lr-grid": ("lr_grid_search", lr_grid_search),
}


@pytest.mark.parametrize("exercise_id", list(RIGHT))
def test_right_answer_passes(exercise_id, capsys):
    name, fn = RIGHT[exercise_id]
    assert verdict(exercise_id, **{name: fn}) == "PASS"
    out = capsys.readouterr().out   # "all 5 cases pass", or "1 case passes" for one case
    assert out.startswith(f"✔ {exercise_id}: ") and " pass" in out, out


def test_task_examples_hold_for_the_right_answers():
    # the worked examples printed in the task statements, recomputed by hand
    x, v = momentum_step(np.array([1.0]), np.array([0.5]), np.array([2.0]), 0.1, 0.9)
    assert np.allclose(v, [2.45]) and np.allclose(x, [0.755])
    x, m, v = adam_step(np.array([1.0]), np.zeros(1), np.zeros(1), np.array([4.0]), 1, 0.1,
                        0.9, 0.999, 1e-8)
    assert np.allclose(x, [0.9]) and np.allclose(m, [0.4]) and np.allclose(v, [0.016])
    x, _, _ = adamw_step(np.array([2.0]), np.zeros(1), np.zeros(1), np.zeros(1), 1, 0.1, 0.9,
                         0.999, 1e-8, 0.5)
    assert np.allclose(x, [1.9])
    assert early_stopping(np.array([5.0, 4.0, 3.0, 2.5, 3.5, 3.2, 2.9, 3.0]), 2) == (3, 5)
    assert np.allclose(newton_step(np.array([1.0, 2.0]), np.array([2.0, 3.0]),
                                   np.diag([2.0, 3.0])), [0.0, 1.0])
    best, losses = lr_grid_search(gdlab.objectives.ill_conditioned(10), np.array([1.0, 1.0]),
                                  np.array([0.001, 0.01, 0.1, 0.5]), 30)
    assert best == 0.1 and (not np.isfinite(losses[-1]) or losses[-1] > 1e30)


# ------------------------------------------------------------------ wrong answers
def _adam_returns_corrected(x, m, v, g, t, lr, beta1, beta2, eps):
    x_new, m_new, v_new = adam_step(x, m, v, g, t, lr, beta1, beta2, eps)
    return x_new, m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)


def _adam_eps_inside(x, m, v, g, t, lr, beta1, beta2, eps):
    _, m_new, v_new = adam_step(x, m, v, g, t, lr, beta1, beta2, eps)
    m_hat, v_hat = m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)
    return x - lr * m_hat / np.sqrt(v_hat + eps), m_new, v_new


def _adamw_decays_new_x(x, m, v, g, t, lr, beta1, beta2, eps, weight_decay):
    moved, m_new, v_new = adam_step(x, m, v, g, t, lr, beta1, beta2, eps)
    return moved * (1 - lr * weight_decay), m_new, v_new


def _adamw_without_lr(x, m, v, g, t, lr, beta1, beta2, eps, weight_decay):
    moved, m_new, v_new = adam_step(x, m, v, g, t, lr, beta1, beta2, eps)
    return moved - weight_decay * x, m_new, v_new


def _early_stop_late(val_losses, patience):
    best, stop = early_stopping(val_losses, patience)
    return best, min(stop + 1, len(val_losses) - 1)


def _grid_returns_index(objective, x0, lrs, steps):
    best, losses = lr_grid_search(objective, x0, lrs, steps)
    return int(np.flatnonzero(lrs == best)[0]), losses


def _grid_nan_wins(objective, x0, lrs, steps):
    _, losses = lr_grid_search(objective, x0, lrs, steps)
    return float(lrs[np.argmin(losses)]), losses


WRONG = [
    ("07-momentum-step", "momentum_step",
     lambda x, v, g, lr, mu: momentum_step(x, v, g, lr, mu)[::-1], "wrong order"),
    ("07-momentum-step", "momentum_step",
     lambda x, v, g, lr, mu: (x - lr * v, mu * v + g), "OLD velocity"),
    ("07-momentum-step", "momentum_step",
     lambda x, v, g, lr, mu: (x - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
     "(1 - momentum) * g"),
    ("07-adam-step", "adam_step", _adam_returns_corrected, "bias-CORRECTED"),
    ("07-adam-step", "adam_step",
     lambda x, m, v, g, t, *rest: adam_step(x, m, v, g, t + 1, *rest), "t + 1"),
    ("07-adam-step", "adam_step", _adam_eps_inside, "eps is inside the square root"),
    ("07-adamw-step", "adamw_step", _adamw_decays_new_x, "NEW x"),
    ("07-adamw-step", "adamw_step", _adamw_without_lr, "not multiplied by the learning rate"),
    ("07-choose-momentum", "choose_momentum", lambda: 0.9, "usual default"),
    ("07-choose-momentum", "choose_momentum", lambda: 0.67, "section 1"),
    ("07-choose-momentum", "choose_momentum", lambda: 0.72, "too little momentum"),
    ("07-choose-momentum", "choose_momentum", lambda: 0.93, "too much momentum"),
    ("07-choose-momentum", "choose_momentum", lambda: 1.2, "below 1"),
    ("07-choose-momentum", "choose_momentum", lambda: "0.8", "one number"),
    ("07-adaptive-steps", "constant_gradient_steps",
     lambda g, k, lr, a, e: (-lr * g / (k ** 0.5 * abs(g) + e), -lr * g / (abs(g) + e)),
     "settles to"),
    ("07-adaptive-steps", "constant_gradient_steps",
     lambda g, k, lr, a, e: (-lr * g / (k ** 0.5 * abs(g) + e),
                             -lr * g / ((k * (1 - a)) ** 0.5 * abs(g) + e)),
     "geometric series"),
    ("07-adaptive-steps", "constant_gradient_steps",
     lambda g, k, lr, a, e: (-lr * np.sign(g) / k ** 0.5,
                             -lr * np.sign(g) / (1 - a ** k) ** 0.5), "left out eps"),
    ("07-why-adamw", "adamw_explanation", lambda: "A", "ridge solution"),
    ("07-why-adamw", "adamw_explanation", lambda: "b", "0.99"),
    ("07-why-adamw", "adamw_explanation", lambda: "D", "noise"),
    ("07-why-adamw", "adamw_explanation", lambda: "AC", "one of the letters"),
    ("09-early-stopping", "early_stopping",
     lambda v, p: (int(np.argmin(v)), len(v) - 1), "never stops early"),
    ("09-early-stopping", "early_stopping", _early_stop_late, "too late"),
    ("09-newton-step", "newton_step", lambda x, g, H: x - g / np.diag(H), "diagonal"),
    ("09-newton-step", "newton_step", lambda x, g, H: x - H @ g, "solve"),
    ("09-lr-grid", "lr_grid_search", _grid_returns_index, "index"),
    ("09-lr-grid", "lr_grid_search", _grid_nan_wins, "nan"),
]


@pytest.mark.parametrize("exercise_id, name, fn, expected", WRONG,
                         ids=[f"{w[0]}:{w[3]}" for w in WRONG])
def test_wrong_answer_names_its_mistake(exercise_id, name, fn, expected):
    message = verdict(exercise_id, **{name: fn})
    assert message != "PASS"
    assert expected.lower() in message.lower(), message


# ------------------------------------------------------------------ hints
@pytest.mark.parametrize("exercise_id", list(RIGHT))
def test_hints_escalate_then_repeat_the_last(exercise_id, capsys, monkeypatch):
    monkeypatch.setattr(core, "_hints_shown", {})
    hints = core.get_exercise(exercise_id).hints
    assert len(hints) >= 3
    shown = []
    for _ in range(len(hints) + 1):
        hint(exercise_id)
        shown.append(capsys.readouterr().out)
    for k, text in enumerate(shown[:-1]):
        assert text.startswith(f"Hint {k + 1} of {len(hints)}") and hints[k] in text
    assert "no more hints" in shown[-1] and hints[-1] in shown[-1]
    # the last hint is the most concrete: it names the function's return
    assert "return" in hints[-1]
