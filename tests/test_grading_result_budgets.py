"""Issue 20, the grader's side (fast tests): decoded-size budgets, malformed results as
"tampered", solution cells that time out or do not parse, symlinks, unnamed failures in
the report, and the winnowing rates on the trivial edits and the independent answers."""
import glob
import importlib
import inspect
import itertools
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from gdlab.checks import runner
from gdlab.checks.encode import PROBE_BUDGET, RESULT_BUDGET, decoded_size, to_jsonable
from gdlab.grading import winnow
from gdlab.grading.assemble import INVALID_SYMLINK, InvalidSubmission, read_submission
from gdlab.grading.batch import expand_submissions
from gdlab.grading.class_report import class_report_html
from gdlab.grading.executor import CellRun
from gdlab.grading.probe import ProbeError, decode_outcomes, read_outcomes
from grading_gallery.evasions import EVASIONS

NONCE = "ab" * 16


def _block(payload):
    return f"@@gdlab-probe-begin:{NONCE}@@{payload}@@gdlab-probe-end:{NONCE}@@\n"


def _payload(value_data):
    return json.dumps({"outcomes": [{"status": "returned", "value": value_data,
                                     "error_type": "", "error_message": "", "mutated": []}]})


def forty_references():
    one = np.zeros(1024, dtype="<U16384")     # 64 MB as an array, 3 KB as JSON
    return {i: one for i in range(40)}


def test_forty_references_to_one_string_array_are_over_budget_before_decoding():
    # issue 20: ~160 KB of JSON that the grader decoded into 40 x 64 MB (RSS 2.6 GB)
    data = to_jsonable(forty_references())
    assert len(json.dumps(data)) < 200_000
    assert decoded_size(data) >= 40 * 64 * 2**20
    assert decoded_size(data, RESULT_BUDGET) < 3 * 64 * 2**20   # counting stops early
    # the kernel side does not send it ...
    assert "__opaque__" in runner.encode_value(forty_references())
    # ... and a forged block that does is refused before anything is built
    with pytest.raises(ProbeError, match="would take more than .* once decoded") as err:
        decode_outcomes(_payload(data), 1)
    assert err.value.tampered


def test_the_probe_budget_counts_all_cases_together():
    one = to_jsonable(np.zeros(1024, dtype="<U16384"))   # 64 MB each, under RESULT_BUDGET
    item = json.loads(_payload(one))["outcomes"][0]
    n = PROBE_BUDGET // (64 * 2**20) + 1
    with pytest.raises(ProbeError, match="once decoded"):
        decode_outcomes(json.dumps({"outcomes": [item] * n}), n)


@pytest.mark.parametrize("payload, reason", [
    # issue 20: a 5001-digit int after sys.set_int_max_str_digits(0) was a grader error
    ('{"outcomes":[{"status":"returned","value":' + "9" * 5001 + ',"mutated":[]}]}',
     "ValueError"),
    ('{"outcomes":' + "[" * 100_000 + "]" * 100_000 + "}", "RecursionError"),
    ('{"outcomes":[{"status":"returned","value":{"__float__":"1e999999"}}]}', None),
    ('{"outcomes":[{"status":"returned","value":{"__ndarray__":[],"dtype":"<M8",'
     '"shape":[0]}}]}', "ValueError"),
    ('{"outcomes":[{"status":"sure"}]}', "ValueError"),
    ('"\\ud800"', "ValueError"),
    ("[1, 2", "JSONDecodeError"),
])
def test_every_parse_failure_is_tampered_with_its_reason(payload, reason):
    try:
        decode_outcomes(payload, 1)
    except ProbeError as err:
        assert err.tampered and "not well-formed" in str(err)
        assert reason is None or reason in str(err)
    else:
        assert reason is None  # a float token that parses to inf is a value, not an error


def test_a_payload_longer_than_an_honest_probe_prints_is_refused_unread():
    with pytest.raises(ProbeError, match="more than an honest check prints"):
        decode_outcomes("[" + " " * (3 * runner.MAX_VALUE_CHARS) + "]", 1)


