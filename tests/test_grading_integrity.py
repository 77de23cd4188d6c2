"""Integrity flags (gdlab.grading.integrity): what a solution cell reaches for, and cells
that are the same as the published solution or a classmate's after normalisation."""
import json

import pytest

from gdlab.grading.batch import mark_copies, published_fingerprints
from gdlab.grading.grader import ExerciseGrade, SubmissionGrade
from gdlab.grading import winnow
from gdlab.grading.integrity import analyse, code_flags, fingerprint, similarity_flags

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


def _score(a, b):
    return winnow.similarity(winnow.fingerprints(a), winnow.fingerprints(b))


def test_fingerprint_ignores_names_formatting_and_docstrings():
    assert fingerprint(SOLUTION) is not None
    assert _score(SOLUTION, RENAMED) == 1.0
    assert _score(SOLUTION, OTHER) < winnow.THRESHOLD
    assert fingerprint("rate = 0.5\n") is None        # too short to call a copy
    assert fingerprint("def f(:\n") is None


def test_similarity_flags_name_the_pairs_the_scores_and_the_published_solution():
    rows = {"a.ipynb": {"ex": fingerprint(RENAMED)}, "b.ipynb": {"ex": fingerprint(SOLUTION)},
            "c.ipynb": {"ex": fingerprint(OTHER)}, "d.ipynb": {"ex": None}}
    flags = similarity_flags(rows, {"ex": fingerprint(SOLUTION)})
    assert set(flags) == {("a.ipynb", "ex"), ("b.ipynb", "ex")}
    assert "similar to the published solution (similarity 1.00;" in flags[("a.ipynb", "ex")][0]
    assert any(f.endswith(": b.ipynb (1.00)") for f in flags[("a.ipynb", "ex")])
    assert any(f.endswith(": a.ipynb (1.00)") for f in flags[("b.ipynb", "ex")])


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
        "similar to the published solution (similarity 1.00; names, formatting and small "
        "edits aside)"]
    assert grades["bob.ipynb"].exercises["03-gd"].flags == ["opens files (open)"]
    # a second pass (a re-run) does not repeat the flags
    mark_copies(grades, published)
    assert len(grades["alice.ipynb"].exercises["03-gd"].flags) == 1


def test_names_built_at_run_time_are_flagged():
    # issue 20: the forgery with `getattr(sys, '_get' + 'frame')` raised no flag
    src = "import sys\ndef double(x):\n    f = getattr(sys, '_get' + 'frame')(1)\n    return x\n"
    assert any("sys's attributes by a name built at run time" in f for f in code_flags(src))
    flags = code_flags("import importlib as il, os\nm = il.import_module('sub' + 'process')\n"
                       "n = __import__(''.join(['o', 's']))\n"
                       "spawn = getattr(os, 'posix_' + 'spawn')\n")
    assert any("imports a module whose name is built at run time "
               "(importlib.import_module)" in f for f in flags), flags
    assert any("built at run time (__import__)" in f for f in flags), flags
    assert any("os's attributes by a name built at run time" in f for f in flags), flags
    # a constant name is read as what it names
    assert any("stack frames" in f for f in code_flags("import sys\ngetattr(sys, '_getframe')"))
    assert any("starts processes (subprocess)" in f
               for f in code_flags("__import__('subprocess')"))
    # getattr on the learner's own objects is ordinary Python
    assert code_flags("def f(obj, name):\n    return getattr(obj, name)\n") == []


def test_a_cell_too_large_to_analyse_is_flagged_and_not_parsed(monkeypatch):
    # issue 20: a 3 MB list literal took the parser 1.6-1.9 GB and ~100 s
    import ast
    big = "x = [" + "1, " * 1_000_000 + "]\n"
    monkeypatch.setattr(ast, "parse", lambda *a, **k: pytest.fail("parsed a huge cell"))
    flags, fp, error = analyse(big)
    assert fp == "" and error is None
    assert flags == ["too large to analyse (2929 KB; the scan reads cells up to 64 KB)"]


def test_analyse_reports_the_line_of_a_syntax_error():
    flags, fp, error = analyse("def f(x):\n    return x +\n")
    assert error[0] == 2 and fp == ""
