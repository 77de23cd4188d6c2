"""Test lesson "98": three exercises, a solutions notebook, and helpers to edit submissions.

Importing this module registers the exercises (in the grader's process, which is where the
verdicts are computed). The references are written out by hand here.
"""
import copy
import json
import math
from pathlib import Path

import nbformat
import numpy as np

from gdlab.checks.core import Case, Ref, exercise
from gdlab.release import release

LESSON = "98"
FILE = "98_grader_test.ipynb"
# exercise id -> points (the max score of the lesson is 6)
POINTS = {"98-double": 2, "98-norm": 3, "98-rate": 1}

DOUBLE = exercise(
    id="98-double", lesson=LESSON, title="Double a number or an array", target="double",
    points=2, returns="array",
    cases=[Case(1.5), Case(-2.0), Case(np.array([1.0, -3.0, 0.25]))],
    reference=lambda x: 2.0 * np.asarray(x, dtype=float),
)
NORM = exercise(
    id="98-norm", lesson=LESSON, title="Euclidean norm", target="norm2", points=3,
    returns="float",
    cases=[Case(np.array([3.0, 4.0])), Case(Ref("np.arange(3.0)")),
           Case(np.array([-1.0, 1.0, -1.0, 1.0]))],
    reference=lambda v: math.sqrt(sum(float(t) ** 2 for t in v)),
)
RATE = exercise(
    id="98-rate", lesson=LESSON, title="Pick the rate", target="rate", kind="value",
    points=1, returns="float", reference=lambda: 0.5,
)

SOLUTIONS = {
    "98-double-solution": (
        "def double(x):\n"
        "    \"\"\"Two times x (numbers and arrays).\"\"\"\n"
        "    ### BEGIN SOLUTION\n"
        "    return 2.0 * np.asarray(x, dtype=float)\n"
        "    ### END SOLUTION"),
    "98-norm-solution": (
        "def norm2(v):\n"
        "    \"\"\"Euclidean norm of a vector.\"\"\"\n"
        "    ### BEGIN SOLUTION\n"
        "    return float(np.sqrt(np.sum(np.asarray(v, dtype=float) ** 2)))\n"
        "    ### END SOLUTION"),
    "98-rate-solution": (
        "### BEGIN SOLUTION\n"
        "rate = 0.5\n"
        "### END SOLUTION"),
}


def _nbgrader(grade_id, *, solution, points=None):
    meta = {"solution": solution, "grade": not solution, "locked": not solution,
            "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def solutions_notebook():
    """The solutions-style notebook of lesson 98 (an nbformat NotebookNode)."""
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell("# 98 A lesson only the grader tests use"),
             v4.new_code_cell("import numpy as np\nfrom gdlab.checks import check, hint, "
                              "progress")]
    for ex_id, points in POINTS.items():
        cells.append(v4.new_markdown_cell(f"Exercise {ex_id}."))
        cells.append(v4.new_code_cell(SOLUTIONS[f"{ex_id}-solution"],
                                      metadata=_nbgrader(f"{ex_id}-solution", solution=True)))
        cells.append(v4.new_code_cell(f'check("{ex_id}")',
                                      metadata=_nbgrader(ex_id, solution=False,
                                                         points=points)))
    cells.append(v4.new_code_cell("print('the end')"))
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["gdlab"] = {"lesson": LESSON}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    return nb


def build_course(root):
    """Write root/solutions/98_*.ipynb and release it to root/lessons/. Returns
    (solutions_path, lesson_path)."""
    root = Path(root)
    (root / "solutions").mkdir(parents=True, exist_ok=True)
    sol = root / "solutions" / FILE
    nbformat.write(solutions_notebook(), sol)
    report = release(root / "solutions", root / "lessons")
    assert not report.errors, report.errors
    return sol, root / "lessons" / FILE


def load(path):
    """A notebook file as a plain dict (submissions are edited as JSON, like a learner's
    Jupyter would save them)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save(nb, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def attacker_honest_blank(folder, attacked, honest, blank, *, pad=2):
    """Save each attack followed by an honest and a blank submission (the order the gallery
    grades them in, so an attack's effect on the next submissions shows): ``attacked`` maps
    a name to its notebook; files are ``{i}a_{name}``, ``{i}b_honest``, ``{i}c_blank``."""
    paths = []
    for i, (name, nb) in enumerate(attacked.items()):
        n = f"{i:0{pad}d}"
        paths += [save(nb, Path(folder) / f"{n}a_{name}.ipynb"),
                  save(honest, Path(folder) / f"{n}b_honest.ipynb"),
                  save(blank, Path(folder) / f"{n}c_blank.ipynb")]
    return paths


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def with_solution(nb, solution_id, source):
    """A copy of ``nb`` whose solution cell ``solution_id`` holds ``source``."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if grade_id(cell) == solution_id:
            cell["source"] = source
            return nb
    raise KeyError(solution_id)
