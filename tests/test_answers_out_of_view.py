"""No answer in plain view (issue 19, item 2): what a value or choice exercise's check would
accept is not written in the released lesson, before or after its check cell (markdown and
code, stubs included). The check reveals it, on a pass; the lesson text does not.

* Value exercises (and function exercises called with no arguments, like
  07-choose-momentum): every number written in the lesson is put to the exercise's own
  judge; none may pass. A number inside the accepted window counts as the answer.
* Choice exercises: the right option's claim, as a run of words, appears nowhere in the
  lesson but in the option itself.
"""
import json
import re
from pathlib import Path

import pytest

from gdlab.checks import Outcome, evaluate, exercises
from gdlab.checks.registry import available_lessons

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
WORDS = 7           # a run of this many words of the right option, found elsewhere, restates it
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")


# Numbers in the accepted window that the lesson writes for something else (checked by
# reading each): (exercise, number) -> what it is.
COINCIDENCES = {
    ("05-predict-half-rate", "200"): "the 200-step learning-rate sweep and the 200 data "
                                     "points of the schedule race, not a step count at 1/11",
    ("05-predict-half-rate", "210"): "the 210 updates of the learning-rate sweep's 15 epochs",
    ("07-choose-momentum", "0.8"): "linewidth=0.8 of the dotted reference line in two "
                                   "plotting cells, not a momentum",
}


def _lesson(lesson):
    path = next(LESSONS.glob(f"{lesson}_*.ipynb"))
    return json.loads(path.read_text(encoding="utf-8"))


def _cells(lesson):
    return ["".join(c["source"]) for c in _lesson(lesson)["cells"]]


def _no_argument_exercises():
    out = []
    for lesson in available_lessons():
        for ex in exercises(lesson):
            cases = ex.make_cases()
            if len(cases) == 1 and not cases[0].args and not cases[0].kwargs:
                out.append(ex)
    return out


def _is_choice(ex):
    value = ex.reference()
    return isinstance(value, str) and len(value.strip()) == 1


def _accepted_numbers(ex, text):
    found = []
    for token in sorted(set(_NUMBER.findall(text))):
        try:
            number = float(token.replace("_", ""))
        except ValueError:
            continue
        try:
            result = evaluate(ex, [Outcome("returned", value=number)])
        except Exception:
            continue
        if result.status == "passed":
            found.append(token)
    return found


def _words(text):
    text = re.sub(r"\*\*|`|\$", " ", text)
    return re.findall(r"[a-z0-9]+(?:[.'][a-z0-9]+)*", text.lower())


def _task_cells(ex):
    """Indices of the cells of the exercise's task: after the previous check cell, up to
    its own solution cell."""
    cells = _lesson(ex.lesson)["cells"]
    meta = [c.get("metadata", {}).get("nbgrader", {}) for c in cells]
    end = next(i for i, m in enumerate(meta) if m.get("grade_id") == f"{ex.id}-solution")
    start = max([i for i, m in enumerate(meta[:end]) if m.get("grade") and
                 not m.get("solution")], default=-1) + 1
    return range(start, end)


def _option_text(cells, letter, where):
    pattern = re.compile(rf"^\s*[*-]\s*\*\*{letter}\.\*\*(.*(?:\n(?!\s*[*-]\s*\*\*[A-Z]\.)"
                         r"(?!\s*$).*)*)", re.M)
    for i in where:
        m = pattern.search(cells[i])
        if m:
            return i, m.group(0), m.group(1)
    return None, None, None


def _restated(cells, letter, where=None):
    """Runs of WORDS words of the right option (looked for in the cells ``where``) found
    elsewhere in the lesson; none when the task lists no options (the letters name runs
    in a figure, as in 09-read-curves)."""
    where = range(len(cells)) if where is None else where
    index, whole, option = _option_text(cells, letter, where)
    if option is None:
        return []
    words = _words(option)
    runs = {" ".join(words[i:i + WORDS]) for i in range(len(words) - WORDS + 1)}
    elsewhere = [c.replace(whole, " ") if i == index else c for i, c in enumerate(cells)]
    text = " ".join(" ".join(_words(c)) for c in elsewhere)
    return sorted(r for r in runs if r in text)


def offenders(ex):
    cells = _cells(ex.lesson)
    if _is_choice(ex):
        return _restated(cells, ex.reference().strip().upper(), _task_cells(ex))
    return [n for n in _accepted_numbers(ex, "\n".join(cells))
            if (ex.id, n) not in COINCIDENCES]


@pytest.mark.parametrize("ex", [pytest.param(e, id=e.id) for e in _no_argument_exercises()])
def test_the_accepted_answer_is_not_in_the_lesson_text(ex):
    found = offenders(ex)
    assert not found, f"{ex.id}: the lesson text gives away what its check accepts: {found}"


def test_the_scan_finds_an_answer_written_in_plain_view():
    """The detector itself: a number in the window and a restated option are both found."""
    from gdlab.checks import get_exercise
    ex = get_exercise("05-predict-half-rate")
    answer = ex.reference()
    assert _accepted_numbers(ex, f"It takes about {answer:.0f} steps.")
    assert not _accepted_numbers(ex, f"It takes about {answer * 3:.0f} steps.")
    cells = ["* **A.** wrong\n* **B.** the slope grows while the curvature falls off fast\n"
             "* **C.** other", "As we saw, the slope grows while the curvature falls off."]
    assert "the slope grows while the curvature falls" in _restated(cells, "B")
    assert _restated(cells, "A") == []
    assert _restated(["no options here", "the slope grows"], "B") == []
