"""gdlab release: solutions/ -> lessons/, on a synthetic notebook and on the real course."""
import json
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from gdlab import cli
from gdlab.release import ReleaseError, release, release_notebook, render_lesson

ROOT = Path(__file__).resolve().parents[1]


def nbg(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


SOLUTION_SOURCE = '''def dfdx(x):
    """Derivative of f(x) = 3x^2 - 2x + 1."""
    scale = 6
    ### BEGIN SOLUTION
    y = scale * x
    return y - 2
    ### END SOLUTION'''

# What the released solution cell must read, written out by hand.
STUB_SOURCE = '''def dfdx(x):
    """Derivative of f(x) = 3x^2 - 2x + 1."""
    scale = 6
    # YOUR CODE HERE
    raise NotImplementedError()'''


def synthetic_solution():
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"},
                                "gdlab": {"lesson": "97"}})
    plain = new_code_cell("print(1 + 1)", execution_count=1,
                          outputs=[new_output("stream", name="stdout", text="2\n")],
                          metadata={"tags": ["keep-me"]})
    solution = new_code_cell(SOLUTION_SOURCE, execution_count=2,
                             metadata=nbg("97-derivative-solution", solution=True))
    check_cell = new_code_cell('check("97-derivative")', execution_count=3,
                               outputs=[new_output("stream", name="stdout", text="ok\n")],
                               metadata=nbg("97-derivative", grade=True, points=2))
    answer = new_markdown_cell("Because the slope is 6x - 2.",
                               metadata=nbg("97-why", solution=True))
    two_regions = new_code_cell("a = 1\nif a:\n    ### BEGIN SOLUTION\n    b = 2\n"
                                "    ### END SOLUTION\n### BEGIN SOLUTION\nc = 3\n"
                                "### END SOLUTION\nd = 4",
                                metadata=nbg("97-two-solution", solution=True))
    text = new_markdown_cell("# Title\nSome *prose*.")
    nb.cells = [text, plain, solution, check_cell, answer, two_regions]
    return nb


def write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def course(tmp_path):
    write(synthetic_solution(), tmp_path / "solutions" / "97_demo.ipynb")
    return tmp_path


def test_lesson_content(course):
    report = release(course / "solutions", course / "lessons")
    assert report.written == [course / "lessons" / "97_demo.ipynb"] and not report.errors
    lesson = nbformat.read(course / "lessons" / "97_demo.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / "97_demo.ipynb", as_version=4)
    text, plain, solution, check_cell, answer, two = lesson.cells

    assert solution.source == STUB_SOURCE
    assert answer.source == "YOUR ANSWER HERE"
    assert two.source == ("a = 1\nif a:\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
                          "# YOUR CODE HERE\nraise NotImplementedError()\nd = 4")
    for cell in (plain, solution, check_cell, two):
        assert cell.outputs == [] and cell.execution_count is None

    meta = check_cell.metadata
    assert meta["nbgrader"]["locked"] is True and meta["nbgrader"]["points"] == 2
    assert meta["editable"] is False and meta["deletable"] is False
    assert meta["tags"] == ["raises-exception"]
    # Everything else is untouched.
    assert text == source.cells[0]
    assert plain.source == "print(1 + 1)" and plain.metadata == {"tags": ["keep-me"]}
    # The answer cell keeps its metadata, plus what nbgrader's release adds: not
    # deletable, and its checksum (of the stub, so nbgrader sees an unanswered cell).
    assert solution.metadata == {**source.cells[2].metadata, "deletable": False,
                                 "nbgrader": {**source.cells[2].metadata["nbgrader"],
                                              "checksum": solution.metadata["nbgrader"]["checksum"],
                                              "cell_type": "code"}}
    assert lesson.metadata == source.metadata
    assert [c.get("id") for c in lesson.cells] == [c.get("id") for c in source.cells]


def test_release_does_not_touch_the_input_notebook():
    nb = synthetic_solution()
    before = json.dumps(nb, sort_keys=True)
    release_notebook(nb, "demo")
    assert json.dumps(nb, sort_keys=True) == before


def test_release_is_byte_for_byte_idempotent(course):
    release(course / "solutions", course / "lessons")
    first = (course / "lessons" / "97_demo.ipynb").read_bytes()
    report = release(course / "solutions", course / "lessons")
    assert report.written == [] and report.unchanged == [course / "lessons" / "97_demo.ipynb"]
    assert (course / "lessons" / "97_demo.ipynb").read_bytes() == first
    # A separate copy released into another folder gives the same bytes too.
    release(course / "solutions", course / "other")
    assert (course / "other" / "97_demo.ipynb").read_bytes() == first


class CliResult:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """Run `gdlab ARGS` in-process in a given folder (a subprocess costs seconds)."""
    def run(*argv, cwd):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main(list(argv))
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)
    return run


