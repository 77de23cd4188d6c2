"""Whose submission is it, and gradebook.csv: one row per student, one column per lesson.

The student is read from the submission's path (absolute, with "/" between folders):

* by default, from nbgrader's layout ``.../submitted/STUDENT/ASSIGNMENT/NOTEBOOK.ipynb``,
  else from a file named ``STUDENT_NN_anything.ipynb`` (NN: the two-digit lesson number);
* with ``--student-pattern REGEX``, from the group ``(?P<student>...)`` of the first match
  of REGEX searched in that path (anchor it with ``$`` to match the file name, e.g.
  ``(?P<student>[a-z]+)-hw\\d+\\.ipynb$``).

A submission whose path gives no student stays in grades.csv but not in gradebook.csv;
:func:`gradebook_csv` returns a note naming it, as it does for a student with two
submissions of one lesson (the higher score counts).
"""
import csv
import io
import os
import re
from dataclasses import dataclass

__all__ = ["DEFAULT_PATTERNS", "compile_student_pattern", "student_of", "gradebook_csv",
           "write_gradebook", "lesson_label", "lesson_key", "class_table", "ClassTable",
           "lesson_max_points"]

# Tried in this order; a path may match both (nbgrader's folder wins).
DEFAULT_PATTERNS = (
    re.compile(r"(?:^|/)submitted/(?P<student>[^/]+)/[^/]+/[^/]+\.ipynb$"),
    re.compile(r"(?:^|/)(?P<student>[^/]+?)_\d\d_[^/]*\.ipynb$"),
)

# A spreadsheet opening the CSV would run a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def compile_student_pattern(text):
    """The compiled ``--student-pattern``; ValueError naming the pattern when it is not a
    regular expression or has no ``(?P<student>...)`` group."""
    try:
        pattern = re.compile(text)
    except re.error as err:
        raise ValueError(f"Invalid --student-pattern '{text}': {err}. Give a Python "
                         "regular expression with a group (?P<student>...), e.g. "
                         r"'(?P<student>[^/]+)_\d\d_[^/]*\.ipynb$'") from None
    if "student" not in pattern.groupindex:
        groups = ", ".join(pattern.groupindex) or "none"
        raise ValueError(f"Invalid --student-pattern '{text}': it has no group named "
                         f"'student' (named groups: {groups}); write the part that is the "
                         "student's name as (?P<student>...)")
    return pattern


def student_of(path, pattern=None):
    """The student a submission at ``path`` belongs to, or None when the path does not say.
    ``pattern``: a compiled pattern with a ``student`` group (None: the defaults)."""
    where = os.path.abspath(path).replace(os.sep, "/")
    for p in DEFAULT_PATTERNS if pattern is None else (pattern,):
        match = p.search(where)
        if match and match.group("student"):
            return match.group("student")
    return None


def lesson_label(sub):
    """A lesson's column name: its file name without .ipynb ("03_linear_regression")."""
    name = sub.get("lesson_file") or sub["lesson"]
    return name[:-len(".ipynb")] if name.endswith(".ipynb") else name


def lesson_key(lesson):
    # "NN" ids sort by number, anything else after them by text
    return (0, int(lesson), lesson) if lesson.isdigit() else (1, 0, lesson)


def spreadsheet_safe(cell):
    """The cell as text, with a leading ' when a spreadsheet would read it as a formula
    (a submission named "=2+5.ipynb" must not run anything in the instructor's Excel)."""
    text = str(cell)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _num(x):
    return f"{round(float(x), 2):g}"


@dataclass
class ClassTable:
    """Scores per student and lesson, read from grades.json data.

    lessons: lesson ids in lesson order; labels: lesson id -> column name; students: sorted
    names; best: (student, lesson) -> the submission (grades.json row) that counts;
    unmatched: rows with no student; notes: what was left out or merged, as sentences.
    """

    lessons: list
    labels: dict
    students: list
    best: dict
    unmatched: list
    notes: list


def class_table(data):
    """The :class:`ClassTable` of grades.json ``data`` (a student's best score per lesson)."""
    notes, unmatched, best, students, labels = [], [], {}, set(), {}
    for sub in data.get("submissions", []):
        student = sub.get("student")
        if not student:
            unmatched.append(sub)
            notes.append(f"{sub['name']}: no student in its path, so it is not in "
                         "gradebook.csv (see --student-pattern)")
            continue
        students.add(student)
        lesson = sub.get("lesson")
        if not lesson:
            notes.append(f"{sub['name']} ({student}): {sub.get('status')}, no lesson, so no "
                         "score in gradebook.csv")
            continue
        labels.setdefault(lesson, lesson_label(sub))
        other = best.get((student, lesson))
        if other is not None:
            keep = sub if sub["score"] > other["score"] else other
            notes.append(f"{student} has two submissions of lesson {lesson} "
                         f"({other['name']}, {sub['name']}); the highest score counts "
                         f"({keep['name']})")
            sub = keep
        best[(student, lesson)] = sub
    return ClassTable(sorted(labels, key=lesson_key), labels, sorted(students), best,
                      unmatched, notes)


def lesson_max_points(table):
    """lesson id -> the points it is out of (every graded submission of a lesson has the
    same maximum), for the lessons of a :class:`ClassTable`."""
    return {les: max((s.get("max_score") or 0) for (_, other), s in table.best.items()
                     if other == les) for les in table.lessons}


def gradebook_csv(data):
    """gradebook.csv text for grades.json ``data``, and a list of notes (strings) about
    submissions left out or merged."""
    table = class_table(data)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *(spreadsheet_safe(table.labels[les]) for les in table.lessons),
                     "total"])
    for student in table.students:
        subs = [table.best.get((student, les)) for les in table.lessons]
        total = sum(s["score"] for s in subs if s is not None)
        writer.writerow([spreadsheet_safe(student), *("" if s is None else _num(s["score"])
                                           for s in subs), _num(total)])
    return buf.getvalue(), table.notes


def write_gradebook(data, path):
    """Write gradebook.csv for grades.json ``data`` to ``path``; returns the notes."""
    from gdlab.grading.report import atomic_write  # report imports this module
    text, notes = gradebook_csv(data)
    atomic_write(path, text)
    return notes
