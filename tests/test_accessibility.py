"""axe-core in Chromium on what gdlab puts in front of people: the class report, a feedback
page, and the nbconvert HTML of every solution notebook (JupyterLab after Run All is in
test_browser.py). Zero violations may come from gdlab's own output; what nbconvert's
template causes is listed by rule below, as known and outside the course's control.

Also: every figure in solutions/ carries alt text that describes its data (the PNG's
``alt`` metadata and the ``text/html`` <img alt> JupyterLab shows; gdlab/figure_text.py).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from launch.axe import violations
from launch.notebooks import lesson_notebooks

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = lesson_notebooks("solutions")
# nbconvert's lab template, not the course: pygments' comment colour and the input prompt
# are below 4.5:1; its CSS draws links inside paragraphs without an underline.
NBCONVERT_KNOWN = {"color-contrast", "link-in-text-block"}
NBCONVERT_PLACEHOLDER = "No description has been provided for this image"


def _figure_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                yield i, out


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_figure_in_the_solutions_has_alt_text_about_its_data(path):
    figures = list(_figure_outputs(path))
    for i, out in figures:
        alt = out.get("metadata", {}).get("image/png", {}).get("alt", "")
        assert len(alt) >= 40, f"{path.name} cell {i}: figure without alt text: {alt!r}"
        # a description of data has numbers in it, not only a title
        assert re.search(r"\d", alt), f"{path.name} cell {i}: alt text has no number: {alt}"
        html = out["data"].get("text/html", "")
        html = "".join(html) if isinstance(html, list) else html
        assert 'alt="' in html, f"{path.name} cell {i}: no <img alt> for JupyterLab"


@pytest.fixture(scope="module")
def chromium():
    from test_browser import CHROMIUM, CHROMIUM_ARGS
    import os
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("GDLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _axe(browser, path, **kwargs):
    page = browser.new_page()
    try:
        page.goto(Path(path).as_uri(), wait_until="load")
        return violations(page, **kwargs)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.slow
def test_class_report_and_feedback_page_have_no_violations(chromium, tmp_path):
    from grading_gallery.class_data import synthetic_class
    from gdlab.grading.class_report import write_class_report
    from gdlab.grading.grader import ExerciseGrade, SubmissionGrade
    from gdlab.grading.report import write_feedback
    report = write_class_report(synthetic_class(25, seed=5), tmp_path / "report.html")
    grade = SubmissionGrade("amy_03", "submitted/amy/ps03/03_linear_regression.ipynb",
                            "0" * 64, "graded", lesson="03",
                            lesson_file="03_linear_regression.ipynb")
    grade.exercises["03-mse"] = ExerciseGrade(1.0, 2.0, "failed", "2 of 4 cases pass: the "
                                              "mean uses m - 1", flags=["opens files"])
    grade.exercises["03-mse-grad"] = ExerciseGrade(2.0, 2.0, "passed", "right")
    grade.exercises["03-lstsq"] = ExerciseGrade(0.0, 2.0, "not attempted", "write it")
    write_feedback(tmp_path, grade, {"03-mse": "The mean squared error"})
    feedback = next(tmp_path.glob("feedback/*.html"))
    for page in (report, feedback):
        found = _axe(chromium, page, everything_ours=True)
        assert not found, f"{page.name}:\n" + "\n".join(map(str, found))


@pytest.mark.browser
@pytest.mark.slow
def test_nbconvert_html_of_every_solution(chromium, tmp_path):
    import nbconvert
    exporter = nbconvert.HTMLExporter()
    table = {}
    for path in SOLUTIONS:
        body, _ = exporter.from_filename(str(path))
        assert NBCONVERT_PLACEHOLDER not in body, f"{path.name}: a figure without alt text"
        page = tmp_path / path.with_suffix(".html").name
        page.write_text(body, encoding="utf-8")
        found = _axe(chromium, page)
        ours = [v for v in found if v.ours]
        theirs = {v.rule for v in found if not v.ours}
        table[path.name] = (len(ours), sorted(theirs))
        assert not ours, f"{path.name}: violations in gdlab's output:\n" + \
            "\n".join(map(str, ours))
        assert theirs <= NBCONVERT_KNOWN, f"{path.name}: new violations outside the " \
            f"outputs: {theirs - NBCONVERT_KNOWN}"
    print("\n".join(f"{k}: ours {n}, nbconvert's {r}" for k, (n, r) in table.items()))