def test_a_keyboard_interrupt_from_the_learner_does_not_end_the_probe(capsys):
    def forger(x):
        raise KeyboardInterrupt
    out = runner.call(forger, [1.0], {})
    assert out["status"] == "interrupted" and out["error_type"] == "KeyboardInterrupt"
    spec = json.dumps({"target": "double", "kind": "function",
                       "cases": [{"args": [1.0], "kwargs": []}] * 3})
    runner.main(spec, {"double": forger}, NONCE)
    printed = capsys.readouterr().out
    outcomes = json.loads(printed.split("@@")[2])["outcomes"]
    assert [o["status"] for o in outcomes] == ["interrupted"]   # stops after the interrupt
    with pytest.raises(ProbeError, match="raised KeyboardInterrupt") as err:
        read_outcomes(CellRun("ok", stdout=printed), NONCE, 3)
    assert err.value.tampered


def test_a_block_from_a_cell_that_raised_is_tampered():
    # issue 20: a forged block, then `raise KeyboardInterrupt`: the only block was accepted
    ok = {"status": "returned", "value": 2.0, "error_type": "", "error_message": "",
          "mutated": []}
    run = CellRun("error", stdout=_block(json.dumps({"outcomes": [ok]})),
                  ename="KeyboardInterrupt")
    with pytest.raises(ProbeError, match="then stopped with KeyboardInterrupt") as err:
        read_outcomes(run, NONCE, 1)
    assert err.value.tampered


def test_symlinks_among_the_submissions_are_refused_not_followed(tmp_path):
    # issue 20: a link to solutions/00_start_here.ipynb was graded 3/3
    real = tmp_path / "real.ipynb"
    real.write_text('{"nbformat": 4, "cells": []}')
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.ipynb").symlink_to(real)
    (subs / "b.ipynb").write_text(real.read_text())
    found = expand_submissions([subs, real])
    assert [p.name for p in found] == ["a.ipynb", "b.ipynb", "real.ipynb"]
    with pytest.raises(InvalidSubmission) as err:
        read_submission(subs / "a.ipynb", "a.ipynb")
    assert err.value.status == INVALID_SYMLINK and "symbolic link" in err.value.message


def test_unfinished_solution_cells_get_their_own_status():
    from gdlab.grading.grader import SYNTAX_ERROR, TIMED_OUT, _unfinished_cell
    ex = types.SimpleNamespace(target="double")
    status, msg = _unfinished_cell("98-double", ex, CellRun("timeout"), None, 5.0,
                                   "not attempted", "write it")
    assert status == TIMED_OUT and "ran longer than 5 s" in msg and "write it" not in msg
    run = CellRun("error", ename="SyntaxError", evalue="invalid syntax")
    status, msg = _unfinished_cell("98-double", ex, run, (3, "invalid syntax"), 5.0,
                                   "not attempted", "write it")
    assert status == SYNTAX_ERROR and "syntax error on line 3 (invalid syntax)" in msg
    # the grader's own parse alone does not decide (IPython runs magics Python cannot parse)
    assert _unfinished_cell("98-double", ex, CellRun("ok"), (1, "x"), 5.0,
                            "not attempted", "write it") == ("not attempted", "write it")


def _row(name, status, **ex):
    return {"name": name, "path": f"/s/{name}", "student": name.split("_")[0],
            "status": "graded", "lesson": "98", "lesson_file": "98_x.ipynb", "score": 0,
            "max_score": 2, "message": "", "exercises": {"98-double": {
                "points": 0, "max_points": 2, "status": status, "message": "m", **ex}}}


def test_report_lists_syntax_errors_and_unnamed_failures():
    data = {"submissions": [
        _row("ann_98.ipynb", "syntax error", message="98-double: your solution cell has a "
             "syntax error on line 2"),
        _row("bob_98.ipynb", "failed", finding="type", mistakes=[],
             message="98-double: trajectory is a Python list, but a numpy array is expected"),
        _row("cy_98.ipynb", "tampered", message="98-double: the result was tampered with")]}
    page = class_report_html(data)
    problems = page[page.index('id="problems-section"'):page.index('id="integrity"')]
    assert "syntax error on line 2" in problems and "tampered with" in problems
    mistakes = page[page.index('id="mistakes-98"'):page.index("</table>",
                                                              page.index('id="mistakes-98"'))]
    assert "unnamed: type" in mistakes and "trajectory is a Python list" in mistakes


