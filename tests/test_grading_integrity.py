"""Integrity flags (gdlab.grading.integrity): what a solution cell reaches for, and cells
that are the same as the published solution or a classmate's after normalisation."""
import json

from gdlab.grading.batch import mark_copies, published_fingerprints
from gdlab.grading.grader import ExerciseGrade, SubmissionGrade
from gdlab.grading.integrity import code_flags, fingerprint, similarity_flags

SOLUTION = '''def gradient_descent(f_grad, x0, lr, steps):
    """Run plain gradient descent and return the path."""
    ### BEGIN SOLUTION
    xs = [np.asarray(x0, dtype=float)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * f_grad(xs[-1]))
    return np.array(xs)
    ### END SOLUTION
'''
# The same algorithm with other names, spacing and comments: a copy.
RENAMED = '''def gradient_descent(g, start, rate, n):
    # my own work, honest
    path = [np.asarray(start, dtype=float)]
    for k in range(n):
        path.append(path[-1] - rate * g(path[-1]))
    return np.array(path)
'''
# A different algorithm (a while loop, an array filled in place): not a copy.
OTHER = '''def gradient_descent(f_grad, x0, lr, steps):
    out = np.empty((steps + 1, np.size(x0)))
    out[0] = x0
    i = 0
    while i < steps:
        out[i + 1] = out[i] - lr * f_grad(out[i])
        i += 1
    return out
'''


def test_code_flags_name_what_the_cell_reaches_for():
    src = ("import subprocess, ctypes, socket\nfrom gdlab.checks import lesson01\n"
           "import sys\nf = sys._getframe(1)\ntext = open('/proc/1/cmdline').read()\n")
    flags = code_flags(src)
    for phrase in ("starts processes (subprocess)", "loads C code (ctypes)",
                   "opens network sockets (socket)", "imports the check machinery",
                   "stack frames", "opens files (open)", "touches /proc"):
        assert any(phrase in f for f in flags), (phrase, flags)
    assert code_flags(SOLUTION) == []
    assert code_flags("def broken(:\n") == []   # unparseable: nothing to say


def test_fingerprint_ignores_names_formatting_and_docstrings_only():
    assert fingerprint(SOLUTION) is not None
    assert fingerprint(SOLUTION) == fingerprint(RENAMED)
    assert fingerprint(SOLUTION) != fingerprint(OTHER)
    # a changed operation is a different program
    assert fingerprint(RENAMED) != fingerprint(RENAMED.replace("- rate", "+ rate"))
    assert fingerprint("rate = 0.5\n") is None        # too short to call a copy
    assert fingerprint("def f(:\n") is None


def test_similarity_flags_name_the_pairs_and_the_published_solution():
    rows = {"a.ipynb": {"ex": fingerprint(RENAMED)}, "b.ipynb": {"ex": fingerprint(SOLUTION)},
            "c.ipynb": {"ex": fingerprint(OTHER)}, "d.ipynb": {"ex": None}}
    flags = similarity_flags(rows, {"ex": fingerprint(SOLUTION)})
    assert set(flags) == {("a.ipynb", "ex"), ("b.ipynb", "ex")}
    assert any("published solution" in f for f in flags[("a.ipynb", "ex")])
    assert any(f.endswith(": b.ipynb") for f in flags[("a.ipynb", "ex")])
    assert any(f.endswith(": a.ipynb") for f in flags[("b.ipynb", "ex")])


def test_mark_copies_reads_the_published_solutions_beside_the_lessons(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "lessons").mkdir()
    cell = {"cell_type": "code", "source": SOLUTION, "metadata": {"nbgrader": {
        "solution": True, "grade_id": "03-gd-solution"}}}
    (tmp_path / "solutions" / "03_x.ipynb").write_text(json.dumps({"cells": [cell]}))
    published = published_fingerprints(tmp_path / "lessons")
    assert published == {"03-gd": fingerprint(SOLUTION)}
    grades = {}
    for name, src in (("alice.ipynb", RENAMED), ("bob.ipynb", OTHER)):
        g = SubmissionGrade(name, name, "", "graded", lesson="03")
        g.exercises["03-gd"] = ExerciseGrade(1, 1, "passed", "", flags=code_flags(src),
                                             fingerprint=fingerprint(src) or "")
        grades[name] = g
    grades["bob.ipynb"].exercises["03-gd"].flags = ["opens files (open)"]
    mark_copies(grades, published)
    assert grades["alice.ipynb"].exercises["03-gd"].flags == [
        "same code as the published solution (names and formatting aside)"]
    assert grades["bob.ipynb"].exercises["03-gd"].flags == ["opens files (open)"]
    # a second pass (a re-run) does not repeat the flags
    mark_copies(grades, published)
    assert len(grades["alice.ipynb"].exercises["03-gd"].flags) == 1
