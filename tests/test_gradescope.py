"""The Gradescope autograder (gdlab.grading.gradescope): the zip in Gradescope's layout, and
run_autograder in a folder laid out as Gradescope's /autograder, whose results.json must
pass Gradescope's documented schema and give the points `gdlab grade` gives.

Gradescope's documentation ("Autograder Specifications"): the zip has setup.sh and
run_autograder at its root and is unzipped into /autograder/source; the submission is in
/autograder/submission; run_autograder writes /autograder/results/results.json with a
"score" (or per-test scores), optional "output", "visibility", "stdout_visibility",
"extra_data" and "tests", each test with "score", "max_score", "name", "output", "status"
("passed"/"failed"), "visibility" ("hidden", "after_due_date", "after_published",
"visible").
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from gdlab.grading.gradescope import build_autograder

ROOT = Path(__file__).resolve().parent.parent
LESSON = "00_start_here.ipynb"
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
RESULTS_SCHEMA = {   # written from Gradescope's specification, not from gdlab's output
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {"score": {"type": "number"}, "max_score": {"type": "number"},
                           "status": {"enum": ["passed", "failed"]},
                           "name": {"type": "string"}, "number": {"type": "string"},
                           "output": {"type": "string"}, "tags": {"type": "array"},
                           "visibility": VISIBILITY, "extra_data": {"type": "object"}},
            "required": ["score", "max_score", "name"],
            "additionalProperties": False}},
    },
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
    "additionalProperties": False,
}


def test_zip_has_gradescopes_layout_and_the_hidden_seed(tmp_path):
    out = build_autograder("0", tmp_path / "autograder.zip", lessons_dir=ROOT / "lessons",
                           seed=1234)
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
        assert {"setup.sh", "run_autograder", f"lessons/{LESSON}", "hidden-cases.seed",
                "package/gdlab/__init__.py", "package/gdlab/checks/lesson00.py",
                "package/gdlab/grading/gradescope.py"} <= names
        assert not any("__pycache__" in n for n in names)
        assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
        assert z.read("hidden-cases.seed").decode() == "1234\n"
        setup = z.read("setup.sh").decode()
        assert "pip install" in setup and "numpy" in setup and "nbclient" in setup


def test_unknown_lesson_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"no single lesson '42'.*00_start_here.ipynb"):
        build_autograder("42", tmp_path / "a.zip", lessons_dir=ROOT / "lessons")


def test_cli_builds_the_zip(tmp_path, capsys):
    from gdlab.cli import main
    assert main(["autograder", "--gradescope", "00", "--out", str(tmp_path / "ag.zip"),
                 "--lessons", str(ROOT / "lessons")]) == 0
    assert (tmp_path / "ag.zip").is_file() and "Gradescope" in capsys.readouterr().out
    assert main(["autograder", "--gradescope", "77", "--out", str(tmp_path / "x.zip"),
                 "--lessons", str(ROOT / "lessons")]) == 2


def _notebook(answers):
    nb = json.loads((ROOT / "lessons" / LESSON).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        ex = gid.removesuffix("-solution")
        if gid.endswith("-solution") and ex in answers:
            cell["source"] = "".join(cell["source"]).replace(STUB, answers[ex])
    return nb


SUBMISSIONS = {
    "right": None,   # the solution notebook itself
    "partly": {"00-mean": "    return float(np.mean(values) if len(values) != 2 else np.sum(values))",
               "00-points": "    return np.column_stack([xs, ys])"},
    "blank": {},
    "crashing": {"00-mean": "    return float(np.mean(values))\nraise SystemExit('boom')"},
}


def _write(kind, folder):
    folder.mkdir(parents=True)
    if SUBMISSIONS[kind] is None:
        shutil.copy(ROOT / "solutions" / LESSON, folder / LESSON)
    else:
        (folder / LESSON).write_text(json.dumps(_notebook(SUBMISSIONS[kind])))
    return folder / LESSON


@pytest.mark.slow
def test_run_autograder_matches_gdlab_grade_and_gradescopes_schema(tmp_path):
    from gdlab.grading.batch import grade_submissions
    from gdlab.grading.grader import GradeOptions
    seed = 20261207
    zip_path = build_autograder("00", tmp_path / "autograder.zip",
                                lessons_dir=ROOT / "lessons", seed=seed)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    results, paths = {}, {}
    for kind in SUBMISSIONS:
        root = tmp_path / f"ag-{kind}"                    # one container per submission
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(root / "source")
        run = root / "run_autograder"
        shutil.copy(root / "source" / "run_autograder", run)
        run.chmod(0o755)
        paths[kind] = _write(kind, root / "submission")
        env["GDLAB_AUTOGRADER_ROOT"] = str(root)
        proc = subprocess.run([str(run)], env=env, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        data = json.loads((root / "results" / "results.json").read_text())
        jsonschema.validate(data, RESULTS_SCHEMA)
        assert data["extra_data"]["sandbox"] == "container"
        assert "sandbox: container" in data["output"]
        results[kind] = data
    # the same notebooks through `gdlab grade`, with the zip's seed: the same points
    out = tmp_path / "grades"
    out.mkdir()
    (out / "hidden-cases.seed").write_text(f"{seed}\n")
    batch = grade_submissions([str(p) for p in paths.values()], out,
                              lessons_dir=ROOT / "lessons", progress=False,
                              options=GradeOptions(sandbox=False, container=True))
    by_path = {g.path: g for g in batch.grades.values()}
    for kind, path in paths.items():
        grade = by_path[str(path)]
        tests = {t["name"].split(":")[0]: t for t in results[kind]["tests"]}
        assert set(tests) == set(grade.exercises), kind
        for gid, ex in grade.exercises.items():
            assert tests[gid]["score"] == pytest.approx(ex.points), (kind, gid)
            assert tests[gid]["max_score"] == pytest.approx(ex.max_points)
        assert results[kind]["score"] == pytest.approx(grade.score), kind
    full = sum(t["max_score"] for t in results["right"]["tests"])
    assert results["right"]["score"] == pytest.approx(full) and full > 0
    assert results["blank"]["score"] == 0
    assert 0 < results["partly"]["score"] < full
    # a failing exercise carries the judge's message to the student
    failed = [t for t in results["partly"]["tests"] if t["status"] == "failed"]
    assert failed and all(len(t["output"]) > 20 for t in failed)
    assert "Traceback" not in json.dumps(results["crashing"])


def test_no_notebook_submitted_gives_a_message_not_a_crash(tmp_path):
    from gdlab.grading.gradescope import run_autograder
    root = tmp_path / "autograder"
    with zipfile.ZipFile(build_autograder("00", tmp_path / "a.zip",
                                          lessons_dir=ROOT / "lessons")) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    data = run_autograder(root)
    jsonschema.validate(data, RESULTS_SCHEMA)
    assert data["score"] == 0 and "upload your 00_start_here.ipynb" in data["output"]
