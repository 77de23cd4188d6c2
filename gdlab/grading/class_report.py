"""report.html: how the class did and what it misunderstood, in one self-contained page.

Built from grades.json data alone (so it can be rebuilt from an old grades.json). Per
lesson: a figure of score histograms (the lesson total and each exercise), a table per
exercise (submissions, mean, pass rate, statuses) and the named mistakes the judge
recognised, most frequent first, with one example message whose student, submission and
folder names are replaced by "a student". Then the time-outs, crashes and unreadable
files; the exercises flagged for integrity (a ``flags`` list on an exercise, when the
grader writes one); and a line per student across all lessons.

Figures are PNGs inlined as base64 and the header-click sorting is a few lines of inline
JavaScript, so the page needs no network and no other file.
"""
import base64
import html
import io
import json
import re
from collections import Counter

from gdlab.grading.gradebook import class_table, lesson_key, lesson_max_points, student_of
from gdlab.grading.grader import (EX_GRADER_ERROR, EX_KERNEL_DIED, FAILED, GRADED,
                                  NOT_ATTEMPTED, NOT_VERIFIED, PASSED, SYNTAX_ERROR,
                                  TAMPERED, TIMED_OUT)
from gdlab.grading.report import atomic_write

__all__ = ["class_report_html", "write_class_report"]

# Exercise statuses that mean the learner's code did not finish (not a wrong answer).
PROBLEMS = (TIMED_OUT, SYNTAX_ERROR, EX_KERNEL_DIED, NOT_VERIFIED, TAMPERED, EX_GRADER_ERROR)
TOP_MISTAKES = 5