def test_check_names_missing_stale_and_extra_lessons(course, run_cli):
    missing = run_cli("release", "--check", cwd=course)
    assert missing.returncode == 1 and "missing: lessons/97_demo.ipynb" in missing.stdout
    assert not (course / "lessons").exists()  # --check writes nothing

    assert run_cli("release", cwd=course).returncode == 0
    ok = run_cli("release", "--check", cwd=course)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    nb = nbformat.read(course / "solutions" / "97_demo.ipynb", as_version=4)
    nb.cells[0].source += "\nMore prose."
    write(nb, course / "solutions" / "97_demo.ipynb")
    write(synthetic_solution(), course / "lessons" / "98_orphan.ipynb")
    stale = run_cli("release", "--check", cwd=course)
    assert stale.returncode == 1
    assert "stale: lessons/97_demo.ipynb" in stale.stdout
    assert "extra: lessons/98_orphan.ipynb" in stale.stdout

    fixed = run_cli("release", cwd=course)
    assert fixed.returncode == 0 and "removed lessons/98_orphan.ipynb" in fixed.stdout
    assert run_cli("release", "--check", cwd=course).returncode == 0


@pytest.mark.parametrize("breakage, message", [
    ("no end", "has no matching '### END SOLUTION'"),
    ("marker outside solution", "not an nbgrader solution cell"),
    ("duplicate grade_id", "duplicate grade_id '97-derivative'"),
    ("no points", "graded cell needs numeric points"),
    ("no markers", "solution code cell without"),
    ("schema 2", "schema_version is 2"),
])
def test_invalid_solutions_are_refused_naming_notebook_and_cell(course, run_cli, breakage,
                                                               message):
    nb = synthetic_solution()
    if breakage == "no end":
        nb.cells[2].source = SOLUTION_SOURCE.replace("    ### END SOLUTION", "")
    elif breakage == "marker outside solution":
        nb.cells[1].source = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    elif breakage == "duplicate grade_id":
        nb.cells[2].metadata["nbgrader"]["grade_id"] = "97-derivative"
    elif breakage == "no points":
        del nb.cells[3].metadata["nbgrader"]["points"]
    elif breakage == "no markers":
        nb.cells[2].source = "def dfdx(x):\n    return 6 * x - 2"
    elif breakage == "schema 2":
        nb.cells[3].metadata["nbgrader"]["schema_version"] = 2
    write(nb, course / "solutions" / "97_demo.ipynb")
    result = run_cli("release", cwd=course)
    assert result.returncode == 1
    assert "solutions/97_demo.ipynb, cell " in result.stderr
    assert message in result.stderr
    assert not (course / "lessons" / "97_demo.ipynb").exists()
    with pytest.raises(ReleaseError, match="cell"):
        release_notebook(nb, "demo")


def test_release_without_solutions_folder_is_a_clear_error(tmp_path, run_cli):
    result = run_cli("release", cwd=tmp_path)
    assert result.returncode == 2 and "No solutions folder" in result.stderr


