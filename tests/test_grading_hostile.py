"""The grader against hostile and broken submissions of test lesson 98.

All gallery submissions are graded in one run (two kernels at once, 5 s cell limit,
1 GB memory limit); every entry asserts its exact row status, total score and the points
and status of each exercise (expectations in tests/grading_gallery/hostile.py).
"""
import json

import pytest

from gdlab.grading import GradeOptions, grade_submissions
from grading_gallery import hostile
from grading_gallery.lesson import build_course, load, save, with_solution

pytestmark = pytest.mark.slow

OPTIONS = GradeOptions(cell_timeout=5, notebook_timeout=90, memory_mb=1024, jobs=2)


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    sol, lesson = build_course(root)
    nb = load(sol)
    subs = root / "submissions"
    paths = [save(nb, subs / "solution.ipynb")]
    for name, build in hostile.BUILDERS.items():
        paths.append(save(build(nb), subs / f"{name}.ipynb"))
    paths.append(save(hostile.writes_files(nb, lesson), subs / "writes_files.ipynb"))
    for name, text in hostile.RAW.items():
        path = subs / f"{name}.ipynb"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    out = root / "out"
    result = grade_submissions(paths, out, lessons_dir=root / "lessons", options=OPTIONS,
                               progress=False)
    return {"root": root, "out": out, "result": result, "lesson": lesson,
            "json": json.loads((out / "grades.json").read_text(encoding="utf-8"))}


@pytest.mark.parametrize("name", sorted(hostile.EXPECTED))
def test_gallery_entry_gets_exact_grade(gallery, name):
    status, score, exercises = hostile.EXPECTED[name]
    rows = {s["name"]: s for s in gallery["json"]["submissions"]}
    row = rows[name]
    assert row["status"] == status, row
    assert row["score"] == pytest.approx(score, abs=1e-9), row
    if exercises is None:
        assert row["exercises"] == {}
        assert row["max_score"] is None
        assert row["message"]  # says what is wrong with the file
    else:
        assert row["max_score"] == 6
        got = {gid: (e["points"], e["status"]) for gid, e in row["exercises"].items()}
        assert got == {gid: (pytest.approx(p, abs=1e-9), s)
                       for gid, (p, s) in exercises.items()}, row


def test_messages_say_what_happened(gallery):
    rows = {s["name"]: s for s in gallery["json"]["submissions"]}

    def msg(name, gid="98-double"):
        return rows[name]["exercises"][gid]["message"]
    assert "longer than 5 s" in msg("infinite_loop")
    assert "kernel died" in msg("kernel_exit")
    assert "ValueError" in msg("exception") and "no idea" in msg("exception")
    assert "MemoryError" in msg("memory_hog")
    assert "tampered" in msg("fake_output")
    assert "is 7, but the expected value is 3" in msg("always_equal")
    assert "no solution cell" in msg("missing_solution", "98-norm")
    assert "ran longer than 5 s" in msg("hung_cell", "98-norm")
    assert "2 of 3 cases" in msg("partial")
    assert "empty" in rows["empty"]["message"]
    assert "nbformat 3" in rows["nbformat3"]["message"]


def test_files_written_by_submissions_change_nothing(gallery):
    out = gallery["out"]
    # the submission overwrote the lesson file after the grader had read it ...
    assert gallery["lesson"].read_text(encoding="utf-8") == "{}"
    # ... and its grades.csv / feedback.html went to its own temporary directory
    assert not (gallery["root"] / "submissions" / "grades.csv").exists()
    assert "me,100" not in (out / "grades.csv").read_text(encoding="utf-8")
    assert not (out / "feedback.html").exists()


def test_every_submission_has_a_row_and_feedback(gallery):
    out = gallery["out"]
    lines = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "submission,status,score,max_score,98-double,98-norm,98-rate"
    names = sorted(hostile.EXPECTED)
    assert [line.split(",")[0] for line in lines[1:]] == names
    for name in names:
        page = (out / "feedback" / f"{name}.html").read_text(encoding="utf-8")
        assert name in page
        assert "BEGIN SOLUTION" not in page and "np.arange(3.0)" not in page
    assert sorted(gallery["result"].graded) == names


def test_notebook_time_limit_stops_the_run(tmp_path):
    sol, _ = build_course(tmp_path)
    nb = with_solution(load(sol), "98-double-solution",
                       "import time\ntime.sleep(30)\n" + hostile.GOOD_DOUBLE)
    path = save(nb, tmp_path / "slow.ipynb")
    options = GradeOptions(cell_timeout=5, notebook_timeout=2, memory_mb=1024, jobs=1)
    res = grade_submissions([path], tmp_path / "out", lessons_dir=tmp_path / "lessons",
                            options=options, progress=False)
    grade = res.grades["slow"]
    assert grade.status == "notebook timeout"
    assert grade.score == 0 and grade.max_score == 6
    assert {g: e.status for g, e in grade.exercises.items()} == {
        "98-double": "not run", "98-norm": "not run", "98-rate": "not run"}
    assert "longer than 2 s" in grade.exercises["98-norm"].message
