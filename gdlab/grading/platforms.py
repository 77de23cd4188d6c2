"""Gradebooks a course platform imports: Canvas and Moodle CSVs, matched through a roster.

gradebook.csv names students by their submission folder, which is rarely the platform's
identity. A *roster* (``--roster``) is the class list the platform exports (Canvas:
Grades > Export; Moodle: Grades > Export > Plain text file) or any CSV with a login
column; each submission folder is matched, ignoring case, against the roster's identity
columns (for an e-mail address also against the part before the ``@``).

* ``gradebook-canvas.csv`` follows Canvas's gradebook import: the identity columns
  ``Student, ID, SIS User ID, SIS Login ID, Section``, one column per lesson, and a second
  row ``Points Possible``. A lesson column reuses the roster's header for that assignment
  (``Name (12345)``: Canvas then updates the existing assignment) when the roster names
  it; otherwise Canvas creates the assignment. There is no total column: Canvas would
  import it as one more assignment.
* ``gradebook-moodle.csv`` has the roster's identity column first (Moodle's "Map from",
  to be mapped to the user field of the same name), the names, then one column per lesson
  whose header is the lesson, to be mapped to a grade item.

A student on the roster without a submission gets an empty cell (``missing="blank"``: the
platform leaves the grade as it is) or 0 (``missing="zero"``). A submission folder that
matches no one on the roster is left out and named in the notes.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from gdlab.grading.gradebook import class_table, lesson_max_points, spreadsheet_safe

__all__ = ["Roster", "read_roster", "canvas_csv", "moodle_csv", "write_platform_gradebooks",
           "MISSING_CHOICES", "CANVAS_IDENTITY"]

MISSING_CHOICES = ("blank", "zero")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
# Roster columns that can name a student, by platform (compared without case).
_CANVAS_KEYS = ("SIS Login ID", "SIS User ID", "ID", "Student")
_MOODLE_KEYS = ("Username", "Email address", "ID number")
_GENERIC_KEYS = ("login", "username", "user", "email", "e-mail", "id", "student", "name")
_POINTS_POSSIBLE = "points possible"


@dataclass
class Roster:
    """A class list: its format ("canvas", "moodle" or "generic"), the header, the rows
    (dicts), the identity columns in the order they are tried, and the assignment
    columns a Canvas export carries (header -> its name without the id)."""

    kind: str
    header: list
    rows: list
    keys: list
    assignments: dict = field(default_factory=dict)

    def match(self, folder):
        """The roster row a submission folder name belongs to, or None."""
        want = folder.strip().lower()
        for key in self.keys:
            for row in self.rows:
                value = (row.get(key) or "").strip().lower()
                if value and (value == want or ("@" in value and value.split("@")[0] == want)):
                    return row
        return None


def _find(header, names):
    lower = {h.strip().lower(): h for h in header}
    return [lower[n.lower()] for n in names if n.lower() in lower]


def read_roster(path):
    """Read a roster CSV (Canvas or Moodle export, or any CSV with a login column).

    Raises ValueError naming the file and the columns it has when no column can identify
    a student.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as err:
        raise ValueError(f"cannot read the roster {path}: {err.strerror or err}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h for h in (reader.fieldnames or []) if h is not None]
    if not header:
        raise ValueError(f"the roster {path} is empty: export the class list from Canvas "
                         "(Grades > Export) or Moodle (Grades > Export > Plain text file), or "
                         "give a CSV with a header and a login column")
    rows = [r for r in reader
            if not any(_POINTS_POSSIBLE in (v or "").strip().lower() for v in r.values()
                       if isinstance(v, str))]
    canvas, moodle = _find(header, _CANVAS_KEYS), _find(header, _MOODLE_KEYS)
    if "SIS Login ID".lower() in {h.lower() for h in header} or len(canvas) >= 3:
        kind, keys = "canvas", canvas
        # a Canvas export names each assignment "Name (id)"; the students' test user is noise
        rows = [r for r in rows if (r.get("Student") or "").strip().lower() != "student, test"]
        assignments = {h: re.sub(r"\s*\(\d+\)\s*$", "", h) for h in header
                       if re.search(r"\(\d+\)\s*$", h)}
    elif moodle:
        kind, keys, assignments = "moodle", moodle, {}
    else:
        kind, keys, assignments = "generic", _find(header, _GENERIC_KEYS), {}
    if not keys:
        raise ValueError(f"the roster {path} has no column that identifies a student "
                         f"(its columns: {', '.join(header)}); expected one of: "
                         f"{', '.join(_CANVAS_KEYS + _MOODLE_KEYS + ('login',))}")
    return Roster(kind, header, rows, keys, assignments)


def _points(x):
    return f"{round(float(x), 2):g}"


def _matched(table, roster, notes):
    """(roster row or None, student folder) pairs, in roster order then unmatched."""
    if roster is None:
        return [(None, s) for s in table.students]
    owner = {}
    for student in table.students:
        row = roster.match(student)
        if row is None:
            notes.append(f"{student}: no one on the roster matches this submission folder "
                         f"(tried {', '.join(roster.keys)}), so it is not in the platform "
                         "gradebooks")
        elif id(row) in owner:
            notes.append(f"{student} and {owner[id(row)]} match the same roster row; only "
                         f"{owner[id(row)]} is in the platform gradebooks")
        else:
            owner[id(row)] = student
    return [(row, owner.get(id(row))) for row in roster.rows]


def _cell(table, student, lesson, missing):
    sub = table.best.get((student, lesson)) if student else None
    if sub is None:
        return "0" if missing == "zero" else ""
    return _points(sub["score"])


def _canvas_header(table, roster):
    by_name = {} if roster is None else {
        name.strip().lower(): h for h, name in roster.assignments.items()}
    out = []
    for les in table.lessons:
        label = table.labels[les]
        out.append(by_name.get(label.lower(), label))
    return out


def canvas_csv(data, roster=None, missing="blank"):
    """Text of gradebook-canvas.csv for grades.json ``data``, and notes (sentences)."""
    _check_missing(missing)
    table = class_table(data)
    notes = list(table.notes)
    points = lesson_max_points(table)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*CANVAS_IDENTITY, *(spreadsheet_safe(h) for h in _canvas_header(table, roster))])
    w.writerow(["Points Possible", "", "", "", "", *(_points(points[les]) for les in table.lessons)])
    for row, student in _matched(table, roster, notes):
        if row is None:
            # without a roster the folder name must be the student's Canvas login
            ident = ["", "", "", student, ""]
        else:
            ident = [row.get(c, "") or "" for c in CANVAS_IDENTITY]
        w.writerow([*(spreadsheet_safe(v) for v in ident),
                    *(_cell(table, student, les, missing) for les in table.lessons)])
    if roster is None:
        notes.append("gradebook-canvas.csv: no --roster, so each student's submission folder "
                     "is written as the SIS Login ID; give the class list exported from "
                     "Canvas (--roster) to fill in the ids Canvas matches on")
    return buf.getvalue(), notes


