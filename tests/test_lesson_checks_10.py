"""Lesson 10's exercises as a table: right answers, written in several styles, pass every
case; each wrong answer fails with the phrase that names its mistake. Below the table: the
task texts' worked examples, recomputed by hand.

The answers are written from the lesson's task text, independently of
gdlab/checks/lesson10.py.
"""
import numpy as np

from lesson_verdict import table_tests


# ------------------------------------------------------------------ right answers
def newton_step(x, g, H):
    return x - np.linalg.solve(H, g)


RIGHT = [
    ("10-newton-step", "np.linalg.solve", {"newton_step": newton_step}),
    ("10-newton-step", "lstsq", {"newton_step": lambda x, g, H: x - np.linalg.lstsq(
        H, g, rcond=None)[0]}),
]


# ------------------------------------------------------------------ wrong answers
WRONG = [
    ("10-newton-step", {"newton_step": lambda x, g, H: x - H @ g}, "solve"),
    ("10-newton-step", {"newton_step": lambda x, g, H: x - g / np.diag(H)}, "diagonal"),
]

test_right_answer_passes, test_wrong_answer_names_its_mistake = table_tests(RIGHT, WRONG)


def test_task_examples_hold_for_the_right_answers():
    assert np.allclose(newton_step(np.array([1.0, 2.0]), np.array([2.0, 3.0]),
                                   np.diag([2.0, 3.0])), [0.0, 1.0])
