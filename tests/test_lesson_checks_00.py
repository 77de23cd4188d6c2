"""Lesson 00's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson00.py.
"""
import numpy as np

from lesson_verdict import table_tests


def _inplace_step(x, g, lr):
    x -= lr * g
    return x


RIGHT = [
    ("00-mean", "sum over len", {"mean_of": lambda v: float(sum(v) / len(v))}),
    ("00-mean", "np.mean", {"mean_of": lambda v: float(np.mean(v))}),
    ("00-points", "list of pairs", {"as_points": lambda xs, ys: np.array(
        [[a, b] for a, b in zip(xs, ys)], dtype=float)}),
    ("00-points", "column_stack", {"as_points": lambda xs, ys: np.column_stack(
        [np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)])}),
    ("00-step", "x - lr * g", {"descent_step": lambda x, g, lr: x - lr * g}),
    ("00-step", "on a copy", {"descent_step": lambda x, g, lr: np.subtract(
        np.array(x, dtype=float), np.multiply(lr, g))}),
]

WRONG = [
    ("00-mean", {"mean_of": lambda v: float(np.sum(v))}, "sum where a mean"),
    ("00-mean", {"mean_of": lambda v: float(np.sum(v) / (len(v) - 1))}, "len(values) - 1"),
    ("00-points", {"as_points": lambda x, y: np.array([x, y])}, "transposed"),
    ("00-points", {"as_points": lambda x, y: np.column_stack([y, x])}, "swapped"),
    ("00-step", {"descent_step": lambda x, g, lr: x + lr * g}, "You ADD lr * g"),
    ("00-step", {"descent_step": lambda x, g, lr: x - g}, "learning rate is missing"),
    ("00-step", {"descent_step": _inplace_step}, "changed its input `x` in place"),
]


test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)
