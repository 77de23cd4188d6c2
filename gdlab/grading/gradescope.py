"""A Gradescope autograder for one lesson: ``gdlab autograder --gradescope LESSON``.

Gradescope runs a programming assignment's autograder in a fresh container per submission
(its documented layout): the instructor uploads ``autograder.zip``, Gradescope unzips it
into ``/autograder/source``, runs ``setup.sh`` once when it builds the image, then for
each submission copies the student's files into ``/autograder/submission`` and runs
``/autograder/run_autograder``, which must write ``/autograder/results/results.json``.

The zip holds ``setup.sh`` (installs gdlab's dependencies and puts the bundled gdlab on
Python's path), ``run_autograder``, the released lesson, the gdlab package, and the seed of
the hidden cases (``hidden-cases.seed``; students never see the autograder's files).
``run_autograder`` grades the submitted notebook with the same grader as ``gdlab grade``:
the same judge, the same hidden cases, the same points. Gradescope's container already
isolates the submission, so bubblewrap is not used there, and results.json records
``sandbox: container``.

results.json follows Gradescope's schema: ``score``; ``output`` (what happened, shown to
the student); one test per exercise with ``name``, ``score``, ``max_score``, ``status``,
``output`` (the learner's message from the judge) and ``visibility``; ``extra_data``.
``GDLAB_AUTOGRADER_ROOT`` replaces ``/autograder`` (for testing the autograder locally).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

__all__ = ["build_autograder", "run_autograder", "results_json", "main"]

ROOT_VARIABLE = "GDLAB_AUTOGRADER_ROOT"
SEED_NAME = "hidden-cases.seed"

_RUN = """#!/usr/bin/env bash
# Gradescope runs this once per submission; gdlab writes results/results.json.
set -u
root="${GDLAB_AUTOGRADER_ROOT:-/autograder}"
cd "$root/source"
PYTHONPATH="$root/source/package${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m gdlab.grading.gradescope --root "$root"
"""

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image.
set -euo pipefail
python3 -m pip install --upgrade pip
python3 -m pip install {requirements}
"""


def _lesson_file(lesson, lessons_dir):
    """The released lesson notebook for "03", "3", "03_linear_regression" or a path."""
    path = Path(lesson)
    if path.suffix == ".ipynb" and path.is_file():
        return path
    text = str(lesson).strip()
    number = text.split("_")[0]
    if number.isdigit():
        number = f"{int(number):02d}"
    found = sorted(Path(lessons_dir).glob(f"{number}_*.ipynb"))
    if len(found) != 1:
        names = ", ".join(p.name for p in sorted(Path(lessons_dir).glob("*.ipynb"))) or "none"
        raise ValueError(f"no single lesson {lesson!r} in {lessons_dir} (lessons there: "
                         f"{names}); give its number (e.g. 03) or its notebook's path")
    return found[0]


def _requirements():
    # gdlab's own dependencies, as its installed metadata lists them
    reqs = [r for r in (metadata.requires("gdlab") or []) if "extra ==" not in r]
    return " ".join(f"'{r}'" for r in reqs)


def _package_files():
    package = Path(__file__).resolve().parent.parent          # .../gdlab
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path, Path("package") / "gdlab" / path.relative_to(package)


def build_autograder(lesson, out, *, lessons_dir=None, seed=None):
    """Write Gradescope's ``autograder.zip`` for ``lesson`` to ``out``; returns its path."""
    from gdlab.grading.batch import default_lessons_dir
    lessons_dir = default_lessons_dir() if lessons_dir is None else Path(lessons_dir)
    notebook = _lesson_file(lesson, lessons_dir)
    seed = secrets.randbits(63) if seed is None else int(seed)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, text, mode=0o644):
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16    # a regular file with its mode
            z.writestr(info, text)
        add("setup.sh", _SETUP.format(requirements=_requirements()), 0o755)
        add("run_autograder", _RUN, 0o755)
        add(f"lessons/{notebook.name}", notebook.read_text(encoding="utf-8"))
        add(SEED_NAME, f"{seed}\n", 0o600)
        for path, arcname in _package_files():
            z.write(path, arcname.as_posix())
    return out


