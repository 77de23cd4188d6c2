"""The batch grader: ``gdlab grade SUBMISSION... --out DIR``.

Each submission's solution cells are pasted into the pristine released lesson, which runs
in a fresh resource-limited kernel; check cells become probes whose output is judged in
the grader's own process (see ``grader.py`` for the whole flow, ``probe.py`` for why a
learner cannot fake a pass).

>>> from gdlab.grading import grade_submissions, GradeOptions   # doctest: +SKIP
>>> grade_submissions(["submissions/"], "out", options=GradeOptions(jobs=4))  # doctest: +SKIP
"""
from gdlab.grading.batch import BatchResult, grade_submissions
from gdlab.grading.grader import ExerciseGrade, GradeOptions, Grader, SubmissionGrade

__all__ = ["grade_submissions", "BatchResult", "GradeOptions", "Grader", "SubmissionGrade",
           "ExerciseGrade"]