def test_grade_delegates_to_the_grading_cli(monkeypatch):
    calls = []
    fake_cli = types.ModuleType("gdlab.grading.cli")
    fake_cli.add_arguments = lambda parser: parser.add_argument("submissions", nargs="+")
    fake_cli.run = lambda args: calls.append(args.submissions) or 7
    fake_pkg = types.ModuleType("gdlab.grading")
    fake_pkg.cli = fake_cli
    fake_pkg.__path__ = []
    monkeypatch.setitem(sys.modules, "gdlab.grading", fake_pkg)
    monkeypatch.setitem(sys.modules, "gdlab.grading.cli", fake_cli)
    assert cli.main(["grade", "a.ipynb", "b.ipynb"]) == 7
    assert calls == [["a.ipynb", "b.ipynb"]]


def test_grade_says_clearly_when_the_grader_is_missing(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gdlab.grading.cli", None)  # makes the import fail
    monkeypatch.setitem(sys.modules, "gdlab.grading", None)
    assert cli.main(["grade", "x.ipynb"]) == 2
    assert "gdlab grade is not available" in capsys.readouterr().err


def test_real_lessons_are_up_to_date_with_solutions():
    # Exactly what CI and maintainers run, in a separate interpreter.
    result = subprocess.run([sys.executable, "-m", "gdlab", "release", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, (
        "lessons/ is out of date; run `python -m gdlab release`\n" + result.stdout
        + result.stderr)


def test_lessons_are_written_exactly_as_nbformat_writes_them(course):
    # release reads and writes the JSON itself (so it runs without nbformat); the bytes
    # must be nbformat's own, or a notebook saved by Jupyter would look "stale"
    solutions = sorted((ROOT / "solutions").glob("*.ipynb")) + [course / "solutions" / "97_demo.ipynb"]
    for sol in solutions:
        text = render_lesson(sol)
        assert text == nbformat.writes(nbformat.reads(text, as_version=4)) + "\n", sol.name


def md5_of(*parts):
    import hashlib
    return hashlib.md5("".join(parts).encode("utf-8")).hexdigest()


def test_lessons_carry_nbgraders_checksums(course):
    # nbgrader's recipe (nbgrader.utils.compute_checksum), written out by hand: MD5 of the
    # source, the cell type, graded/solution/locked as True/False, the grade_id and, for a
    # graded cell, float(points). tests/test_nbgrader_roundtrip.py compares with nbgrader.
    release(course / "solutions", course / "lessons")
    lesson = nbformat.read(course / "lessons" / "97_demo.ipynb", as_version=4)
    text, plain, solution, check_cell, answer, two = lesson.cells
    assert check_cell.metadata["nbgrader"]["checksum"] == md5_of(
        'check("97-derivative")', "code", "True", "False", "True", "97-derivative", "2.0")
    assert solution.metadata["nbgrader"]["checksum"] == md5_of(
        STUB_SOURCE, "code", "False", "True", "False", "97-derivative-solution")
    assert answer.metadata["nbgrader"]["checksum"] == md5_of(
        "YOUR ANSWER HERE", "markdown", "False", "True", "False", "97-why")
    assert [c.metadata["nbgrader"]["cell_type"] for c in (solution, check_cell, answer)] \
        == ["code", "code", "markdown"]
    assert "nbgrader" not in plain.metadata and "nbgrader" not in text.metadata
    assert solution.metadata["deletable"] is False and "editable" not in solution.metadata


def test_checksum_changes_with_everything_nbgrader_protects():
    from gdlab.release import nbgrader_checksum
    cell = {"cell_type": "code", "source": 'check("97-derivative")', "metadata": nbg(
        "97-derivative", grade=True, locked=True, points=2)}
    base = nbgrader_checksum(cell)
    assert nbgrader_checksum({**cell, "source": ['check(', '"97-derivative")']}) == base
    edits = [{**cell, "source": '# check("97-derivative")'},
             {**cell, "cell_type": "markdown"},
             {**cell, "metadata": nbg("97-derivative", grade=True, points=1)},
             {**cell, "metadata": nbg("97-other", grade=True, points=2)},
             {**cell, "metadata": nbg("97-derivative", grade=False, locked=True)}]
    assert len({base} | {nbgrader_checksum(c) for c in edits}) == len(edits) + 1
    with pytest.raises(ValueError, match="metadata.nbgrader"):
        nbgrader_checksum({"cell_type": "code", "source": "", "metadata": {"tags": []}})
