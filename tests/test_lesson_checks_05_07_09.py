"""Exercises of lessons 05, 06, 07 and 09, solved from their task text alone.

A right answer passes every case; each common wrong answer fails with the message that
names its mistake. The answers here were written from the released lessons' task
statements, independently of gdlab/checks/lesson0[5-9].py.
"""
import math

import numpy as np
import pytest

from lesson_verdict import verdict


# ------------------------------------------------------------------ lesson 05
def stability_limit(A):
    L = float(np.linalg.eigvalsh(A)[-1])
    return (L, 2.0 / L)


def step_decay_lr(step, lr, step_size, gamma):
    return lr * gamma ** (step // step_size)


def cosine_lr(step, lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return min_lr
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * step / total_steps))


def warmup_lr(step, schedule, warmup_steps):
    if step < warmup_steps:
        return schedule(0) * step / warmup_steps
    return schedule(step - warmup_steps)


# ------------------------------------------------------------------ lesson 06
def standardize_train_test(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std


def iterations_to_converge(kappa, tol=1e-6, max_iter=100_000):
    x, lr = np.array([1.0, 1.0]), 2.0 / (kappa + 1.0)
    for k in range(max_iter + 1):
        if np.linalg.norm(x) <= tol:
            return k
        x = x - lr * np.array([x[0], kappa * x[1]])
    return max_iter


def clip_by_global_norm(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    scale = 1.0 if total <= max_norm else max_norm / total
    return [g * scale for g in grads]


# ------------------------------------------------------------------ lesson 07
def momentum_step(x, v, g, lr, momentum):
    v_new = momentum * v + g
    return x - lr * v_new, v_new


def _adam_moments(m, v, g, t, beta1, beta2):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    return m_new, v_new, m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)


def adam_step(x, m, v, g, t, lr, beta1, beta2, eps):
    m_new, v_new, m_hat, v_hat = _adam_moments(m, v, g, t, beta1, beta2)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def adamw_step(x, m, v, g, t, lr, beta1, beta2, eps, weight_decay):
    m_new, v_new, m_hat, v_hat = _adam_moments(m, v, g, t, beta1, beta2)
    return x * (1 - lr * weight_decay) - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


# ------------------------------------------------------------------ lesson 09
def early_stopping(val_losses, patience):
    best = 0
    for epoch in range(len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        if epoch - best == patience:
            return best, epoch
    return best, len(val_losses) - 1


def newton_step(x, g, H):
    return x - np.linalg.solve(H, g)


def lr_grid_search(objective, x0, lrs, steps):
    losses = []
    with np.errstate(all="ignore"):
        for lr in lrs:
            x = np.array(x0, dtype=float)
            for _ in range(steps):
                x = x - lr * objective.grad(x)
            losses.append(float(objective.f(x)))
    losses = np.array(losses)
    finite = np.where(np.isfinite(losses), losses, np.inf)
    return float(lrs[int(np.argmin(finite))]), losses


RIGHT = [
    ("05-stability-limit", {"stability_limit": stability_limit}),
    ("05-step-decay", {"step_decay_lr": step_decay_lr}),
    ("05-cosine", {"cosine_lr": cosine_lr}),
    ("05-warmup", {"warmup_lr": warmup_lr}),
    ("06-standardize", {"standardize_train_test": standardize_train_test}),
    ("06-iterations-kappa", {"iterations_to_converge": iterations_to_converge}),
    ("06-clip-global", {"clip_by_global_norm": clip_by_global_norm}),
    ("07-momentum-step", {"momentum_step": momentum_step}),
    ("07-adam-step", {"adam_step": adam_step}),
    ("07-adamw-step", {"adamw_step": adamw_step}),
    ("09-early-stopping", {"early_stopping": early_stopping}),
    ("09-newton-step", {"newton_step": newton_step}),
    ("09-lr-grid", {"lr_grid_search": lr_grid_search}),
]


@pytest.mark.parametrize("exercise_id, namespace", RIGHT, ids=[r[0] for r in RIGHT])
def test_right_answer_passes(exercise_id, namespace, capsys):
    assert verdict(exercise_id, **namespace) == "PASS"
    assert f"✔ {exercise_id}: all" in capsys.readouterr().out


def _adam_without_bias_correction(x, m, v, g, t, lr, beta1, beta2, eps):
    m_new, v_new, _, _ = _adam_moments(m, v, g, t, beta1, beta2)
    return x - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new


def _adam_l2(x, m, v, g, t, lr, beta1, beta2, eps, weight_decay):
    # the classic bug: weight decay added to the gradient (L2), not to the parameters
    return adam_step(x, m, v, g + weight_decay * x, t, lr, beta1, beta2, eps)


def _momentum_classical(x, v, g, lr, momentum):
    v_new = momentum * v + (1 - momentum) * g
    return x - lr * v_new, v_new


def _grid_lets_nan_win(objective, x0, lrs, steps):
    # np.argmin returns the first NaN it meets: a diverged run wins the search
    _, losses = lr_grid_search(objective, x0, lrs, steps)
    return float(lrs[int(np.argmin(losses))]), losses


WRONG = [
    ("05-step-decay",
     {"step_decay_lr": lambda step, lr, step_size, gamma: lr * gamma ** ((step + 1) // step_size)},
     "Off by one"),
    ("05-stability-limit",
     {"stability_limit": lambda A: (float(np.linalg.eigvalsh(A)[0]),
                                    2.0 / float(np.linalg.eigvalsh(A)[0]))},
     "smallest"),
    ("06-clip-global",
     {"clip_by_global_norm": lambda grads, m: [g * min(1.0, m / np.linalg.norm(g)) for g in grads]},
     "on its own"),
    ("06-standardize",
     {"standardize_train_test": lambda a, b: ((a - a.mean(0)) / a.std(0),
                                              (b - b.mean(0)) / b.std(0))},
     "OWN mean and std"),
    ("07-momentum-step", {"momentum_step": _momentum_classical}, "(1 - mu) g"),
    ("07-adam-step", {"adam_step": _adam_without_bias_correction}, "bias correction"),
    ("07-adamw-step", {"adamw_step": _adam_l2}, "gradient"),
    ("09-lr-grid", {"lr_grid_search": _grid_lets_nan_win}, "nan"),
    ("09-newton-step", {"newton_step": lambda x, g, H: x - H @ g}, "solve"),
]


@pytest.mark.parametrize("exercise_id, namespace, expected", WRONG,
                         ids=[f"{w[0]}:{w[2]}" for w in WRONG])
def test_mistake_is_named(exercise_id, namespace, expected):
    message = verdict(exercise_id, **namespace)
    assert message != "PASS"
    assert expected.lower() in message.lower(), message
