"""Every notebook in solutions/ and lessons/ follows nbgrader's v3 cell metadata rules and the
course's exercise contract (CONTRIBUTING.md, "Add an exercise"), so nbgrader on JupyterHub
and gdlab's grader can both use the notebooks as they are.

The rules, written out here rather than imported from gdlab.release:
* a cell with ``metadata.nbgrader`` has the keys grade, solution, locked (booleans), grade_id
  (non-empty string) and schema_version == 3;
* graded cells have numeric ``points >= 0``; grade_ids are unique within a notebook;
* solution code cells hold ``### BEGIN SOLUTION`` / ``### END SOLUTION`` in solutions/ and no
  marker at all (but the ``raise NotImplementedError()`` stub) in lessons/;
* a check cell (graded, not a solution) is the single line ``check("<grade_id>")``, comes
  right after its solution cell ``<grade_id>-solution``, and its grade_id is a registered
  exercise of the notebook's lesson with the same points; in lessons it is locked, not
  editable or deletable, and tagged raises-exception;
* a solution code cell whose stub runs when the cell runs (a value exercise: the stub is
  not inside a function) is tagged raises-exception, so the unsolved lesson runs top to
  bottom;
* every lesson has at least 3 graded exercises.
"""
import json
from pathlib import Path

import pytest

from gdlab.checks import get_exercise

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def notebooks(folder):
    return sorted((ROOT / folder).glob("*.ipynb"))


ALL = [(folder, p) for folder in ("solutions", "lessons") for p in notebooks(folder)]


def source_text(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def marker_lines(text):
    return [line.strip() for line in text.split("\n") if line.strip() in (BEGIN, END)]


def load(path):
    # Plain JSON, not nbformat: the test must see exactly what is stored.
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.mark.parametrize("folder", ["solutions", "lessons"])
def test_notebooks_exist(folder):
    assert notebooks(folder), f"{folder}/ holds no notebooks"


@pytest.mark.parametrize("folder, path", ALL, ids=[f"{f}/{p.name}" for f, p in ALL])
def test_nbgrader_v3_metadata(folder, path):
    nb = load(path)
    lesson = nb.get("metadata", {}).get("gdlab", {}).get("lesson")
    assert lesson == path.name[:2], f"metadata.gdlab.lesson is {lesson!r}"
    cells = nb["cells"]
    seen = {}
    n_checks = 0
    for index, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        text = source_text(cell)
        where = f"{folder}/{path.name} cell {index}"
        if meta is None:
            assert not marker_lines(text), f"{where}: solution markers outside a solution cell"
            continue
        for key in ("grade", "solution", "locked"):
            assert isinstance(meta.get(key), bool), f"{where}: nbgrader.{key} = {meta.get(key)!r}"
        version = meta.get("schema_version")
        assert version == 3, f"{where}: schema_version {version!r}"
        gid = meta.get("grade_id")
        assert isinstance(gid, str) and gid, f"{where}: grade_id {gid!r}"
        # the grader tells releases apart by these ids: after lesson 09 was split, the
        # capstone's experiment cells still said "10-..." in lesson 11
        assert gid.startswith(f"{lesson}-"), f"{where}: grade_id {gid!r} lacks the prefix {lesson}-"
        assert gid not in seen, f"{where}: grade_id {gid!r} also used by cell {seen.get(gid)}"
        seen[gid] = index
        if meta["grade"]:
            points = meta.get("points")
            assert isinstance(points, (int, float)) and not isinstance(points, bool) \
                and points >= 0, f"{where}: points {points!r}"

        if meta["solution"] and cell["cell_type"] == "code":
            markers = marker_lines(text)
            if folder == "solutions":
                assert markers and markers == [BEGIN, END] * (len(markers) // 2) \
                    and len(markers) % 2 == 0, f"{where}: unbalanced markers {markers}"
            else:
                assert not markers, f"{where}: the lesson still holds solution markers"
                assert "raise NotImplementedError()" in text, f"{where}: no stub"
                if "\nraise NotImplementedError()" in "\n" + text:
                    assert "raises-exception" in cell["metadata"].get("tags", []), (
                        f"{where}: the stub raises when the cell runs; tag the solution "
                        "cell raises-exception in solutions/")
        elif meta["solution"]:
            if folder == "lessons":
                assert not marker_lines(text), f"{where}: markers left in a markdown answer"
        else:
            assert not marker_lines(text), f"{where}: markers in a non-solution cell"

        if meta["grade"] and not meta["solution"]:
            n_checks += 1
            assert text.strip() == f'check("{gid}")', f"{where}: check cell reads {text!r}"
            ex = get_exercise(gid)  # raises when the exercise is not declared
            assert ex.lesson == lesson, f"{where}: {gid} belongs to lesson {ex.lesson}"
            assert meta["points"] == ex.points, (
                f"{where}: {meta['points']} points in the notebook, {ex.points} declared")
            previous = cells[index - 1].get("metadata", {}).get("nbgrader", {})
            assert previous.get("grade_id") == f"{gid}-solution" and previous.get("solution"), \
                f"{where}: the cell before a check must be its solution cell {gid}-solution"
            if folder == "lessons":
                assert meta["locked"] is True
                assert cell["metadata"].get("editable") is False
                assert cell["metadata"].get("deletable") is False
                assert "raises-exception" in cell["metadata"].get("tags", [])
    assert n_checks >= 3, f"{folder}/{path.name} has {n_checks} graded exercises (need >= 3)"


@pytest.mark.parametrize("path", notebooks("lessons"), ids=lambda p: p.name)
def test_lessons_carry_no_outputs(path):
    for index, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"lessons/{path.name} cell {index} has outputs"
            assert cell.get("execution_count") is None
