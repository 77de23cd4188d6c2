"""The oldest versions the course says it supports really install together and run it.

pip has no "lowest" resolution, so every direct dependency (pyproject.toml's and
requirements.txt's) is pinned to its floor in a constraints file; the rest of the stack is
whatever pip picks for those pins. Two lessons then run under nbval, strictly: lesson 01
(a dashboard: ipywidgets, ipympl) and lesson 02 (contour plots: matplotlib, contourpy).
Reported: ``contourpy>=1.2`` with ``numpy>=2`` could not be installed at the floors
(contourpy 1.2.0 requires numpy<2).
"""
from __future__ import annotations

import re
import shutil
import sys
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from launch import artifacts
from launch.envs import ROOT, clean_env, make_venv, run

pytestmark = [pytest.mark.fresh_machine, pytest.mark.slow]

NOTEBOOKS = ["solutions/01_descent_1d.ipynb", "solutions/02_gradients.ipynb"]
IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache",
                                "*.egg-info", "build", "dist", "ci-artifacts",
                                ".ipynb_checkpoints")


def _requirement_lines(path):
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def direct_requirements():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [Requirement(r) for r in [*deps, *_requirement_lines(ROOT / "requirements.txt")]]


def floors(requirements):
    """{name: the highest '>=' floor any line gives it}; every dependency must have one."""
    out = {}
    for req in requirements:
        lows = [s.version for s in req.specifier if s.operator == ">="]
        assert lows, f"{req} has no '>=' floor, so its oldest version cannot be tested"
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        out[name] = max([*lows, out.get(name, lows[0])], key=Version)
    return out


def test_floors_are_read_from_both_files():
    found = floors(direct_requirements())
    assert found["numpy"] == "2.0" and found["jupyterlab"] == "4.2"
    assert "contourpy" in found and "notebook" in found


def test_the_oldest_allowed_versions_install_together_and_run_two_lessons(tmp_path):
    pins = floors(direct_requirements())
    constraints = tmp_path / "oldest.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=IGNORE)
    dev = {Requirement(r).name: r for r in _requirement_lines(ROOT / "requirements-dev.txt")}

    with artifacts.timed("oldest-versions-install", f"({len(pins)} floors pinned)"):
        venv = make_venv(sys.executable, tmp_path / "venv")
        env = clean_env(venv)
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-c", str(constraints),
             "-r", "requirements.txt", dev["pytest"], dev["nbval"]], cwd=repo, env=env,
            timeout=1800, what="installing the oldest allowed versions")

    listed = run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
                 cwd=repo, env=env, timeout=120, what="pip list").stdout
    got = {re.sub(r"[-_.]+", "-", n).lower(): v
           for n, v in (line.split("==") for line in listed.splitlines() if "==" in line)}
    for name, floor in pins.items():
        assert Version(got[name]) == Version(floor), \
            f"{name}: {got[name]} installed, floor {floor}"

    with artifacts.timed("oldest-versions-nbval", " ".join(NOTEBOOKS)):
        result = run([str(venv / "bin" / "python"), "-m", "pytest", "--nbval", "-q",
                      "-p", "no:cacheprovider", "--nbval-sanitize-with",
                      "tests/nbval_sanitize.cfg", *NOTEBOOKS], cwd=repo,
                     env=clean_env(venv, HOME=str(tmp_path)), timeout=1800,
                     what="nbval at the oldest versions")
    print(result.stdout.strip().splitlines()[-1])
