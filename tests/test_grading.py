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
from gdlab.grading.assemble import (InvalidSubmission, assemble, foreign_answers, identify_lesson,
                                    lesson_note, load_lessons, read_submission)
from gdlab.grading.batch import check_out_dir, expand_submissions, submission_names
from gdlab.grading.grader import ExerciseGrade, SubmissionGrade
from gdlab.grading.probe import ProbeError, case_spec, decode_outcomes, make_probe, new_nonce, \
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


def test_submissions_are_keyed_by_the_path_as_given(tmp_path):
    paths = [tmp_path / "alice" / "03_x.ipynb", tmp_path / "bob" / "03_x.ipynb",
             tmp_path / "carol.ipynb"]
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("{}")
    assert submission_names(paths) == [str(p) for p in paths]
    assert submission_names(["./class1/alice.ipynb", "class2/alice.ipynb"]) == [
        "class1/alice.ipynb", "class2/alice.ipynb"]
    assert expand_submissions([tmp_path]) == sorted(paths)
    with pytest.raises(FileNotFoundError, match="nope.ipynb"):
        expand_submissions([tmp_path / "nope.ipynb"])


def test_a_file_that_is_not_a_notebook_is_an_error_not_a_row(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="Not a notebook: .*notes.txt"):
        expand_submissions([tmp_path / "notes.txt"])


def test_out_that_is_a_file_or_unwritable_fails_before_grading(tmp_path, capsys):
    from gdlab.cli import main
    target = tmp_path / "grades"
    target.write_text("not a folder")
    assert main(["grade", str(tmp_path / "x.ipynb"), "--out", str(target)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    with pytest.raises(ValueError, match="cannot be written"):
        check_out_dir("/proc/gdlab-out")


def test_transient_failures_are_graded_again():
    from gdlab.grading.batch import _up_to_date
    for status, again in (("kernel failed to start", True), ("grader error", True),
                          ("graded", False), ("kernel died", False)):
        prev = SubmissionGrade("a.ipynb", "a.ipynb", "s" * 64, status)
        assert _up_to_date(prev, "s" * 64, {}) is (not again), status


def test_names_that_look_like_formulas_are_escaped_in_csv():
    rows = csv_text([SubmissionGrade("=2+5.ipynb", "=2+5.ipynb", "", "graded"),
                     SubmissionGrade("@x.ipynb", "@x.ipynb", "", "graded")]).splitlines()
    assert rows[1].startswith("'=2+5.ipynb,") and rows[2].startswith("'@x.ipynb,")


def test_markdown_cells_with_solution_metadata_are_ignored(course, tmp_path):
    root, sol, lesson = course
    nb = tl.load(sol)
    code_cell = next(c for c in nb["cells"] if tl.grade_id(c) == "98-double-solution")
    # a markdown cell with the same solution metadata, placed first (first id wins)
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {"nbgrader": {
        "solution": True, "grade": False, "grade_id": "98-double-solution",
        "schema_version": 3}}, "source": "def double(x):\n    return 3 * x\n"})
    sub = read_submission(tl.save(nb, tmp_path / "s.ipynb"), "s")
    assert sub.solutions["98-double-solution"] == "".join(code_cell["source"])


def test_lesson_metadata_missing_or_disagreeing_is_reported(course, tmp_path):
    root, sol, _ = course
    lessons = load_lessons(root / "lessons")
    nb = tl.load(sol)
    renamed = read_submission(tl.save(nb, tmp_path / "05_grader_test.ipynb"), "r")
    lesson = identify_lesson(renamed, lessons)
    assert lesson.lesson == "98"
    assert "file name says lesson 05, but the notebook is lesson 98" in \
        lesson_note(renamed, lesson)
    nb["metadata"] = {}
    bare = read_submission(tl.save(nb, tmp_path / "bare.ipynb"), "b")
    assert "no gdlab lesson metadata" in lesson_note(bare, identify_lesson(bare, lessons))
    nb["metadata"] = {"gdlab": {"lesson": "42"}}
    other = read_submission(tl.save(nb, tmp_path / "other.ipynb"), "o")
    assert "names lesson 42" in lesson_note(other, identify_lesson(other, lessons))


