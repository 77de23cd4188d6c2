"""The notebook-facing checks: ``check(id)``, ``hint(id)``, ``progress()``.

Lesson files declare exercises with the names re-exported here::

    from gdlab.checks.core import exercise, Case, Ref, Mistake, Forbid

The pieces live in small modules: ``registry`` (declarations), ``encode`` (results as
JSON), ``compare`` (what is wrong, in words), ``judge`` (run_cases, probe, evaluate),
``feedback`` (exceptions and the progress table).
"""
import sys

from gdlab.checks.compare import as_float_array, diagnose, explain_array_mismatch
from gdlab.checks.encode import decode, encode
from gdlab.checks.judge import (NOT_ATTEMPTED, PASSED, Outcome, Result, decode_probe,
                                evaluate, probe, run_cases)
from gdlab.checks.feedback import (ExerciseFailed, NotAttempted, PartlyRight, Progress,
                                   ProgressRow)
from gdlab.checks.registry import (Case, Exercise, Forbid, Mistake, Ref, choice_exercise, exercise,
                                   exercises, get_exercise, normalize_lesson)

__all__ = ["exercise", "choice_exercise", "Case", "Ref", "Mistake", "Forbid", "Exercise", "get_exercise", "exercises",
           "check", "hint", "progress", "reset_session", "set_hint_cap", "ExerciseFailed", "NotAttempted",
           "PartlyRight",
           "Result", "Outcome", "evaluate", "run_cases", "probe", "decode_probe",
           "explain_array_mismatch", "as_float_array", "diagnose", "encode", "decode",
           "Progress"]

NOT_CHECKED = "not checked yet"

# Session state of this kernel: the last verdict per exercise and hints shown so far.
_results = {}
_hints_shown = {}


def reset_session():
    """Forget every check result and hint counter (as a fresh kernel would)."""
    _results.clear()
    _hints_shown.clear()


def check(exercise_id, namespace=None):
    """Check the learner's answer to one exercise.

    The target (e.g. the function ``dfdx``) is looked up in the caller's globals (the
    notebook's namespace) unless ``namespace`` is given.

    * all cases pass: prints one ✔ line, then the exercise's ``reveal`` text if it has one,
      and returns None (nbgrader: full points);
    * some cases pass: returns a :class:`PartlyRight` that shows the message explaining the
      mistake and whose plain text is the points earned (nbgrader: that partial credit);
    * untouched stub: raises :class:`NotAttempted`; no points: raises
      :class:`ExerciseFailed` with the message (nbgrader: an error, 0 points).
    """
    ex = get_exercise(exercise_id)
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    # Exactly the grader's path (run, encode as JSON, decode, judge), so the notebook's
    # verdict and the grader's cannot differ.
    outcomes = decode_probe(probe(ex, namespace))
    result = evaluate(ex, outcomes)
    _results[ex.id] = result
    if result.status == PASSED:
        print(result.message)
        return None
    if result.status == NOT_ATTEMPTED:
        raise NotAttempted(result.message, result)
    if result.points > 0:
        return PartlyRight(result.message, result)
    raise ExerciseFailed(result.message, result)


def set_hint_cap(level):
    """Show at most ``level`` hints per exercise in this kernel (None: all of them).

    ``gdlab release --max-hint N`` writes a call of this into each released lesson, right
    after ``from gdlab.checks import ...``, so that graded use can stop short of the
    strongest hints; :func:`hint` then says that the instructor set the limit.
    """
    global _hint_cap
    if level is not None and (isinstance(level, bool) or not isinstance(level, int)
                              or level < 0):
        raise ValueError(f"The hint cap must be a whole number >= 0 (or None for no cap), "
                         f"got {level!r}")
    _hint_cap = level


_hint_cap = None


def hint(exercise_id, level=None):
    """Print the next hint for an exercise: each call shows a stronger one; after the last
    hint, the last one is repeated (and the message says so). ``level`` (1, 2, ...) shows
    that hint instead, the same however often the cell runs. Hints beyond the cap an
    instructor set (:func:`set_hint_cap`) are not shown."""
    ex = get_exercise(exercise_id)
    k = len(ex.hints)
    if not ex.hints:
        print(f"No hints are written for {ex.id} yet: reread the task statement above the "
              "exercise, and run the check to see what is wrong.")
        return None
    if level is not None and (isinstance(level, bool) or not isinstance(level, int)
                              or not 1 <= level <= k):
        raise ValueError(f"{ex.id} has hints 1 to {k}; got level={level!r}")
    limit = k if _hint_cap is None else min(_hint_cap, k)
    capped = limit < k
    if limit == 0:
        print(f"Your instructor has turned hints off for this course ({ex.id} has {k}). "
              "Reread the task statement above the exercise, and run the check to see what "
              "is wrong.")
        return None
    shown = _hints_shown.get(ex.id, 0)
    wanted = shown + 1 if level is None else level
    index = min(wanted, limit) - 1
    _hints_shown[ex.id] = max(shown, index + 1)
    note = ""
    if wanted > limit and capped:
        note = (f" (your instructor allows {limit} of the {k} hints in this course: this "
                f"repeats hint {limit})")
    elif wanted > limit:
        note = " (no more hints: this repeats the last one)"
    elif index == limit - 1:
        note = (" (this is the last hint)" if not capped else
                f" (the last one your instructor allows: {limit} of {k})")
    print(f"Hint {index + 1} of {k} for {ex.id}{note}:\n{ex.hints[index]}")
    return None


def progress(lesson=None):
    """A table of exercises with points and status (passed / failed / not attempted /
    not checked yet) for this kernel session.

    lesson: a lesson number ("03" or 3). None shows the lessons checked or hinted so far
    in this session, or every lesson when nothing has been checked yet.
    Displays as an HTML table in Jupyter, as text elsewhere.
    """
    if lesson is not None:
        lessons = [normalize_lesson(lesson)]
        heading = f"Progress in lesson {lessons[0]}"
    else:
        touched = {i[:2] for i in list(_results) + list(_hints_shown)}
        lessons = sorted(touched) if touched else None
        heading = "Progress" if lessons is None else \
            f"Progress in lesson{'s' if len(lessons) > 1 else ''} {', '.join(lessons)}"
    if lessons is None:
        exs = exercises()
    else:
        exs = [e for les in lessons for e in exercises(les)]
    rows = []
    for e in exs:
        r = _results.get(e.id)
        if r is None:
            rows.append(ProgressRow(e.id, e.title, 0.0, e.points, NOT_CHECKED))
        else:
            rows.append(ProgressRow(e.id, e.title, r.points, e.points, r.status))
    return Progress(rows, heading)
