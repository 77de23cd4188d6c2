"""Every exercise has rows in its lesson's table, tests/test_lesson_checks_NN.py: at least
two right answers in different styles and at least one wrong answer.

So a new exercise (or a new lesson with exercises) without table rows fails here, naming
the file and the exercise.
"""
import importlib.util
from pathlib import Path

import pytest

from gdlab.checks import exercises
from gdlab.checks.registry import available_lessons

TESTS = Path(__file__).resolve().parent
ALL = [ex for lesson in available_lessons() for ex in exercises(lesson)]


def _table(lesson):
    path = TESTS / f"test_lesson_checks_{lesson}.py"
    assert path.is_file(), f"lesson {lesson} has exercises but no {path.name}"
    spec = importlib.util.spec_from_file_location(f"_table_{lesson}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RIGHT, module.WRONG


@pytest.mark.parametrize("ex", ALL, ids=[ex.id for ex in ALL])
def test_exercise_has_right_and_wrong_rows(ex):
    right, wrong = _table(ex.lesson)
    styles = [row[1] for row in right if row[0] == ex.id]
    assert len(set(styles)) >= 2, (
        f"test_lesson_checks_{ex.lesson}.py: RIGHT has {len(set(styles))} style(s) for "
        f"{ex.id}; add right answers written in at least two different styles")
    assert any(row[0] == ex.id for row in wrong), (
        f"test_lesson_checks_{ex.lesson}.py: WRONG has no row for {ex.id}; add each "
        "declared mistake with the phrase the learner must read")