def _renumbered(nb, old, new):
    """The notebook as another release would have it: lesson `old` -> `new` in the
    metadata and in every grade_id."""
    nb = json.loads(json.dumps(nb).replace(f'"{old}-', f'"{new}-'))
    nb["metadata"]["gdlab"] = {"lesson": new}
    return nb


def test_exercise_ids_outweigh_lesson_metadata_from_another_release(tmp_path):
    # The capstone was lesson 10 until lesson 09 was split; it is lesson 11 now. A capstone
    # whose metadata still says 10 but whose answers are 11-* belongs to lesson 11.
    lessons = load_lessons(REPO / "lessons")
    nb = tl.load(REPO / "solutions" / "11_capstone.ipynb")
    nb["metadata"]["gdlab"] = {"lesson": "10"}
    sub = read_submission(tl.save(nb, tmp_path / "10_capstone.ipynb"), "c")
    lesson = identify_lesson(sub, lessons)
    assert lesson.lesson == "11"
    assert "names lesson 10, but it was graded as lesson 11" in lesson_note(sub, lesson)
    assert foreign_answers(sub, lesson) == []


def test_answers_from_a_previous_release_are_not_scored_as_zero(course, tmp_path):
    # Found by grading the previous release's capstone (metadata lesson 10, answers
    # 10-r2 ... 10-config) against today's lessons: it was "graded 0/6" as lesson 10,
    # Newton's method, with status "graded" and no word about why.
    lessons = load_lessons(REPO / "lessons")
    old = _renumbered(tl.load(REPO / "solutions" / "11_capstone.ipynb"), "11", "10")
    sub = read_submission(tl.save(old, tmp_path / "10_capstone.ipynb"), "old")
    lesson = identify_lesson(sub, lessons)
    assert lesson.lesson == "10"
    foreign = foreign_answers(sub, lesson)
    assert {"10-r2-solution", "10-epochs-solution", "10-paired-solution",
            "10-config-solution", "10-experiments-scaling"} <= set(foreign)
    assert all(a.startswith("10-") for a in foreign)
    # End to end, on the test lesson: a lesson-98 notebook renumbered to 97 ids but still
    # carrying lesson 98 in its metadata is reported, not run and not scored.
    root, sol, _ = course
    shifted = _renumbered(tl.load(sol), "98", "97")
    shifted["metadata"]["gdlab"] = {"lesson": "98"}
    tl.save(shifted, root / "subs" / "old.ipynb")
    tl.save(tl.load(sol), root / "subs" / "good.ipynb")
    res = grade_submissions([root / "subs" / "old.ipynb", root / "subs" / "good.ipynb"],
                            root / "out", lessons_dir=root / "lessons", options=OPTIONS,
                            progress=False)
    rows = {Path(k).name: g for k, g in res.grades.items()}
    assert (rows["good.ipynb"].status, rows["good.ipynb"].score) == ("graded", 6)
    stale = rows["old.ipynb"]
    assert stale.status == "answers not in lesson" and stale.exercises == {}
    assert "answers exercises 97-double, 97-norm, 97-rate" in stale.message
    assert "whose exercises are 98-double, 98-norm, 98-rate" in stale.message


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
    with pytest.raises(ProbeError, match="not well-formed.*JSONDecodeError"):
        decode_outcomes("{oops", 1)
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


def test_feedback_says_what_integrity_flags_mean():
    g = _grade("alice", **{"98-a": 1.0, "98-b": 1.0})
    g.exercises["98-a"].flags = ["opens files (open)", "same code as <b>"]
    page = feedback_html(g)
    assert "Flagged for your instructor to look at (no points were taken" in page
    assert "<li>opens files (open)</li>" in page and "same code as &lt;b&gt;" in page
    assert page.count("Flagged for your instructor") == 1   # 98-b has no flags


