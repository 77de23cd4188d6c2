"""The instructor's class report (gdlab.grading.class_report): the HTML built from a
synthetic grades.json, then the same page in a real Chromium (opens cleanly, figures load,
headers sort, numbers equal grades.json). No kernels are run."""
import base64
import copy
import json
import re
from collections import Counter
from html.parser import HTMLParser

import numpy as np
import pytest

from gdlab.checks import evaluate, run_cases
from gdlab.grading.class_report import class_report_html, write_class_report
from gdlab.grading.grader import ExerciseGrade, SubmissionGrade
from grading_gallery.class_data import synthetic_class
# The browser tests' Chromium: skipped without /usr/bin/chromium unless
# GDLAB_REQUIRE_BROWSER=1, which makes a missing browser a failure.
from test_browser import browser  # noqa: F401  (a pytest fixture)

PROBLEM_EXERCISE = {"timed out", "kernel died", "not verified", "grader error"}


class _Tables(HTMLParser):
    """Tables by id: lists of rows, each a list of (cell text, data-v or None)."""

    def __init__(self):
        super().__init__()
        self.tables, self.images, self._table, self._cell, self._v = {}, [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell, self._v = [], attrs.get("data-v")
        elif tag == "img":
            self.images.append(attrs)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append(("".join(self._cell).strip(), self._v))
            self._cell = None
        elif tag == "table":
            self._table = None


def _parse(page):
    parser = _Tables()
    parser.feed(page)
    return parser


def _body(table):
    """Rows below the header, as dicts header -> cell text."""
    header = [text for text, _ in table[0]]
    return [dict(zip(header, (text for text, _ in row))) for row in table[1:]]


@pytest.fixture(scope="module")
def data():
    return synthetic_class(40, seed=3)


@pytest.fixture(scope="module")
def page(data):
    return class_report_html(data)


# ------------------------------------------------------------ what the grader now records

def test_judge_names_the_mistake_it_explains():
    wrong = {"mse": lambda theta, X, y: float(np.sum((X @ theta - y) ** 2))}
    result = evaluate("03-mse", run_cases("03-mse", wrong))
    assert result.finding == "mistake:sum instead of mean"
    assert result.mistakes == ("sum instead of mean",)
    right = {"mse": lambda theta, X, y: float(np.mean((X @ theta - y) ** 2))}
    ok = evaluate("03-mse", run_cases("03-mse", right))
    assert (ok.finding, ok.mistakes) == ("", ())


def test_exercise_grade_keeps_mistakes_through_grades_json():
    g = SubmissionGrade("a", "a.ipynb", "0" * 64, "graded", lesson="03")
    g.exercises["03-mse"] = ExerciseGrade(1.0, 2.0, "failed", "m", "mistake:x", ["x", "y"])
    back = SubmissionGrade.from_json(json.loads(json.dumps(g.to_json())))
    assert (back.exercises["03-mse"].finding, back.exercises["03-mse"].mistakes) == \
        ("mistake:x", ["x", "y"])
    old = {"name": "a", "path": "a", "sha256": "", "status": "graded",
           "exercises": {"03-mse": {"points": 1, "max_points": 2, "status": "failed",
                                    "message": "m"}}}  # written before mistakes existed
    assert SubmissionGrade.from_json(old).exercises["03-mse"].mistakes == []


# --------------------------------------------------------------------------- the HTML

def test_page_is_self_contained_with_one_png_per_lesson(data, page):
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "<script src" not in page
    lessons = {s["lesson"] for s in data["submissions"] if s["lesson"]}
    images = _parse(page).images
    assert len(images) == len(lessons) == 3
    for img in images:
        assert img["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(img["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_exercise_tables_equal_grades_json(data, page):
    tables = _parse(page).tables
    for lesson in ("01", "03", "10"):
        subs = [s for s in data["submissions"] if s["lesson"] == lesson]
        rows = _body(tables[f"exercises-{lesson}"])
        assert [r["Exercise"] for r in rows] == list(subs[0]["exercises"])
        for row in rows:
            exs = [s["exercises"][row["Exercise"]] for s in subs]
            passed = sum(e["status"] == "passed" for e in exs)
            assert row["Submissions"] == str(len(exs))
            assert row["Passed"].startswith(f"{passed}/{len(exs)} ")
            mean = sum(e["points"] for e in exs) / len(exs)
            assert float(row["Mean points"]) == pytest.approx(mean, abs=0.0051)
            assert row["Not attempted"] == str(sum(e["status"] == "not attempted"
                                                   for e in exs))


def test_mistake_counts_and_anonymised_examples(data, page):
    counts = Counter((gid, name) for s in data["submissions"]
                     for gid, e in s["exercises"].items() for name in e["mistakes"])
    # failures without a named mistake are listed by what was wrong (issue 20)
    counts += Counter((gid, f"unnamed: {e.get('finding') or 'wrong result'}")
                      for s in data["submissions"] for gid, e in s["exercises"].items()
                      if e["status"] == "failed" and not e["mistakes"])
    shown = {}
    for lesson in ("01", "03", "10"):
        for row in _body(_parse(page).tables[f"mistakes-{lesson}"]):
            shown[(row["Exercise"], row["Mistake"])] = int(row["Submissions"])
            assert "student0" not in row["Example message"]
            if not row["Mistake"].startswith("unnamed: "):
                assert row["Mistake"] in row["Example message"]
                assert "a student" in row["Example message"]
    assert shown == dict(counts)


def test_problems_list_timeouts_crashes_and_unreadable_files(data, page):
    expected = Counter()
    for s in data["submissions"]:
        if s["status"] != "graded":
            expected[(s["name"], "(notebook)", s["status"])] += 1
        for gid, e in s["exercises"].items():
            if e["status"] in PROBLEM_EXERCISE:
                expected[(s["name"], gid, e["status"])] += 1
    rows = _body(_parse(page).tables["problems"])
    assert Counter((r["Submission"], r["Exercise"], r["Status"]) for r in rows) == expected
    assert any(st == "timed out" for _, _, st in expected)
    assert any(st == "kernel died" for _, _, st in expected)


def test_integrity_flags_shown_or_none(data, page):
    flagged = [(s["name"], gid, f) for s in data["submissions"]
               for gid, e in s["exercises"].items() for f in e.get("flags", [])]
    assert flagged, "the synthetic class should have a flag or two"
    rows = _body(_parse(page).tables["flags"])
    assert [(r["Submission"], r["Exercise"], r["Flag"]) for r in rows] == flagged
    clean = copy.deepcopy(data)
    for s in clean["submissions"]:
        for e in s["exercises"].values():
            e.pop("flags", None)
    clean["submissions"][0]["exercises"] = {"01-x": {
        "points": 0, "max_points": 1, "status": "failed", "message": "",
        "flags": {"kind": "copied"}}}  # a single flag, not in a list
    rows = _body(_parse(class_report_html(clean)).tables["flags"])
    assert [r["Flag"] for r in rows] == ['{"kind": "copied"}']
    clean["submissions"][0]["exercises"] = {}
    other = class_report_html(clean)
    assert "flags" not in _parse(other).tables
    assert re.search(r'id="integrity".*?<p>none</p>', other, re.S)


def test_student_lines_equal_grades_json(data, page):
    rows = _body(_parse(page).tables["students"])
    students = sorted({s["student"] for s in data["submissions"]})
    assert [r["Student"] for r in rows] == students
    for row in rows:
        mine = [s for s in data["submissions"] if s["student"] == row["Student"]]
        for lesson in ("01", "03", "10"):
            got = [s["score"] for s in mine if s["lesson"] == lesson]
            cell = row[next(h for h in row if h.startswith(lesson))]
            assert cell == ("" if not got else f"{max(got):g}")
        total = sum(s["score"] for s in mine if s["lesson"])
        assert float(row["Total"]) == pytest.approx(total, abs=0.0051)


def test_names_and_messages_are_escaped():
    data = synthetic_class(6, seed=1)
    data["submissions"][0]["student"] = "<script>alert(1)</script>"
    page = class_report_html(data)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_write_class_report_writes_the_file(tmp_path, data):
    path = write_class_report(data, tmp_path / "report.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# ------------------------------------------------------------------------- in Chromium

@pytest.mark.browser
def test_report_in_chromium(browser, data, tmp_path):
    path = write_class_report(data, tmp_path / "report.html")
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(f"network: {r.url}")
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 3 and all(w > 0 for w in widths)

    students = page.locator("#students")
    first_col = "t => [...t.tBodies[0].rows].map(r => r.cells[0].textContent)"
    total_col = ("t => [...t.tBodies[0].rows].map(r => "
                 "[r.cells[0].textContent, r.cells[r.cells.length - 3].textContent])")
    names = students.evaluate(first_col)
    assert names == sorted({s["student"] for s in data["submissions"]})
    totals = {}
    for s in data["submissions"]:
        if s["lesson"]:
            totals[s["student"]] = totals.get(s["student"], 0) + s["score"]
    for name, total in students.evaluate(total_col):
        assert float(total) == pytest.approx(totals.get(name, 0), abs=0.0051)

    students.locator("th", has_text="Total").click()   # ascending
    low_first = [float(t) for _, t in students.evaluate(total_col)]
    assert low_first == sorted(low_first)
    assert students.evaluate(first_col) != names  # the rows moved
    students.locator("th", has_text="Total").click()   # descending
    high_first = [float(t) for _, t in students.evaluate(total_col)]
    assert high_first == sorted(high_first, reverse=True)
    students.locator("th", has_text="Student").click()
    assert students.evaluate(first_col) == sorted(names)
    # by keyboard (issue 21: no header could be reached): Tab to a header's button, Enter
    total = students.locator("th", has_text="Total")
    total.locator("button").focus()
    page.keyboard.press("Enter")
    assert total.get_attribute("aria-sort") == "ascending"
    assert [float(t) for _, t in students.evaluate(total_col)] == low_first
    page.keyboard.press("Space")
    assert total.get_attribute("aria-sort") == "descending"
    assert students.locator("th", has_text="Student").get_attribute("aria-sort") is None
    # the histograms are also given as numbers
    counts = page.locator("#histogram-counts-01 tbody tr")
    assert counts.count() >= 2 and ": " in counts.first.text_content()
    assert errors == []
    page.close()