_STYLE = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;
padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3;
user-select:none}th button{font:inherit;color:inherit;background:none;border:0;padding:0;
width:100%;text-align:inherit;cursor:pointer}th button:focus-visible{
outline:3px solid #0072B2;outline-offset:2px}th[data-dir=asc]::after{content:" \\25B2"}th[data-dir=desc]::after{content:
" \\25BC"}td.n{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%}
.msg{white-space:pre-wrap;font-family:monospace;font-size:.85em}section{margin-bottom:2.5rem}"""

# Click a header (or press Enter or Space on its button, whose click reaches the
# header): sort the body rows by that column (numbers by data-v, else text), and
# click again to reverse. Rows keep their relative order on ties (Array.sort is stable).
_SORT_JS = """document.querySelectorAll("table.sortable th").forEach(th => {
  th.addEventListener("click", () => {
    const body = th.closest("table").tBodies[0], col = th.cellIndex;
    const dir = th.dataset.dir === "asc" ? -1 : 1;
    th.parentNode.querySelectorAll("th").forEach(h => {
      delete h.dataset.dir; h.removeAttribute("aria-sort"); });
    th.dataset.dir = dir === 1 ? "asc" : "desc";
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    const key = r => { const c = r.cells[col];
      return c.dataset.v !== undefined ? Number(c.dataset.v) : c.textContent; };
    const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b);
      return dir * (typeof x === "number" ? x - y : x.localeCompare(y)); });
    body.append(...rows);
  });
});"""

e = html.escape


def _num(x):
    return f"{round(float(x), 2):g}"


def _td(text, v=None):
    """A cell; ``v`` (a number) makes it sort and align as a number."""
    if v is None:
        return f"<td>{e(str(text))}</td>"
    return f'<td class="n" data-v="{float(v):.6g}">{e(str(text))}</td>'


def _table(table_id, header, rows):
    # a button in each header: reachable by Tab, sorts with Enter or Space (_SORT_JS)
    head = "".join(f'<th scope="col"><button type="button">{e(h)}</button></th>'
                   for h in header)
    body = "\n".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return (f'<table id="{e(table_id)}" class="sortable"><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{body}\n</tbody></table>")


def _student(sub):
    return sub["student"] if "student" in sub else student_of(sub.get("path", ""))


def anonymise(text, sub):
    """``text`` with the student's name and the parts of the submission's name replaced
    by "a student" (they can turn up in paths inside error messages)."""
    words = {_student(sub) or "", *re.split(r"[/\\]", sub.get("name", ""))}
    for word in sorted((w for w in words if len(w) >= 2 and not w.isdigit()), key=len,
                       reverse=True):
        text = re.sub(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", "a student", text, flags=re.I)
    return text


# ---------------------------------------------------------------------------- figures

def _panels(lesson, subs, exercises):
    """(title, points, max) for the lesson total and each exercise."""
    panels = [(f"lesson {lesson} total", [s["score"] for s in subs],
               max(s["max_score"] or 0 for s in subs))]
    for gid in exercises:
        exs = [s["exercises"][gid] for s in subs if gid in s["exercises"]]
        panels.append((gid, [x["points"] for x in exs], max(x["max_points"] for x in exs)))
    return panels


def _bin_edges(top):
    import numpy as np
    return np.linspace(0, top or 1.0, 11)


def _counts_table(lesson, panels):
    """The histograms as text: per panel, how many submissions fall in each non-empty bin
    (a screen reader cannot read the bars)."""
    import numpy as np
    rows = []
    for title, values, top in panels:
        edges = _bin_edges(top)
        counts, _ = np.histogram(values, bins=edges)
        text = "; ".join(f"{_num(a)} to {_num(b)}: {c}" for a, b, c in
                         zip(edges[:-1], edges[1:], counts) if c)
        rows.append([_td(title), _td(len(values), len(values)), _td(text or "none")])
    return ("<details><summary>The histograms as a table</summary>" +
            _table(f"histogram-counts-{lesson}", ["Histogram", "Submissions",
                                                  "Points (bin): submissions"], rows) +
            "</details>")


def _histograms(lesson, panels):
    """One PNG (base64): the lesson total and each exercise as histograms of points."""
    # A bare Figure on an Agg canvas: no pyplot, so an instructor's notebook backend and
    # open figures are left alone.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    ncols = min(4, len(panels))
    nrows = -(-len(panels) // ncols)
    width, height = 3.2 * ncols, 2.3 * nrows
    fig = Figure(figsize=(width, height), dpi=80)
    FigureCanvasAgg(fig)
    # fixed margins in inches: tight_layout would draw every figure twice
    axes = fig.subplots(nrows, ncols, squeeze=False, gridspec_kw=dict(
        left=0.5 / width, right=1 - 0.15 / width, bottom=0.45 / height,
        top=1 - 0.3 / height, wspace=0.45, hspace=0.75))
    for ax, (title, values, top) in zip(axes.flat, panels):
        top = top or 1.0
        ax.hist(values, bins=_bin_edges(top), color="#4c78a8", edgecolor="white")
        ax.set_title(f"{title} (max {top:g})", fontsize=9)
        ax.set_xlim(0, top)
        ax.set_xlabel("points", fontsize=8)
        ax.set_ylabel("submissions", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.yaxis.get_major_locator().set_params(integer=True)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


# --------------------------------------------------------------------------- sections

def _lesson_section(lesson, subs, titles):
    # answers a person marks have no points yet: they are listed for reading, not counted
    exercises = list(dict.fromkeys(gid for s in subs for gid, x in s["exercises"].items()
                                   if not x.get("manual")))
    label = (subs[0].get("lesson_file") or lesson).removesuffix(".ipynb")
    mean = sum(s["score"] for s in subs) / len(subs)
    top = max(s["max_score"] or 0 for s in subs)
    parts = [f'<section id="lesson-{e(lesson)}"><h2>Lesson {e(label)}</h2>',
             f"<p>{len(subs)} submissions; mean score {_num(mean)} of {_num(top)}.</p>"]
    if exercises:
        panels = _panels(lesson, subs, exercises)
        png = _histograms(lesson, panels)
        total = panels[0][1]
        full = sum(1 for v in total if v >= panels[0][2])
        parts.append(f'<img alt="Histograms of the points in lesson {e(lesson)}, the total '
                     f'and each exercise: {full} of {len(total)} submissions have full '
                     f'marks, the lowest total is {_num(min(total))}; the counts per bin '
                     f'are in the table below." src="data:image/png;base64,{png}">')
        parts.append(_counts_table(lesson, panels))
    rows, mistake_rows = [], []
    for gid in exercises:
        graded = [s for s in subs if gid in s["exercises"]]
        exs = [s["exercises"][gid] for s in graded]
        n = len(exs)
        status = Counter(x["status"] for x in exs)
        rate = status[PASSED] / n
        rows.append([_td(gid), _td(titles.get(gid, "")), _td(_num(exs[0]["max_points"]),
                                                             exs[0]["max_points"]),
                     _td(n, n), _td(_num(sum(x["points"] for x in exs) / n),
                                    sum(x["points"] for x in exs) / n),
                     _td(f"{status[PASSED]}/{n} ({rate:.0%})", rate),
                     _td(status[FAILED], status[FAILED]),
                     _td(status[NOT_ATTEMPTED], status[NOT_ATTEMPTED]),
                     _td(sum(status[p] for p in PROBLEMS), sum(status[p] for p in PROBLEMS))])
        counts = Counter(m for x in exs for m in x.get("mistakes", ()))
        # Failures the judge has no name for still say what was wrong (its finding code:
        # "type" for a Python list where an array is expected, "shape", "values" ...).
        unnamed = Counter(_unnamed(x) for x in exs if x["status"] == FAILED and
                          not x.get("mistakes"))
        for name, count in (counts.most_common(TOP_MISTAKES) +
                            unnamed.most_common(TOP_MISTAKES)):
            # the example: a message that explains this mistake (its first finding)
            sub = next((s for s in graded if s["exercises"][gid].get("finding") ==
                        f"mistake:{name}"), None) or \
                next((s for s in graded if name in s["exercises"][gid].get("mistakes", ())),
                     None) or \
                next(s for s in graded if s["exercises"][gid]["status"] == FAILED and
                     not s["exercises"][gid].get("mistakes") and
                     _unnamed(s["exercises"][gid]) == name)
            example = anonymise(sub["exercises"][gid]["message"], sub)
            mistake_rows.append([_td(gid), _td(name), _td(count, count),
                                 f'<td class="msg">{e(example)}</td>'])
    parts.append(_table(f"exercises-{lesson}",
                        ["Exercise", "Title", "Max", "Submissions", "Mean points", "Passed",
                         "Failed", "Not attempted", "Timed out or crashed"], rows))
    parts.append("<h3>Most frequent mistakes</h3>")
    if mistake_rows:
        parts.append(_table(f"mistakes-{lesson}", ["Exercise", "Mistake", "Submissions",
                                                   "Example message"], mistake_rows))
    else:
        parts.append("<p>none recognised</p>")
    parts.append(_answers(subs))
    parts.append("</section>")
    return "\n".join(parts)


def _answers(subs):
    """The written answers (graded by a person) of the lesson, one row per submission."""
    rows = [[_td(_student(s) or ""), _td(s["name"]), _td(gid), _td(x["status"]),
             f'<td class="msg">{e(x.get("answer", ""))}</td>']
            for s in subs for gid, x in s["exercises"].items() if x.get("manual")]
    if not rows:
        return ""
    return ("<h3>Written answers, for marking by hand</h3>"
            + _table(f"answers-{e(subs[0].get('lesson', ''))}",
                     ["Student", "Submission", "Exercise", "Status", "Answer"], rows))


def _unnamed(exercise):
    """The mistakes-table label of a failure the judge has no named mistake for."""
    return f"unnamed: {exercise.get('finding') or 'wrong result'}"


def _first_line(text):
    return (text or "").strip().split("\n", 1)[0][:200]


def _problems_section(subs):
    rows = []
    for s in subs:
        who = _student(s) or ""
        if s["status"] != GRADED:
            rows.append([_td(who), _td(s["name"]), _td(s.get("lesson", "")), _td("(notebook)"),
                         _td(s["status"]), _td(_first_line(s.get("message")))])
        for gid, x in s["exercises"].items():
            if x["status"] in PROBLEMS:
                rows.append([_td(who), _td(s["name"]), _td(s.get("lesson", "")), _td(gid),
                             _td(x["status"]), _td(_first_line(x["message"]))])
    head = ('<section id="problems-section"><h2>Time-outs, crashes and files that could not '
            "be graded</h2>")
    if not rows:
        return head + "<p>none</p></section>"
    return head + _table("problems", ["Student", "Submission", "Lesson", "Exercise",
                                      "Status", "Message"], rows) + "</section>"


def _flag_text(flag):
    return flag if isinstance(flag, str) else json.dumps(flag, ensure_ascii=False)


def _flags(exercise):
    flags = exercise.get("flags") or []
    return flags if isinstance(flags, list) else [flags]  # one flag not in a list


def _flags_section(subs):
    rows = [[_td(_student(s) or ""), _td(s["name"]), _td(s.get("lesson", "")), _td(gid),
             _td(_flag_text(f))]
            for s in subs for gid, x in s["exercises"].items() for f in _flags(x)]
    head = '<section id="integrity"><h2>Flagged for integrity</h2>'
    if not rows:
        return head + "<p>none</p></section>"
    return head + _table("flags", ["Student", "Submission", "Lesson", "Exercise", "Flag"],
                         rows) + "</section>"


def _students_section(data):
    table = class_table(data)
    rows = []
    # The share is out of every lesson graded in this run, handed in or not: a student who
    # skipped a lesson must not look better than one who handed in both.
    top = sum(lesson_max_points(table).values())
    for student in table.students:
        subs = [table.best.get((student, les)) for les in table.lessons]
        total = sum(s["score"] for s in subs if s is not None)
        share = total / top if top else 0.0
        rows.append([_td(student),
                     *(_td(_num(s["score"]), s["score"]) if s else _td("", -1) for s in subs),
                     _td(_num(total), total), _td(_num(top), top),
                     _td(f"{share:.0%}", share)])
    header = ["Student", *(table.labels[les] for les in table.lessons), "Total",
              "Max (lessons graded)", "Share"]
    parts = ['<section id="students-section"><h2>Students</h2>',
             "<p>Each student's score per lesson (the best one if a lesson was handed in "
             "twice; empty: not handed in). The share is out of the points of every lesson "
             "graded in this run, so a lesson not handed in counts as 0.</p>", _table("students", header, rows)]
    if table.unmatched:
        names = ", ".join(s["name"] for s in table.unmatched)
        parts.append(f"<p>Submissions with no student in their path (not in the lines "
                     f"above): {e(names)}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def class_report_html(data, *, titles=None, title="Class report"):
    """The report page for grades.json ``data``; ``titles``: exercise id -> title."""
    titles = titles or {}
    subs = data.get("submissions", [])
    best = class_table(data).best
    by_lesson = {}
    for s in subs:
        # a student's lesson counts once (the submission the gradebook counts), also when
        # one was filed under another lesson's assignment
        if s.get("lesson") and (not s.get("student") or
                                best.get((s["student"], s["lesson"])) is s):
            by_lesson.setdefault(s["lesson"], []).append(s)
    lessons = sorted(by_lesson, key=lesson_key)
    students = {_student(s) for s in subs} - {None}
    toc = " · ".join(f'<a href="#lesson-{e(les)}">{e(les)}</a>' for les in lessons)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(title)}</title><style>{_STYLE}</style></head><body><main>",
             f"<h1>{e(title)}</h1>",
             f"<p>{len(subs)} submissions from {len(students)} students. Lessons: {toc}. "
             'Also: <a href="#problems-section">time-outs and crashes</a> · '
             '<a href="#integrity">integrity</a> · <a href="#students-section">students</a>. '
             "Click a table header to sort by that column.</p>"]
    parts += [_lesson_section(les, by_lesson[les], titles) for les in lessons]
    parts += [_problems_section(subs), _flags_section(subs), _students_section(data),
              f"</main><script>{_SORT_JS}</script></body></html>\n"]
    return "\n".join(parts)


def write_class_report(grades_json_data, path, *, titles=None, title="Class report"):
    """Write report.html for grades.json data to ``path``; returns the path."""
    from pathlib import Path
    path = Path(path)
    atomic_write(path, class_report_html(grades_json_data, titles=titles, title=title))
    return path
