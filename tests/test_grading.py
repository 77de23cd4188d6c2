"""The batch grader (gdlab.grading): assembly, probes, reports, re-runs, the CLI, and the
real lessons (every solution notebook full marks, every released lesson zero)."""
import contextlib
import io
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from gdlab.checks import decode_probe, evaluate, probe
from gdlab.grading import GradeOptions, grade_submissions
from gdlab.grading.assemble import (InvalidSubmission, assemble, identify_lesson,
                                    load_lessons, read_submission)
from gdlab.grading.batch import expand_submissions, submission_names
from gdlab.grading.grader import ExerciseGrade, SubmissionGrade
from gdlab.grading.probe import ProbeError, case_spec, make_probe, new_nonce, \
    parse_probe_output
from gdlab.grading.report import atomic_write, csv_text, feedback_html, load_grades
from grading_gallery import lesson as tl

REPO = Path(__file__).resolve().parents[1]
OPTIONS = GradeOptions(cell_timeout=10, notebook_timeout=120, memory_mb=1024, jobs=2)


@pytest.fixture()
def course(tmp_path):
    sol, lesson = tl.build_course(tmp_path)
    return tmp_path, sol, lesson


# ------------------------------------------------------------------------- assembly

def test_assemble_takes_only_solution_cells_from_the_submission(course):
    root, sol, _ = course
    lessons = load_lessons(root / "lessons")
    nb = tl.load(sol)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "nbgrader" not in cell.get("metadata", {}):
            cell["source"] = "raise SystemExit('learner edit')"
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": "extra = 1",
                        "outputs": [], "execution_count": None})
    sub = read_submission(tl.save(nb, root / "s.ipynb"), "s")
    steps = assemble(identify_lesson(sub, lessons), sub)
    assert [(s.kind, s.grade_id) for s in steps] == [
        ("code", ""), ("solution", "98-double-solution"), ("probe", "98-double"),
        ("solution", "98-norm-solution"), ("probe", "98-norm"),
        ("solution", "98-rate-solution"), ("probe", "98-rate"), ("code", "")]
    # the learner's edits outside solution cells are gone; solutions are theirs
    assert steps[0].source.startswith("import numpy as np")
    assert steps[-1].source == "print('the end')"
    assert steps[1].source == tl.SOLUTIONS["98-double-solution"]


def test_released_stub_is_used_when_a_solution_cell_is_missing(course):
    root, sol, _ = course
    lessons = load_lessons(root / "lessons")
    nb = tl.load(sol)
    nb["cells"] = [c for c in nb["cells"] if tl.grade_id(c) != "98-rate-solution"]
    sub = read_submission(tl.save(nb, root / "s.ipynb"), "s")
    steps = assemble(lessons["98"], sub)
    rate = next(s for s in steps if s.grade_id == "98-rate-solution")
    assert "raise NotImplementedError()" in rate.source
    assert "98-rate-solution" not in sub.solutions


def test_lesson_found_by_metadata_ids_or_filename(course):
    root, sol, _ = course
    lessons = load_lessons(root / "lessons")
    nb = tl.load(sol)
    by_meta = read_submission(tl.save(nb, root / "x.ipynb"), "x")
    assert identify_lesson(by_meta, lessons).lesson == "98"
    nb["metadata"] = {}
    by_ids = read_submission(tl.save(nb, root / "y.ipynb"), "y")
    assert identify_lesson(by_ids, lessons).lesson == "98"
    bare = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    by_name = read_submission(tl.save(bare, root / "98_mine.ipynb"), "98_mine")
    assert identify_lesson(by_name, lessons).lesson == "98"
    unknown = read_submission(tl.save(bare, root / "mine.ipynb"), "mine")
    assert identify_lesson(unknown, lessons) is None


@pytest.mark.parametrize("text, status", [
    ("", "invalid: empty file"), ("  \n", "invalid: empty file"),
    ("{not json", "invalid: not JSON"), ("[]", "invalid: not a notebook"),
    ('{"a": 1}', "invalid: not a notebook"),
    ('{"nbformat": 3, "worksheets": []}', "invalid: unsupported nbformat"),
    ('{"nbformat": 5, "cells": []}', "invalid: unsupported nbformat"),
    ('{"nbformat": 4, "cells": {}}', "invalid: not a notebook"),
    (b"\xff\xfe\x00garbage", "invalid: not JSON"),
])
def test_unreadable_files_get_a_clear_status(tmp_path, text, status):
    path = tmp_path / "bad.ipynb"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidSubmission) as err:
        read_submission(path, "bad")
    assert err.value.status == status
    assert err.value.message


def test_submission_names_are_unique_and_short(tmp_path):
    paths = [tmp_path / "alice" / "03_x.ipynb", tmp_path / "bob" / "03_x.ipynb",
             tmp_path / "carol.ipynb"]
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("{}")
    assert submission_names(paths) == ["alice/03_x", "bob/03_x", "carol"]
    assert expand_submissions([tmp_path]) == sorted(paths)
    with pytest.raises(FileNotFoundError, match="nope.ipynb"):
        expand_submissions([tmp_path / "nope.ipynb"])


