"""In-notebook exercise checks: ``check(id)``, ``hint(id)``, ``progress()``.

Exercises are declared per lesson in ``gdlab/checks/lessonNN.py`` (see
``gdlab.checks.core``); they load on first use of an id starting with ``"NN-"``.
The batch grader uses the same judging code: ``probe`` (kernel side, JSON out) and
``decode_probe`` + ``evaluate`` (judge side).
"""
from gdlab.checks.core import (Case, Exercise, ExerciseFailed, Forbid, Mistake, NotAttempted,
                               Outcome, PartlyRight, Progress, Ref, Result, check, decode_probe,
                               evaluate, exercise, exercises,
                               explain_array_mismatch, get_exercise, hint, probe, progress,
                               reset_session, run_cases, set_hint_cap)

# encode/decode are not re-exported: `gdlab.checks.encode` must stay the module.

__all__ = ["check", "hint", "progress", "exercise", "Case", "Ref", "Mistake", "Forbid", "Exercise",
           "get_exercise", "exercises", "ExerciseFailed", "NotAttempted", "PartlyRight",
           "Result",
           "Outcome", "evaluate", "run_cases", "probe", "decode_probe",
           "explain_array_mismatch", "Progress", "reset_session", "set_hint_cap"]