def test_options_are_validated():
    with pytest.raises(ValueError, match="cell_timeout: 0"):
        GradeOptions(cell_timeout=0)
    with pytest.raises(ValueError, match="memory_mb: 10"):
        GradeOptions(memory_mb=10)
    with pytest.raises(ValueError, match="jobs: -1"):
        GradeOptions(jobs=-1)


# ------------------------------------------------------------------ end to end (kernels)

@pytest.mark.slow
def test_solution_full_marks_lesson_zero_and_rerun_skips(course, monkeypatch):
    root, sol, lesson = course
    monkeypatch.chdir(root)   # submissions named by relative paths, as an instructor would
    tl.save(tl.load(sol), root / "subs" / "good.ipynb")
    tl.save(tl.load(lesson), root / "subs" / "stub.ipynb")
    subs = [Path("subs/good.ipynb"), Path("subs/stub.ipynb")]
    out = root / "out"
    res = grade_submissions(subs, out, lessons_dir=root / "lessons", options=OPTIONS,
                            progress=False)
    assert sorted(res.graded) == ["subs/good.ipynb", "subs/stub.ipynb"]
    good, stub = res.grades["subs/good.ipynb"], res.grades["subs/stub.ipynb"]
    assert (good.status, good.score, good.max_score) == ("graded", 6, 6)
    assert all(e.status == "passed" for e in good.exercises.values())
    assert (stub.status, stub.score, stub.max_score) == ("graded", 0, 6)
    assert {e.status for e in stub.exercises.values()} == {"not attempted"}
    assert (out / "grades.csv").read_text().splitlines() == [
        "submission,lesson,status,score,max_score,sandbox,98-double,98-norm,98-rate",
        "subs/good.ipynb,98,graded,6,6,bubblewrap,2,3,1",
        "subs/stub.ipynb,98,graded,0,6,bubblewrap,0,0,0"]
    data = json.loads((out / "grades.json").read_text())
    row = next(s for s in data["submissions"] if s["name"] == "subs/good.ipynb")
    norm = row["exercises"]["98-norm"]
    # 3 cases of the lesson + 2 hidden (the Ref case has no float to draw anew)
    assert norm["message"].startswith("✔ 98-norm: all 5 cases pass (3 points)\n(2 of the 5 "
                                      "cases were hidden")
    assert (norm["points"], norm["status"], norm["finding"]) == (3.0, "passed", "")
    assert row["feedback"].startswith("feedback/subs_good.ipynb")
    assert len(row["sha256"]) == 64
    assert (out / row["feedback"]).exists()
    assert (out / "hidden-cases.seed").read_text().strip().isdigit()

    # unchanged -> skipped; changed -> regraded; --force -> everything again
    again = grade_submissions(subs, out, lessons_dir=root / "lessons", options=OPTIONS,
                              progress=False)
    assert (again.graded, sorted(again.skipped)) == ([], ["subs/good.ipynb",
                                                          "subs/stub.ipynb"])
    tl.save(tl.with_solution(tl.load(sol), "98-rate-solution", "rate = 0.25"), subs[0])
    third = grade_submissions(subs, out, lessons_dir=root / "lessons", options=OPTIONS,
                              progress=False)
    assert (third.graded, third.skipped) == (["subs/good.ipynb"], ["subs/stub.ipynb"])
    assert third.grades["subs/good.ipynb"].score == 5
    forced = grade_submissions(subs, out, lessons_dir=root / "lessons", options=OPTIONS,
                               progress=False, force=True)
    assert sorted(forced.graded) == ["subs/good.ipynb", "subs/stub.ipynb"]

    # the same file name from another folder is another row, also in a later run
    tl.save(tl.load(sol), root / "other" / "good.ipynb")
    other = grade_submissions([Path("other/good.ipynb")], out, lessons_dir=root / "lessons",
                              options=OPTIONS, progress=False)
    assert sorted(other.grades) == ["other/good.ipynb", "subs/good.ipynb", "subs/stub.ipynb"]


