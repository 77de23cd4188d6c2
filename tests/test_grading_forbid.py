"""The grader sees gdlab's own implementation being called, as check() does (issue 19, item
4): lesson 02 answered with the issue's four one-line calls scored 10/10 in the sandboxed
grader; now each of those exercises scores 0 and its integrity column says what it called."""
import json
import os
import shutil
from pathlib import Path

import pytest

from gdlab.grading import GradeOptions, grade_submissions

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]

ONE_LINERS = {
    "02-quadratic-grad": "import gdlab.objectives as obj\n\n"
                         "def quadratic_grad(A, b, x):\n    return obj.quadratic(A, b).grad(x)\n",
    "02-numerical-grad": "from gdlab.gradcheck import numerical_grad as mine\n\n"
                         "def numerical_gradient(f, x, h=1e-5):\n    return mine(f, x, h)\n",
    "02-rosenbrock-grad": "from gdlab.objectives import rosenbrock\n\n"
                          "def rosenbrock_grad(p, a=1.0, b=100.0):\n"
                          "    return rosenbrock(a, b).grad(p)\n",
    "02-wrong-coords": "import gdlab.gradcheck\n\n"
                       "def wrong_coordinates(f, grad, x, tol=1e-6):\n"
                       "    r = gdlab.gradcheck.check_grad(f, grad, x, tol=tol)\n"
                       "    a, n = np.abs(r.analytic), np.abs(r.numerical)\n"
                       "    return [int(i) for i in np.flatnonzero("
                       "np.abs(r.analytic - r.numerical) > tol * (a + n))]\n",
}
CALLED = {"02-quadratic-grad": "gdlab.objectives.quadratic",
          "02-numerical-grad": "gdlab.gradcheck.numerical_grad",
          "02-rosenbrock-grad": "gdlab.objectives.rosenbrock",
          "02-wrong-coords": "gdlab.gradcheck.check_grad"}


def _sandbox():
    """Sandboxed when bubblewrap works here (required in CI), else the same judge without it."""
    from gdlab.grading.sandbox import SandboxUnavailable, find_sandbox
    try:
        find_sandbox()
        return True
    except SandboxUnavailable:
        if os.environ.get("GDLAB_REQUIRE_SANDBOX"):
            raise
        return False


def test_lesson_02_by_gdlabs_own_functions_scores_zero_and_is_flagged(tmp_path):
    nb = json.loads((REPO / "solutions" / "02_gradients.ipynb").read_text())
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid.removesuffix("-solution") in ONE_LINERS and gid.endswith("-solution"):
            cell["source"] = ONE_LINERS[gid.removesuffix("-solution")]
    sub = tmp_path / "subs" / "02_gradients.ipynb"
    sub.parent.mkdir()
    sub.write_text(json.dumps(nb))
    shutil.copy(REPO / "solutions" / "02_gradients.ipynb", tmp_path / "subs" / "honest.ipynb")
    options = GradeOptions(cell_timeout=120, notebook_timeout=600, memory_mb=4096, jobs=1,
                           sandbox=_sandbox())
    res = grade_submissions([sub, tmp_path / "subs" / "honest.ipynb"], tmp_path / "out",
                            lessons_dir=REPO / "lessons", options=options, progress=False)
    grade = res.grades[str(sub)]
    assert grade.status == "graded", grade.message
    for gid, name in CALLED.items():
        ex = grade.exercises[gid]
        assert ex.points == 0 and ex.status == "failed", (gid, ex.message)
        assert name in ex.message and "yourself" in ex.message, ex.message
        assert any(name in f for f in ex.flags), (gid, ex.flags)
    honest = res.grades[str(tmp_path / "subs" / "honest.ipynb")]
    assert honest.score == honest.max_score, honest.exercises
    assert not any("calls" in f for e in honest.exercises.values() for f in e.flags)
    assert grade.sandbox == ("bubblewrap" if options.sandbox else "none")