# ---------------------------------------------------------------------------- probes

def _run_probe_here(exercise, namespace):
    nonce = new_nonce()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(make_probe(case_spec(exercise), nonce), namespace)
    return parse_probe_output(buf.getvalue(), nonce)


@pytest.mark.parametrize("source", [
    "def double(x):\n    return 2.0 * np.asarray(x, dtype=float)\n",
    "def double(x):\n    x *= 2\n    return x\n",              # mutates its input
    "def double(x):\n    raise KeyError('k')\n",
    "def double(x):\n    raise NotImplementedError()\n",
    "def double(x):\n    print('noise')\n    return [2 * x]\n",
    "double = 3\n",
    "",                                                          # not defined
])
def test_probe_outcomes_equal_the_in_notebook_probe(source):
    """The self-contained kernel runtime must report exactly what gdlab.checks.probe does,
    so the grader's verdict equals the learner's check()."""
    ns = {"np": np}
    exec(source, ns)
    mine = _run_probe_here(tl.DOUBLE, dict(ns))
    theirs = probe(tl.DOUBLE.id, dict(ns))
    assert json.loads(mine) == json.loads(theirs)
    assert evaluate(tl.DOUBLE, decode_probe(mine)) == evaluate(tl.DOUBLE,
                                                               decode_probe(theirs))


def test_probe_evaluates_ref_arguments_in_the_kernel():
    ns = {"np": np}
    exec("def norm2(v):\n    return float(np.sqrt(np.sum(v ** 2)))\n", ns)
    assert evaluate(tl.NORM, decode_probe(_run_probe_here(tl.NORM, ns))).status == "passed"
    assert '"__ref__":"np.arange(3.0)"' in case_spec(tl.NORM)


def test_probe_output_must_be_exactly_one_block():
    n = "ab" * 16
    good = f"noise @@gdlab-probe-begin:{n}@@{{\"outcomes\":null}}@@gdlab-probe-end:{n}@@\n"
    assert parse_probe_output(good, n) == '{"outcomes":null}'
    with pytest.raises(ProbeError, match="no result"):
        parse_probe_output("✔ all pass", n)
    with pytest.raises(ProbeError, match="tampered"):
        parse_probe_output(good + good, n)
    with pytest.raises(ProbeError, match="no result"):
        parse_probe_output(good.replace(n, "cd" * 16), n)  # another nonce is not ours
    with pytest.raises(ProbeError, match="JSON"):
        parse_probe_output(good.replace('{"outcomes":null}', "{oops"), n)
    assert new_nonce() != new_nonce() and len(new_nonce()) == 32


# --------------------------------------------------------------------------- reports

def _grade(name, lesson="98", **points):
    g = SubmissionGrade(name, f"{name}.ipynb", "0" * 64, "graded", lesson=lesson)
    for gid, p in points.items():
        g.exercises[gid.replace("_", "-")] = ExerciseGrade(p, 2.0, "passed", "ok")
    return g