@pytest.mark.slow
def test_gdlab_grade_command(course, capsys, monkeypatch):
    from gdlab.cli import main
    root, sol, _ = course
    monkeypatch.chdir(root)
    sub = tl.save(tl.load(sol), root / "alice.ipynb")
    bad = root / "bob.ipynb"
    bad.write_text("")
    out = root / "out"
    code = main(["grade", "alice.ipynb", "bob.ipynb", "--out", str(out), "--lessons",
                 str(root / "lessons"), "--jobs", "2", "--cell-timeout", "10",
                 "--notebook-timeout", "60", "--memory-mb", "1024",
                 "--student-pattern", r"(?P<student>[a-z]+)\.ipynb$"])
    assert code == 0
    captured = capsys.readouterr()
    assert "graded 2, skipped 0" in captured.out
    assert "grading [" in captured.err  # the progress bar
    assert (out / "grades.csv").read_text().splitlines()[1:] == [
        "alice.ipynb,98,graded,6,6,bubblewrap,2,3,1",
        "bob.ipynb,,invalid: empty file,0,,bubblewrap,,,"]
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
        full = res.grades[str(tmp_path / "solutions" / sol.name)]
        assert full.status == "graded", (full.name, full.message)
        assert full.max_score > 0
        assert full.score == full.max_score, {
            g: (e.status, e.message) for g, e in full.exercises.items()
            if e.status != "passed"}
        zero = res.grades[str(tmp_path / "lessons" / les.name)]
        assert zero.status == "graded" and zero.score == 0, zero
        assert {e.status for e in zero.exercises.values()} == {"not attempted"}


def _children(pid):
    """Pids whose parent is pid, read from /proc (Linux, where the grader runs)."""
    from pathlib import Path
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _as_from_a_terminal():
    # A pytest-xdist worker may block or ignore SIGINT, and children inherit both; a
    # grader started from a shell has neither.
    import signal
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.mark.slow
def test_ctrl_c_says_what_is_left_and_leaves_no_temp_folders(course, tmp_path):
    import signal
    import subprocess
    import sys
    import time
    root, sol, _ = course
    slow = tl.with_solution(tl.load(sol), "98-double-solution",
                            "import time\ntime.sleep(60)\n")
    subs = [str(tl.save(slow, root / f"s{i}.ipynb")) for i in range(2)]
    import tempfile
    tmp = Path(tempfile.mkdtemp(prefix="ctrl-c-", dir="/tmp"))
    env = dict(__import__("os").environ, TMPDIR=str(tmp))
    proc = subprocess.Popen([sys.executable, "-m", "gdlab", "grade", *subs, "--out",
                             str(root / "out"), "--lessons", str(root / "lessons"),
                             "--jobs", "1", "--quiet"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_as_from_a_terminal)
    # Wait until the grader has started a kernel (a child process): by then every import
    # is done and SIGINT lands in the grading loop, as it would from a person at a
    # terminal. The slow cell keeps the first submission busy for a minute after that.
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children(proc.pid), "the grader never started a kernel"
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted: 0 graded, 2 left; run the same command to continue" in err
    assert "Traceback" not in err
    assert list(tmp.iterdir()) == []
    tmp.rmdir()


def test_a_deep_temp_folder_does_not_stop_sandboxed_kernels(course, monkeypatch):
    # Found under pytest-xdist: with TMPDIR=/tmp/pytest-of-root/pytest-3/popen-gw0/
    # test_ctrl_c_says_what_is_left_0/tmp every kernel failed to start ("ZMQError ...
    # too long (addr='ipc:///tmp/pytest-of-root/.../tmp/gdlab-grade-...")): Unix socket
    # paths hold at most 107 bytes.
    import tempfile
    root, sol, _ = course
    deep = root / ("deep-" * 12) / "tmp"
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    sub = tl.save(tl.load(sol), root / "alice.ipynb")
    res = grade_submissions([sub], root / "out", lessons_dir=root / "lessons",
                            options=OPTIONS, progress=False)
    grade = res.grades[str(sub)]
    assert grade.status == "graded", grade.message
    assert grade.sandbox == "bubblewrap"
    assert grade.score == grade.max_score == 6


def test_without_bwrap_grading_stops_and_says_how_to_get_a_sandbox(course, monkeypatch,
                                                                    capsys):
    from gdlab.cli import main
    from gdlab.grading import sandbox
    root, sol, _ = course
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable) as err:
        sandbox.find_sandbox()
    assert "apt-get install bubblewrap" in str(err.value)
    assert "--no-sandbox" in str(err.value)
    sub = tl.save(tl.load(sol), root / "alice.ipynb")
    assert main(["grade", str(sub), "--out", str(root / "out"), "--lessons",
                 str(root / "lessons"), "--quiet"]) == 2
    assert "bubblewrap (bwrap) is not installed" in capsys.readouterr().err
    assert not (root / "out" / "grades.json").exists()


