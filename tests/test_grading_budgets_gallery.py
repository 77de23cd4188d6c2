"""Issue 20's rows, graded as a class would be (``--jobs 2``): each attacker is followed by
an honest and a blank submission, whose rows must not change; the grader (this process)
stays under 1 GB of resident memory throughout."""
import os
import resource
from pathlib import Path

import pytest

from gdlab.grading import GradeOptions, grade_submissions
from grading_gallery import result_budgets as budgets
from grading_gallery.lesson import attacker_honest_blank, build_course, load, with_solution
from grading_gallery.sandbox import require_sandbox

pytestmark = pytest.mark.slow

# 40 s per cell: the kernel itself needs ~15 s (and ~700 MB) to compile the 3 MB cell.
OPTIONS = GradeOptions(cell_timeout=40, notebook_timeout=200, memory_mb=2048, jobs=2)
REST = {"98-norm": (3, "passed"), "98-rate": (1, "passed")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_sandbox()
    root = tmp_path_factory.mktemp("budgets")
    sol, lesson = build_course(root)
    nb, blank = load(sol), load(lesson)
    paths = attacker_honest_blank(root / "subs", {
        name: with_solution(nb, "98-double-solution", source)
        for name, source in budgets.ROWS.items()}, nb, blank)
    link = root / "subs" / "99a_symlink.ipynb"
    link.symlink_to(sol)       # issue 20: a link to the solutions was graded 3/3
    paths.append(link)
    res = grade_submissions(paths, root / "out", lessons_dir=root / "lessons",
                            options=OPTIONS, progress=False)
    res.grades = {Path(name).stem: g for name, g in res.grades.items()}
    res.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [f"grader peak RSS: {res.peak_mb:.0f} MB"]
    for i, name in enumerate(budgets.ROWS):
        ex = res.grades[f"{i:02d}a_{name}"].exercises["98-double"]
        lines.append(f"{name:24s} expected={budgets.EXPECTED[name]} got={(ex.points, ex.status)}")
    print("\n" + "\n".join(lines))
    artifacts = os.environ.get("GDLAB_ARTIFACTS")
    if artifacts:
        Path(artifacts, "grader-budgets.txt").write_text("\n".join(lines) + "\n")
    return res


@pytest.mark.parametrize("i,name", list(enumerate(budgets.ROWS)))
def test_row_scores_what_the_work_deserves(graded, i, name):
    grade = graded.grades[f"{i:02d}a_{name}"]
    assert grade.status == "graded", grade
    got = {g: (e.points, e.status) for g, e in grade.exercises.items()}
    want = budgets.EXPECTED[name]
    assert got.pop("98-double") in (want if isinstance(want, set) else {want}), grade
    assert got == REST, grade.exercises


@pytest.mark.parametrize("i,name", list(enumerate(budgets.ROWS)))
def test_honest_and_blank_after_the_row_are_unchanged(graded, i, name):
    honest, blank = graded.grades[f"{i:02d}b_honest"], graded.grades[f"{i:02d}c_blank"]
    assert (honest.status, honest.score, honest.max_score) == ("graded", 6, 6), \
        honest.exercises
    assert (blank.status, blank.score, blank.max_score) == ("graded", 0, 6), blank.exercises


def test_the_grader_stays_under_one_gigabyte(graded):
    assert graded.peak_mb < 1024


def test_messages_and_flags_say_what_happened(graded):
    def ex(name):
        i = list(budgets.ROWS).index(name)
        return graded.grades[f"{i:02d}a_{name}"].exercises["98-double"]
    # the probe's own block now follows the forged one
    assert "2 result blocks instead of 1" in ex("forged_then_interrupt").message
    assert any("built at run time" in f for f in ex("runtime_names").flags)
    big = ex("big_int").message
    assert "not well-formed (ValueError" in big and "Traceback" not in big
    assert "/" not in big.split("(ValueError", 1)[1]      # no grader paths
    assert any(f.startswith("too large to analyse") for f in ex("huge_cell").flags)
    assert "syntax error on line 2" in ex("syntax_error").message
    assert "ran longer than 40 s" in ex("loops_at_top_level").message
    assert "write it" not in ex("loops_at_top_level").message


def test_a_symlink_is_refused_with_one_line(graded):
    grade = graded.grades["99a_symlink"]
    assert grade.status == "invalid: symbolic link" and grade.exercises == {}
    assert "\n" not in grade.message