def _published():
    out = {}
    for path in sorted(glob.glob(str(Path(__file__).parents[1] / "solutions" / "*.ipynb"))):
        for c in json.loads(Path(path).read_text())["cells"]:
            meta = c.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id") or ""
            if meta.get("solution") and gid.endswith("-solution"):
                out[gid[:-len("-solution")]] = "".join(c["source"])
    return out


def _right_answers():
    """exercise id -> [(style, source)] of the def-written RIGHT rows of the lesson tables."""
    out = {}
    for path in sorted(Path(__file__).parent.glob("test_lesson_checks_[0-9]*.py")):
        module = importlib.import_module(path.stem)
        for gid, style, namespace in getattr(module, "RIGHT", []):
            funcs = [v for v in namespace.values() if isinstance(v, types.FunctionType)
                     and v.__name__ != "<lambda>"]
            if funcs:
                out.setdefault(gid, []).append(
                    (style, "\n".join(inspect.getsource(f) for f in funcs)))
    return out


def test_trivial_edits_are_flagged_and_independent_answers_mostly_not():
    published = _published()
    scores = [winnow.similarity(winnow.fingerprints(src), winnow.fingerprints(published[gid]))
              for gid, edits in EVASIONS.items() for src in edits.values()]
    true_positive = sum(s >= winnow.THRESHOLD for s in scores) / len(scores)
    pairs = []
    for gid, rows in _right_answers().items():
        prints = [winnow.fingerprints(src) for _, src in rows]
        mine = winnow.fingerprints(published.get(gid, ""))
        pairs += [winnow.similarity(p, mine) for p in prints if p and mine]
        pairs += [winnow.similarity(a, b) for a, b in itertools.combinations(prints, 2)
                  if a and b]
    false_positive = sum(s >= winnow.THRESHOLD for s in pairs) / len(pairs)
    sys.stdout.write(f"\ntrue-positive {true_positive:.2f} over {len(scores)} edits; "
                     f"false-positive {false_positive:.2f} over {len(pairs)} pairs\n")
    assert len(scores) == 15 and true_positive == 1.0
    assert len(pairs) >= 60 and false_positive <= 0.15


def test_a_notebook_filed_under_another_lessons_assignment_is_named_and_counted_once():
    # issue 20: a lesson 01 notebook under ps02/ was counted twice (14 submissions for 13
    # students) and her missing lesson 02 hidden, with only a stderr warning
    from gdlab.grading.batch import mark_misfiled
    from gdlab.grading.gradebook import gradebook_csv
    from gdlab.grading.grader import ExerciseGrade, SubmissionGrade
    from gdlab.grading.report import write_grades

    def grade(student, folder, lesson, points):
        path = f"/c/submitted/{student}/{folder}/x.ipynb"
        g = SubmissionGrade(path, path, "", "graded", lesson=lesson,
                            lesson_file=f"{lesson}_x.ipynb")
        g.exercises[f"{lesson}-a"] = ExerciseGrade(points, 2, "passed", "ok")
        return g
    grades = {g.name: g for g in (
        grade("ann", "ps01", "01", 2), grade("ann", "ps02", "02", 1),
        grade("bob", "ps01", "01", 1), grade("bob", "ps02", "01", 2))}
    notes = mark_misfiled(grades, {"01": None, "02": None})
    wrong = grades["/c/submitted/bob/ps02/x.ipynb"]
    assert wrong.status == "filed under the wrong assignment"
    assert [n.split(":")[0] for n in notes] == ["/c/submitted/bob/ps02/x.ipynb"]
    assert "assignment ps02 (lesson 02), but its answers are lesson 01's" in notes[0]
    assert mark_misfiled(grades, {"01": None, "02": None}) == notes   # a re-run: same
    assert wrong.message.count("Filed under") == 1
    import tempfile
    with tempfile.TemporaryDirectory() as out:
        data = write_grades(out, grades)
    text, _ = gradebook_csv(data)
    assert text.splitlines()[1:] == ["ann,2,1,3", "bob,2,,2"]   # lesson 02 stays empty
    page = class_report_html(data)
    assert "2 submissions; mean score 2 of 2" in page        # lesson 01: once per student
    problems = page[page.index('id="problems-section"'):page.index('id="integrity"')]
    assert "filed under the wrong assignment" in problems
