"""The grader against hostile and broken submissions of test lesson 98.

All gallery submissions are graded in one run (two kernels at once, 5 s cell limit,
1 GB memory limit); every entry asserts its exact row status, total score and the points
and status of each exercise (expectations in tests/grading_gallery/hostile.py).
"""
import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

import gdlab.checks.encode
from gdlab.grading import GradeOptions, grade_submissions, isolation
from gdlab.grading.executor import KernelSession
from grading_gallery import hostile
from grading_gallery.lesson import build_course, load, save, with_solution
from grading_gallery.sandbox import require_sandbox

pytestmark = pytest.mark.slow

OPTIONS = GradeOptions(cell_timeout=5, notebook_timeout=90, memory_mb=1024, jobs=2)



@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    require_sandbox()
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
    rows = {Path(s["name"]).stem: s for s in gallery["json"]["submissions"]}
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
    rows = {Path(s["name"]).stem: s for s in gallery["json"]["submissions"]}

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
    assert "4 of 6 cases" in msg("partial")   # 3 visible + 3 hidden, numbers right only
    assert "3 of the 6 cases were hidden" in msg("partial")
    assert "empty" in rows["empty"]["message"]
    assert "nbformat 3" in rows["nbformat3"]["message"]


def test_files_written_by_submissions_change_nothing(gallery):
    out = gallery["out"]
    # the submission tried to overwrite the lesson file: in its sandbox it does not exist
    assert gallery["lesson"].read_text(encoding="utf-8") != "{}"
    # ... and its grades.csv / feedback.html went to its own temporary directory
    assert not (gallery["root"] / "submissions" / "grades.csv").exists()
    assert "me,100" not in (out / "grades.csv").read_text(encoding="utf-8")
    assert not (out / "feedback.html").exists()


def test_every_submission_has_a_row_and_feedback(gallery):
    out = gallery["out"]
    lines = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("submission,lesson,status,score,max_score,sandbox,"
                        "98-double,98-norm,98-rate")
    names = sorted(hostile.EXPECTED)
    assert [Path(line.split(",")[0]).stem for line in lines[1:]] == names
    rows = {Path(s["name"]).stem: s for s in gallery["json"]["submissions"]}
    for name in names:
        page = (out / rows[name]["feedback"]).read_text(encoding="utf-8")
        assert name in page
        assert "BEGIN SOLUTION" not in page and "np.arange(3.0)" not in page
    assert sorted(Path(n).stem for n in gallery["result"].graded) == names


def test_notebook_time_limit_stops_the_run(tmp_path):
    sol, _ = build_course(tmp_path)
    nb = with_solution(load(sol), "98-double-solution",
                       "import time\ntime.sleep(30)\n" + hostile.GOOD_DOUBLE)
    path = save(nb, tmp_path / "slow.ipynb")
    options = GradeOptions(cell_timeout=5, notebook_timeout=2, memory_mb=1024, jobs=1)
    res = grade_submissions([path], tmp_path / "out", lessons_dir=tmp_path / "lessons",
                            options=options, progress=False)
    grade = res.grades[str(path)]
    assert grade.status == "notebook timeout"
    assert grade.score == 0 and grade.max_score == 6
    assert {g: e.status for g, e in grade.exercises.items()} == {
        "98-double": "not run", "98-norm": "not run", "98-rate": "not run"}
    assert "longer than 2 s" in grade.exercises["98-norm"].message


# ------------------------------------------------------------------ privilege separation