def moodle_csv(data, roster=None, missing="blank"):
    """Text of gradebook-moodle.csv for grades.json ``data``, and notes (sentences)."""
    _check_missing(missing)
    table = class_table(data)
    notes = list(table.notes)
    if roster is not None and roster.kind == "moodle":
        ident = roster.keys[0]
        names = _find(roster.header, ("First name", "Last name"))
    elif roster is not None:
        ident, names = roster.keys[0], []
    else:
        ident, names = "Username", []
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([ident, *names, *(spreadsheet_safe(table.labels[les]) for les in table.lessons)])
    for row, student in _matched(table, roster, notes):
        who = [student] if row is None else [row.get(ident, "") or "",
                                             *(row.get(n, "") or "" for n in names)]
        w.writerow([*(spreadsheet_safe(v) for v in who),
                    *(_cell(table, student, les, missing) for les in table.lessons)])
    return buf.getvalue(), notes


def _check_missing(missing):
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {', '.join(MISSING_CHOICES)}; got "
                         f"{missing!r}")


def write_platform_gradebooks(data, out_dir, roster=None, missing="blank"):
    """Write gradebook-canvas.csv and gradebook-moodle.csv into ``out_dir``; returns the
    notes (each once)."""
    from gdlab.grading.report import atomic_write
    notes = []
    for name, build in (("gradebook-canvas.csv", canvas_csv), ("gradebook-moodle.csv",
                                                                moodle_csv)):
        text, more = build(data, roster, missing)
        atomic_write(out_dir / name, text)
        notes += [n for n in more if n not in notes]
    return notes
