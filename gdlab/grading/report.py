"""Write grades.csv, grades.json and one feedback page per submission, atomically.

Every file is written to a temporary file in the same folder and moved into place with
``os.replace``, so a grader that is killed half-way leaves either the old file or the new
one, never half of one. grades.json is the source of truth (it holds each submission's
content hash so that a re-run can skip what is already graded); grades.csv is rebuilt from
it every time.
"""
import csv
import hashlib
import html
import io
import json
import os
import re
import tempfile
from pathlib import Path

from gdlab.grading.gradebook import spreadsheet_safe, student_of
from gdlab.grading.grader import SubmissionGrade

__all__ = ["atomic_write", "load_grades", "write_grades", "write_feedback",
           "feedback_path", "csv_text", "FORMAT"]

FORMAT = "gdlab-grades"
VERSION = 1


def atomic_write(path, text):
    """Write ``text`` (UTF-8) to ``path`` via a temporary file and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_grades(out_dir):
    """Grades already in ``out_dir/grades.json`` as name -> SubmissionGrade ({} if none).

    Raises ValueError when the file exists but is not a grades file (the grader refuses
    to overwrite something it did not write).
    """
    path = Path(out_dir) / "grades.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} exists but is not readable grades JSON ({err}); move it "
                         "away or choose another --out folder") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} was not written by gdlab grade (no \"format\": "
                         f"\"{FORMAT}\"); move it away or choose another --out folder")
    return {d["name"]: SubmissionGrade.from_json(d) for d in data.get("submissions", [])}


def _num(x):
    return "" if x is None else f"{round(float(x), 2):g}"


def _exercise_columns(grades):
    """Exercise ids by lesson number, then by their place in the lesson (the order of a
    grade's exercises is the lesson's cell order)."""
    ids = {}
    for g in sorted(grades, key=lambda g: (not g.lesson.isdigit(), g.lesson.zfill(9))):
        ids.update(dict.fromkeys(g.exercises))
    return list(ids)


def _cell(ex):
    """An exercise's column: its points, or the status of an answer a person marks."""
    return spreadsheet_safe(ex.status) if ex.manual else _num(ex.points)


def csv_text(grades):
    """grades.csv: one row per submission, one column per exercise (lesson order)."""
    ids = _exercise_columns(grades)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["submission", "lesson", "status", "score", "max_score", "sandbox", *ids])
    for g in sorted(grades, key=lambda g: g.name):
        writer.writerow([spreadsheet_safe(g.name), g.lesson, spreadsheet_safe(g.status),
                         _num(g.score), _num(g.max_score), g.sandbox,
                         *(_cell(g.exercises[i]) if i in g.exercises else ""
                           for i in ids)])
    return buf.getvalue()


def write_grades(out_dir, grades, student_pattern=None):
    """Write grades.json and grades.csv for ``grades`` (a dict name -> SubmissionGrade);
    returns the grades.json data. Each row also records its feedback file (relative to
    ``out_dir``) and its student (see gradebook.student_of; ``student_pattern`` compiled,
    None for the default)."""
    out_dir = Path(out_dir)
    ordered = [grades[k] for k in sorted(grades)]
    rows = []
    for g in ordered:
        row = g.to_json()
        row["feedback"] = feedback_path(out_dir, g.name).relative_to(out_dir).as_posix()
        row["student"] = student_of(g.path, student_pattern)
        rows.append(row)
    data = {"format": FORMAT, "version": VERSION, "submissions": rows}
    atomic_write(out_dir / "grades.json", json.dumps(data, indent=1, ensure_ascii=False)
                 + "\n")
    atomic_write(out_dir / "grades.csv", csv_text(ordered))
    return data


def feedback_path(out_dir, name):
    """DIR/feedback/<name>.html with the name made safe for a file name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"
    if safe != name:  # keep "a/b" and "a_b" apart
        safe += "-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]
    return Path(out_dir) / "feedback" / f"{safe}.html"


_STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.6rem;border-radius:4px}
.passed{color:#1a7f37}.failed,.timed-out,.kernel-died,.not-verified,.grader-error{color:#b42318}
.not-attempted,.not-run{color:#7a5c00}"""


def _css_class(status):
    return re.sub(r"[^a-z]+", "-", status.lower()).strip("-")


def feedback_html(grade, titles=None):
    """The learner-facing feedback page: scores, statuses and messages only (no test
    code and no case source)."""
    titles = titles or {}
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Feedback: {e(grade.name)}</title><style>{_STYLE}</style></head><body><main>",
             f"<h1>Feedback for {e(grade.name)}</h1>"]
    if grade.lesson:
        parts.append(f"<p>Lesson {e(grade.lesson)} ({e(grade.lesson_file)}). Score: "
                     f"<strong>{_num(grade.score)} / {_num(grade.max_score)}</strong>. "
                     f"Status: {e(grade.status)}.</p>")
    else:
        parts.append(f"<p>Status: <strong>{e(grade.status)}</strong>. Score: "
                     f"{_num(grade.score)}.</p>")
    if grade.message:
        parts.append(f"<pre>{e(grade.message)}</pre>")
    if grade.exercises:
        parts.append("<table><tr><th>Exercise</th><th>Points</th><th>Status</th></tr>")
        for gid, ex in grade.exercises.items():
            title = titles.get(gid, "")
            label = f"{e(gid)}" + (f" — {e(title)}" if title else "")
            parts.append(f'<tr><td><a href="#{e(gid)}">{label}</a></td>'
                         f"<td>{_num(ex.points)} / {_num(ex.max_points)}</td>"
                         f'<td class="{_css_class(ex.status)}">{e(ex.status)}</td></tr>')
        parts.append("</table>")
        for gid, ex in grade.exercises.items():
            parts.append(f'<h2 id="{e(gid)}">{e(gid)}: {e(ex.status)}</h2>')
            parts.append(f"<pre>{e(ex.message)}</pre>")
            if ex.flags:
                items = "".join(f"<li>{e(f)}</li>" for f in ex.flags)
                parts.append(f'<div class="flags"><p>Flagged for your instructor to look '
                             f"at (no points were taken; this only says what a person "
                             f"should read):</p><ul>{items}</ul></div>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def write_feedback(out_dir, grade, titles=None):
    """Write the feedback page of one submission; returns its path."""
    path = feedback_path(out_dir, grade.name)
    atomic_write(path, feedback_html(grade, titles))
    return path