def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_not_root_warns_once_and_runs_kernels_as_the_grader(monkeypatch):
    monkeypatch.setattr(isolation.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(isolation, "_warned", set())
    err = io.StringIO()
    assert isolation.resolve_kernel_users("auto", 3, stream=err) is None
    assert isolation.resolve_kernel_users("auto", 3, stream=err) is None
    assert err.getvalue().count("NOT isolated") == 1
    assert "--kernel-user" in err.getvalue()
    with pytest.raises(ValueError, match="needs the grader to run as root"):
        isolation.resolve_kernel_users("1234", 1, stream=err)


def test_root_without_usable_python_falls_back_with_a_warning(monkeypatch):
    monkeypatch.setattr(isolation.os, "geteuid", lambda: 0)
    monkeypatch.setattr(isolation, "_warned", set())
    monkeypatch.setattr(isolation, "preflight", lambda user: "PermissionError: python")
    err = io.StringIO()
    assert isolation.resolve_kernel_users("auto", 2, stream=err) is None
    assert "run as root and are NOT isolated" in err.getvalue()
    with pytest.raises(ValueError, match="cannot start Python"):
        isolation.resolve_kernel_users("12345", 1, stream=err)


def test_auto_gives_each_slot_its_own_uid(monkeypatch):
    monkeypatch.setattr(isolation.os, "geteuid", lambda: 0)
    monkeypatch.setattr(isolation, "preflight", lambda user: None)
    users = isolation.resolve_kernel_users("auto", 3, stream=io.StringIO())
    assert [u.uid for u in users] == [64000, 64001, 64002]
    assert len({u.gid for u in users}) == 1 and users[0].gid != 0
    assert isolation.resolve_kernel_users("none", 3) is None


@pytest.mark.parametrize("bad", ["", "0", "root", "no-such-user-xyz", 5])
def test_bad_kernel_user_is_rejected(bad):
    with pytest.raises(ValueError, match="kernel_user"):
        GradeOptions(kernel_user=bad)


def _kernel_facts(user):
    async def go():
        async with KernelSession(memory_mb=1024, kernel_user=user) as session:
            run = await session.run(
                "import os, signal, numpy, gdlab.checks\n"
                "try:\n    os.kill(os.getppid(), 0)\n    sig = 'allowed'\n"
                "except PermissionError:\n    sig = 'denied'\n"
                "print(os.getuid(), os.getgid(), os.getgroups(), os.getsid(0), sig)", 60)
            return run
    import asyncio
    return asyncio.run(go())


def test_kernel_runs_as_the_grader_user_or_drops_privileges():
    users = isolation.resolve_kernel_users("auto", 1, stream=io.StringIO())
    run = _kernel_facts(None if users is None else users[0])
    assert run.status == "ok", run
    uid, gid, groups, sid, sig = run.stdout.split(maxsplit=4)
    assert int(sid) != os.getsid(0)  # its own session: the grader's group is unreachable
    if users is None:
        assert int(uid) == os.getuid() and sig.strip() == "allowed"
    else:
        assert (int(uid), int(gid)) == (users[0].uid, users[0].gid)
        assert groups == "[]" and sig.strip() == "denied"


def test_isolated_hostile_kernels_cost_nobody_a_grade(tmp_path):
    """Hostile first, correct second, one job, in sandboxes: the grader survives, the
    installed packages are unchanged, and everybody gets 6."""
    require_sandbox()
    sol, _ = build_course(tmp_path)
    nb = load(sol)
    subs = tmp_path / "submissions"
    files = (gdlab.checks.encode.__file__, np.__file__)
    before = [_digest(f) for f in files]
    paths = [save(build(nb), subs / f"{i}_{name}.ipynb")
             for i, (name, build) in enumerate(hostile.ISOLATION_BUILDERS.items())]
    paths.append(save(nb, subs / "9_correct.ipynb"))
    options = GradeOptions(cell_timeout=10, notebook_timeout=120, memory_mb=1024, jobs=1)
    res = grade_submissions(paths, tmp_path / "out", lessons_dir=tmp_path / "lessons",
                            options=options, progress=False)
    assert [_digest(f) for f in files] == before
    for name, grade in res.grades.items():
        assert (grade.status, grade.score, grade.max_score) == ("graded", 6, 6), \
            (name, grade.exercises)
    assert len(res.grades) == len(hostile.ISOLATION_BUILDERS) + 1