def _titles():
    from gdlab.checks.registry import get_exercise

    def title(gid):
        try:
            return get_exercise(gid).title
        except Exception:   # an id the key does not know: its id is its name
            return ""
    return title


def results_json(grade, note=""):
    """Gradescope's results.json (a dict) for one SubmissionGrade."""
    title = _titles()
    tests = []
    for gid, ex in grade.exercises.items():
        name = f"{gid}: {title(gid)}" if title(gid) else gid
        tests.append({"name": name, "score": round(float(ex.points), 4),
                      "max_score": round(float(ex.max_points), 4),
                      "status": "passed" if ex.points >= ex.max_points else "failed",
                      "output": ex.message or ex.status, "visibility": "visible"})
    output = f"Graded by gdlab in Gradescope's container (sandbox: {grade.sandbox}). " \
             f"Status: {grade.status}."
    if grade.message:
        output += f" {grade.message}"
    if note:
        output += f" {note}"
    return {"score": round(float(grade.score), 4), "output": output,
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"sandbox": grade.sandbox, "status": grade.status,
                           "lesson": grade.lesson, "max_score": grade.max_score}}


def _failure(message):
    return {"score": 0.0, "output": message, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": [],
            "extra_data": {"sandbox": "container", "status": "not graded"}}


def _pick(submission_dir, lesson_name):
    found = sorted(p for p in Path(submission_dir).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
    same = [p for p in found if p.name == lesson_name]
    return (same or found or [None])[0], found


def run_autograder(root):
    """Grade ``root/submission``'s notebook into ``root/results/results.json``; returns the
    results dict. Never raises for a bad submission: results.json says what went wrong."""
    from gdlab.grading.batch import grade_submissions
    from gdlab.grading.grader import GradeOptions
    root = Path(root)
    source, results = root / "source", root / "results"
    results.mkdir(parents=True, exist_ok=True)
    lesson = next(iter(sorted((source / "lessons").glob("*.ipynb"))), None)
    if lesson is None:
        data = _failure("The autograder holds no lesson: rebuild it with "
                        "`gdlab autograder --gradescope LESSON`.")
    else:
        notebook, found = _pick(root / "submission", lesson.name)
        if notebook is None:
            data = _failure(f"No notebook was submitted: upload your {lesson.name}.")
        else:
            try:
                data = _grade_one(notebook, found, lesson, source, grade_submissions,
                                  GradeOptions)
            except Exception as err:   # the student sees what failed, never a traceback
                data = _failure(f"The autograder could not grade {notebook.name} "
                                f"({type(err).__name__}); please tell the course staff.")
                print(f"gdlab autograder: {type(err).__name__}: {err}", file=sys.stderr)
    (results / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    return data


def _grade_one(notebook, found, lesson, source, grade_submissions, GradeOptions):
    note = ""
    if len(found) > 1:
        note = (f"{len(found)} notebooks were submitted; graded {notebook.name}.")
    with tempfile.TemporaryDirectory(prefix="gdlab-gradescope-") as tmp:
        out = Path(tmp) / "grades"
        out.mkdir()
        seed_file = source / SEED_NAME
        if seed_file.is_file():
            shutil.copy(seed_file, out / SEED_NAME)
        options = GradeOptions(sandbox=False, container=True, jobs=1)
        result = grade_submissions([str(notebook)], out, lessons_dir=source / "lessons",
                                   options=options, progress=False)
        grade = next(iter(result.grades.values()))
        return results_json(grade, note)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m gdlab.grading.gradescope",
        description="Run gdlab's Gradescope autograder on the submission under ROOT.")
    parser.add_argument("--root", default=os.environ.get(ROOT_VARIABLE, "/autograder"),
                        help="Gradescope's /autograder folder (default: $GDLAB_AUTOGRADER_ROOT "
                             "or /autograder)")
    args = parser.parse_args(argv)
    data = run_autograder(args.root)
    print(f"score {data['score']:g}; {len(data['tests'])} exercises; results in "
          f"{Path(args.root) / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
