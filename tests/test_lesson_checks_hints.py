"""Hints of every exercise of every lesson escalate, then repeat the last and say so.

Parametrised over gdlab/checks/lessonNN.py as found, so a new exercise is covered without
an edit here.
"""
import pytest

from gdlab.checks import core, exercises, hint
from gdlab.checks.registry import available_lessons

ALL = [ex for lesson in available_lessons() for ex in exercises(lesson)]


def test_every_lesson_is_covered():
    assert {ex.lesson for ex in ALL} == set(available_lessons())


# Exercises whose answer is the learner's own judgement: a hint that handed over the answer
# would grade the hint, not the learner, so their last hint teaches the method instead.
JUDGEMENT = {"11-config", "11-decisions"}

@pytest.mark.parametrize("ex", ALL, ids=[ex.id for ex in ALL])
def test_each_call_shows_the_next_hint_then_repeats_the_last(ex, capsys, monkeypatch):
    monkeypatch.setattr(core, "_hints_shown", {})
    hints = ex.hints
    assert len(hints) >= 2, f"{ex.id} has {len(hints)} hint(s): a learner needs a nudge " \
                            "and a stronger one"
    shown = []
    for _ in range(len(hints) + 2):
        hint(ex.id)
        shown.append(capsys.readouterr().out)
    n = len(hints)
    for k, text in enumerate(shown[:n]):
        assert text.startswith(f"Hint {k + 1} of {n} for {ex.id}"), text
        assert hints[k] in text
        assert ("this is the last hint" in text) == (k == n - 1), text
    for text in shown[n:]:
        assert text.startswith(f"Hint {n} of {n} for {ex.id}"), text
        assert "no more hints: this repeats the last one" in text and hints[-1] in text
    if ex.kind == "function" and ex.id not in JUDGEMENT:
        # the strongest hint is concrete enough to end the search: it shows the return
        assert "return" in hints[-1], hints[-1]