def test_csv_has_one_column_per_exercise_in_lesson_order():
    a = _grade("b", **{"98-zeta": 2.0, "98-alpha": 1.33})
    b = _grade("a", lesson="97", **{"97-one": 0.5})
    c = SubmissionGrade("c", "c.ipynb", "", "invalid: empty file", "empty")
    lines = csv_text([a, b, c]).splitlines()
    assert lines == ["submission,lesson,status,score,max_score,sandbox,97-one,98-zeta,98-alpha",
                     "a,97,graded,0.5,2,bubblewrap,0.5,,",
                     "b,98,graded,3.33,4,bubblewrap,,2,1.33",
                     "c,,invalid: empty file,0,,bubblewrap,,,"]


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "d" / "f.txt"
    atomic_write(target, "one")
    atomic_write(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["f.txt"]


def test_grades_json_of_someone_else_is_not_overwritten(tmp_path):
    (tmp_path / "grades.json").write_text('{"students": []}')
    with pytest.raises(ValueError, match="not written by gdlab grade"):
        load_grades(tmp_path)


def test_feedback_is_escaped_html():
    g = _grade("<x>", **{"98-a": 1.0})
    g.exercises["98-a"].message = "<script>alert(1)</script>"
    page = feedback_html(g, {"98-a": "Title & co"})
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Title &amp; co" in page


def test_options_are_validated():
    with pytest.raises(ValueError, match="cell_timeout: 0"):
        GradeOptions(cell_timeout=0)
    with pytest.raises(ValueError, match="memory_mb: 10"):
        GradeOptions(memory_mb=10)
    with pytest.raises(ValueError, match="jobs: -1"):
        GradeOptions(jobs=-1)


# ------------------------------------------------------------------ end to end (kernels)

@pytest.mark.slow
def test_solution_full_marks_lesson_zero_and_rerun_skips(course):
    root, sol, lesson = course
    subs = [tl.save(tl.load(sol), root / "subs" / "good.ipynb"),
            tl.save(tl.load(lesson), root / "subs" / "stub.ipynb")]
    out = root / "out"
    res = grade_submissions(subs, out, lessons_dir=root / "lessons", options=OPTIONS,
                            progress=False)
    assert sorted(res.graded) == ["good", "stub"]
    good, stub = res.grades["good"], res.grades["stub"]
    assert (good.status, good.score, good.max_score) == ("graded", 6, 6)
    assert all(e.status == "passed" for e in good.exercises.values())
    assert (stub.status, stub.score, stub.max_score) == ("graded", 0, 6)
    assert {e.status for e in stub.exercises.values()} == {"not attempted"}
    assert (out / "grades.csv").read_text().splitlines() == [
        "submission,lesson,status,score,max_score,98-double,98-norm,98-rate",
        "good,98,graded,6,6,2,3,1", "stub,98,graded,0,6,0,0,0"]
    data = json.loads((out / "grades.json").read_text())
    row = next(s for s in data["submissions"] if s["name"] == "good")
    assert row["exercises"]["98-norm"] == {
        "points": 3.0, "max_points": 3.0, "status": "passed",
        "message": "✔ 98-norm: all 3 cases pass (3 points)", "finding": "",
        "mistakes": []}
    assert row["feedback"] == "feedback/good.html"
    assert len(row["sha256"]) == 64
    assert (out / "feedback" / "good.html").exists()

    # unchanged -> skipped; changed -> regraded; --force -> everything again
    again = grade_submissions(subs, out, lessons_dir=root / "lessons", options=OPTIONS,
                              progress=False)
    assert (again.graded, sorted(again.skipped)) == ([], ["good", "stub"])
    tl.save(tl.with_solution(tl.load(sol), "98-rate-solution", "rate = 0.25"), subs[0])
    third = grade_submissions(subs, out, lessons_dir=root / "lessons", options=OPTIONS,
                              progress=False)
    assert (third.graded, third.skipped) == (["good"], ["stub"])
    assert third.grades["good"].score == 5
    forced = grade_submissions(subs, out, lessons_dir=root / "lessons", options=OPTIONS,
                               progress=False, force=True)
    assert sorted(forced.graded) == ["good", "stub"]


@pytest.mark.slow
def test_gdlab_grade_command(course, capsys):
    from gdlab.cli import main
    root, sol, _ = course
    sub = tl.save(tl.load(sol), root / "alice.ipynb")
    bad = root / "bob.ipynb"
    bad.write_text("")
    out = root / "out"
    code = main(["grade", str(sub), str(bad), "--out", str(out), "--lessons",
                 str(root / "lessons"), "--jobs", "2", "--cell-timeout", "10",
                 "--notebook-timeout", "60", "--memory-mb", "1024",
                 "--student-pattern", r"(?P<student>[a-z]+)\.ipynb$"])
    assert code == 0
    captured = capsys.readouterr()
    assert "graded 2, skipped 0" in captured.out
    assert "grading [" in captured.err  # the progress bar
    assert (out / "grades.csv").read_text().splitlines()[1:] == [
        "alice,98,graded,6,6,2,3,1", "bob,,invalid: empty file,0,,,,"]
    assert (out / "gradebook.csv").read_text() == \
        "student,98_grader_test,total\nalice,6,6\nbob,,0\n"
    assert "Lesson 98_grader_test" in (out / "report.html").read_text(encoding="utf-8")
    assert main(["grade", str(sub), "--out", str(out), "--lessons",
                 str(root / "nowhere")]) == 2
    assert "No lessons folder" in capsys.readouterr().err


def _real_lesson_pairs():
    lessons = REPO / "lessons"
    if not lessons.is_dir():
        return []
    pairs = []
    for les in sorted(lessons.glob("*.ipynb")):
        sol = REPO / "solutions" / les.name
        meta = nbformat.read(les, as_version=4)
        has_checks = any(c.get("metadata", {}).get("nbgrader", {}).get("grade")
                         for c in meta.cells)
        if sol.exists() and has_checks:
            pairs.append((sol, les))
    return pairs


@pytest.mark.slow
@pytest.mark.skipif(not _real_lesson_pairs(), reason="no released lessons with checks yet")
def test_real_solutions_get_full_marks_and_released_lessons_zero(tmp_path):
    pairs = _real_lesson_pairs()
    subs = []
    for sol, les in pairs:
        subs.append(tl.save(tl.load(sol), tmp_path / "solutions" / sol.name))
        subs.append(tl.save(tl.load(les), tmp_path / "lessons" / les.name))
    options = GradeOptions(cell_timeout=120, notebook_timeout=600, memory_mb=4096, jobs=2)
    res = grade_submissions(subs, tmp_path / "out", lessons_dir=REPO / "lessons",
                            options=options, progress=False)
    for sol, les in pairs:
        full = res.grades[f"solutions/{sol.stem}"]
        assert full.status == "graded", (full.name, full.message)
        assert full.max_score > 0
        assert full.score == full.max_score, {
            g: (e.status, e.message) for g, e in full.exercises.items()
            if e.status != "passed"}
        zero = res.grades[f"lessons/{les.stem}"]
        assert zero.status == "graded" and zero.score == 0, zero
        assert {e.status for e in zero.exercises.values()} == {"not attempted"}
