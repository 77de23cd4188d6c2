"""Issue 10's attacks, run as a student would: each scores what the work deserves, and the
honest and blank submissions graded right after it (same run, one job, so the same kernel
slot and uid) keep their grades."""
import os
from pathlib import Path

import pytest

from gdlab.grading import GradeOptions, grade_submissions
from grading_gallery import attacks
from grading_gallery.lesson import attacker_honest_blank, build_course, load
from grading_gallery.sandbox import require_sandbox

pytestmark = pytest.mark.slow

PLANTED = [Path("/tmp/gdlab-planted-by-a-submission"),
           Path("/dev/shm/gdlab-planted-by-a-submission"), Path("/tmp/sitecustomize.py")]
OPTIONS = GradeOptions(cell_timeout=10, notebook_timeout=120, memory_mb=1024, jobs=1)
REST = {"98-norm": (3, "passed"), "98-rate": (1, "passed")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_sandbox()
    for p in PLANTED:
        assert not p.exists(), f"left over from an earlier run: {p}"
    root = tmp_path_factory.mktemp("attacks")
    sol, lesson = build_course(root)
    nb, blank = load(sol), load(lesson)
    paths = attacker_honest_blank(root / "subs", {name: attacks.build(nb, name)
                                                   for name in attacks.ATTACKS}, nb, blank)
    res = grade_submissions(paths, root / "out", lessons_dir=root / "lessons",
                            options=OPTIONS, progress=False)
    res.grades = {Path(name).stem: g for name, g in res.grades.items()}
    table = []
    for i, name in enumerate(attacks.ATTACKS):
        ex = res.grades[f"{i:02d}a_{name}"].exercises["98-double"]
        table.append(f"{name:24s} expected={attacks.EXPECTED[name]} "
                     f"got={(ex.points, ex.status)}")
    artifacts = os.environ.get("GDLAB_ARTIFACTS")
    if artifacts:
        Path(artifacts, "grader-attacks.txt").write_text("\n".join(table) + "\n")
    return res


@pytest.mark.parametrize("i,name", list(enumerate(attacks.ATTACKS)))
def test_attack_scores_what_the_work_deserves(graded, i, name):
    grade = graded.grades[f"{i:02d}a_{name}"]
    assert grade.status == "graded" and grade.sandbox == "bubblewrap", grade
    got = {g: (e.points, e.status) for g, e in grade.exercises.items()}
    assert got == {"98-double": attacks.EXPECTED[name], **REST}, grade.exercises


@pytest.mark.parametrize("i,name", list(enumerate(attacks.ATTACKS)))
def test_honest_and_blank_after_the_attack_are_unchanged(graded, i, name):
    honest = graded.grades[f"{i:02d}b_honest"]
    blank = graded.grades[f"{i:02d}c_blank"]
    assert (honest.status, honest.score, honest.max_score) == ("graded", 6, 6), \
        honest.exercises
    assert {e.status for e in honest.exercises.values()} == {"passed"}
    assert (blank.status, blank.score, blank.max_score) == ("graded", 0, 6), blank.exercises
    assert {g: e.status for g, e in blank.exercises.items()} == {
        "98-double": "not attempted", "98-norm": "not attempted", "98-rate": "not attempted"}


def test_nothing_planted_outlives_the_sandbox(graded):
    for p in PLANTED:
        assert not p.exists(), p
    import site
    for d in site.getsitepackages():
        assert not Path(d, "zz_planted.pth").exists()


def test_no_process_outlives_its_sandbox(graded):
    # Kernels run as uids 64000+ when the grader is root; none may still be running.
    if os.geteuid() != 0:
        pytest.skip("kernels share the grader's uid when it is not root")
    left = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                uid = os.stat(f"/proc/{pid}").st_uid
            except OSError:
                continue
            if 64000 <= uid < 65000:
                left.append(pid)
    assert left == []


def test_tampered_messages_say_why(graded):
    names = list(attacks.ATTACKS)
    msg = graded.grades[f"{names.index('nonce_and_padding'):02d}a_nonce_and_padding"] \
        .exercises["98-double"].message
    assert "tampered" in msg and "more output than the grader keeps" in msg
    msg = graded.grades[f"{names.index('tiny_bomb'):02d}a_tiny_bomb"] \
        .exercises["98-double"].message
    assert "tampered" in msg and "Refusing to decode an array of dtype |S100000000" in msg
    msg = graded.grades[f"{names.index('json_dumps_patch'):02d}a_json_dumps_patch"] \
        .exercises["98-double"].message
    assert "only 0 of the 3 hidden ones" in msg


def test_integrity_flags_point_a_human_at_the_attacks(graded):
    names = list(attacks.ATTACKS)

    def flags(name):
        return graded.grades[f"{names.index(name):02d}a_{name}"].exercises["98-double"].flags
    assert any("check machinery" in f for f in flags("key_from_package"))
    assert any("/proc" in f for f in flags("classmate_from_cmdline"))
    assert any("opens files" in f for f in flags("classmate_from_cmdline"))
    assert any("stack frames" in f for f in flags("nonce_and_padding"))
    for i in range(len(names)):
        # the honest notebooks are one file copied: only "similar to" flags, and those
        # name the other copies
        honest = graded.grades[f"{i:02d}b_honest"]
        for ex in honest.exercises.values():
            assert all(f.startswith("similar to") for f in ex.flags), ex.flags
    double = graded.grades["00b_honest"].exercises["98-double"].flags
    assert any("01b_honest.ipynb (1.00)" in f for f in double), double


def test_every_module_of_the_answer_key_is_masked():
    """The key_from_package attack found gdlab/checks/lesson11_decisions.py readable in the
    sandbox (the masks covered lessonNN.py only): every module whose name starts with a
    lesson's number holds answer-key code and must be masked."""
    from gdlab.grading.sandbox import _gdlab_dir, _key_files
    checks = _gdlab_dir() / "checks"
    masked, _ = _key_files(_gdlab_dir())
    key_modules = sorted(p for p in checks.glob("lesson*.py"))
    assert key_modules and masked == key_modules
    assert checks / "lesson11_decisions.py" in masked