@pytest.mark.slow
def test_no_sandbox_grades_with_a_warning_and_every_row_says_so(course, capsys):
    from gdlab.grading import isolation
    root, sol, _ = course
    isolation._warned.clear()
    sub = tl.save(tl.load(sol), root / "alice.ipynb")
    options = GradeOptions(cell_timeout=10, notebook_timeout=120, memory_mb=1024, jobs=1,
                           sandbox=False, kernel_user="none")
    res = grade_submissions([sub], root / "out", lessons_dir=root / "lessons",
                            options=options, progress=False)
    grade = res.grades[str(sub)]
    assert (grade.score, grade.sandbox) == (6, "none")
    assert ",none," in (root / "out" / "grades.csv").read_text().splitlines()[1]
    assert json.loads((root / "out" / "grades.json").read_text())[
        "submissions"][0]["sandbox"] == "none"
    assert "WITHOUT a sandbox" in capsys.readouterr().err


def test_a_python_environment_under_tmp_is_visible_to_the_dropped_kernel(tmp_path):
    # Found by CI on a checkout under /tmp: every grading test failed with "bubblewrap could
    # not start a sandbox here (ModuleNotFoundError: No module named 'ipykernel')", because
    # the folders bwrap made in the sandbox's fresh /tmp to hold /tmp/ci1/.venv were 0700,
    # and the kernel had dropped root.
    import os
    import shutil
    import subprocess
    import tempfile
    from grading_gallery.sandbox import require_sandbox
    box = require_sandbox()
    env = Path(tempfile.mkdtemp(prefix="env-under-tmp-", dir="/tmp"))
    conn = Path(tempfile.mkdtemp(prefix="conn-", dir="/tmp"))
    try:
        site = env / "deep" / "site-packages"
        site.mkdir(parents=True)
        (site / "probe_module_under_tmp.py").write_text("VALUE = 42\n")
        for d in (env, env / "deep", site):
            d.chmod(0o755)
        (site / "probe_module_under_tmp.py").chmod(0o644)
        box.prefixes = [*box.prefixes, str(site)]
        drop = ("import os; os.setgroups([]); os.setgid(65534); os.setuid(64999); "
                if os.geteuid() == 0 else "")
        code = (drop + f"import sys; sys.path.insert(0, {str(site)!r}); "
                "import probe_module_under_tmp as m; print(m.VALUE)")
        done = subprocess.run(box.command(str(conn), [box.python, "-c", code]),
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "42"
    finally:
        shutil.rmtree(env, ignore_errors=True)
        shutil.rmtree(conn, ignore_errors=True)
