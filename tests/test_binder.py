"""Binder, emulated: build binder/ the way repo2docker does, then run a lesson and a
dashboard in the environment it made.

repo2docker with a Python runtime creates one environment for the Jupyter server and the
kernel, installs ``binder/requirements.txt`` into it *before* the repository's files are
copied in (so that file cannot say ``-e .``), copies the repository, and runs
``binder/postBuild`` from the repository root. This test does the same in a new virtual
environment made from the interpreter runtime.txt names, in a copy of the working tree.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from launch import artifacts
from launch.envs import ROOT, clean_env, make_venv, python_for_runtime, run
from launch.notebooks import execute_in, solution_to_run

BINDER = ROOT / "binder"
DASHBOARD_PROBE = Path(__file__).parent / "launch" / "dashboard_probe.py"
# Not copied into the image: version control, local environments, caches, build output.
IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache",
                                "*.egg-info", "build", "dist", "ci-artifacts",
                                ".ipynb_checkpoints")


def _requirements(path: Path) -> dict:
    """{normalised name: specifier} for the plain requirement lines of a file."""
    reqs = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        m = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", line)
        reqs[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2).replace(" ", "")
    return reqs


def test_binder_files_are_what_repo2docker_expects():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post = BINDER / "postBuild"
    text = post.read_text()
    assert text.startswith("#!/bin/bash\n"), "postBuild must start with #!/bin/bash"
    assert re.search(r"^set -e$", text, re.M), "postBuild must stop at the first failure"
    assert post.stat().st_mode & 0o111, "postBuild must be executable"
    reqs = (BINDER / "requirements.txt").read_text()
    assert not re.search(r"^\s*-e\b|^\s*\.\s*$", reqs, re.M), (
        "binder/requirements.txt is installed before the repository is copied in; "
        "install gdlab in postBuild instead")


def test_binder_requirements_match_the_learners_requirements():
    """Binder must give learners the same stack as the README's install command."""
    binder = _requirements(BINDER / "requirements.txt")
    learner = _requirements(ROOT / "requirements.txt")
    for name in ("jupyterlab", "notebook", "ipywidgets", "ipympl"):
        assert name in binder, f"binder/requirements.txt does not pin {name}"
    assert binder == learner, (
        "binder/requirements.txt and requirements.txt disagree:\n"
        f"  only in binder: {sorted(set(binder) - set(learner))}\n"
        f"  only in requirements.txt: {sorted(set(learner) - set(binder))}\n"
        f"  different ranges: "
        f"{ {k: (binder[k], learner[k]) for k in set(binder) & set(learner) if binder[k] != learner[k]} }")


@pytest.mark.binder
@pytest.mark.slow
def test_binder_build_runs_a_lesson_and_a_dashboard(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=IGNORE)
    home = tmp_path / "home"
    home.mkdir()
    python = python_for_runtime(BINDER / "runtime.txt")

    with artifacts.timed("binder-build", "(venv + pip install -r binder/requirements.txt "
                                         "+ postBuild)"):
        venv = make_venv(python, tmp_path / "srv")
        env = clean_env(venv)  # pip keeps its cache and config: they only save downloads
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
             "-r", "binder/requirements.txt"], cwd=repo, env=env, timeout=1800,
            what="pip install -r binder/requirements.txt")
        run([str(repo / "binder" / "postBuild")], cwd=repo, env=env, timeout=900,
            what="binder/postBuild")

    # On Binder the repository is the learner's home folder: no build output left in it.
    leftovers = sorted(p.name for p in repo.iterdir()
                       if p.name == "build" or p.name.endswith(".egg-info"))
    assert leftovers == [], f"postBuild left {leftovers} in the learner's folder"

    # gdlab must come from the image (a real install), not from this checkout.
    where = run([str(venv / "bin" / "python"), "-c",
                 "import gdlab, jupyterlab, notebook, ipywidgets, ipympl; "
                 "print(gdlab.__file__)"], cwd=home, env=clean_env(venv), timeout=120,
                what="importing the course stack").stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), where
    labext = run([str(venv / "bin" / "jupyter"), "labextension", "list"], cwd=tmp_path,
                 env=clean_env(venv, HOME=str(home)), timeout=120,
                 what="jupyter labextension list")
    listing = labext.stdout + labext.stderr
    for ext in ("@jupyter-widgets/jupyterlab-manager", "jupyter-matplotlib"):
        assert re.search(re.escape(ext) + r".*enabled.*OK", listing), (
            f"{ext} is not an enabled, compatible JupyterLab extension:\n{listing}")

    # `gdlab grade` without --lessons, run outside the repository, finds its lessons/
    # through the folder pip installed gdlab from (the package is in site-packages).
    found = run([str(venv / "bin" / "python"), "-c",
                 "from gdlab.grading.batch import default_lessons_dir as d; print(d())"],
                cwd=home, env=clean_env(venv), timeout=120, what="finding lessons/")
    assert Path(found.stdout.strip()) == repo / "lessons", found.stdout

    notebook = repo / "solutions" / solution_to_run(repo).name
    with artifacts.timed("binder-run-lesson", f"({notebook.name})"):
        report = execute_in(venv, notebook, tmp_path / "report.json", home=home)
    assert Path(report["probe"]["executable"]).parent.resolve() == (venv / "bin").resolve(), (
        f"the lesson ran in {report['probe']['executable']}, not in the Binder environment")

    probe = run([str(venv / "bin" / "python"), str(DASHBOARD_PROBE)], cwd=tmp_path,
                env=clean_env(venv, HOME=str(home)), timeout=300,
                what="building the descent_1d dashboard")
    assert "DASHBOARD-OK" in probe.stdout, probe.stdout
    print(probe.stdout.strip().splitlines()[-1])
