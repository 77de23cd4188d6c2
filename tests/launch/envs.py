"""Subprocess environments that do not leak this test run's interpreter.

The launch tests must prove that a *new* environment works, so nothing from the
environment running pytest may help it: no VIRTUAL_ENV, no PYTHONPATH, and the running
virtual environment's bin/ taken off PATH (otherwise ``python3`` or ``jupyter`` would
silently resolve to the developer's tools).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CONDA_PREFIX",
          "JUPYTER_PATH", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR",
          "MPLBACKEND", "PIP_REQUIRE_VIRTUALENV")


def clean_env(venv: Path | None = None, **extra: str) -> dict:
    """os.environ without this run's virtual environment, optionally with ``venv`` active."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    here = Path(sys.prefix).resolve()
    parts = [p for p in env.get("PATH", "").split(os.pathsep)
             if p and not _inside(Path(p), here)]
    if venv is not None:
        parts.insert(0, str(Path(venv) / "bin"))
        env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join(parts)
    # Jupyter and IPython write config and runtime files under HOME; the caller may point
    # them at a scratch folder through ``extra``.
    env.update(extra)
    return env


def _inside(path: Path, prefix: Path) -> bool:
    try:
        path.resolve().relative_to(prefix)
        return True
    except (ValueError, OSError):
        return False


def run(cmd, *, cwd, env, timeout, what):
    """Run ``cmd``; on failure raise AssertionError with the tail of its output."""
    shell = isinstance(cmd, str)
    result = subprocess.run(cmd, cwd=cwd, env=env, shell=shell,
                            executable="/bin/bash" if shell else None,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(
            f"{what} failed with exit code {result.returncode}\n$ {cmd}\n"
            f"--- stdout (tail) ---\n{result.stdout[-6000:]}\n"
            f"--- stderr (tail) ---\n{result.stderr[-6000:]}")
    return result


def python_for_runtime(runtime_txt: Path) -> str:
    """An interpreter of the version binder/runtime.txt asks for (e.g. 'python-3.11').

    Raises AssertionError if the file is malformed or no such interpreter exists here.
    """
    text = runtime_txt.read_text().strip()
    if not text.startswith("python-"):
        raise AssertionError(f"binder/runtime.txt holds {text!r}; repo2docker expects "
                             "'python-X.Y'")
    version = text[len("python-"):]
    env = clean_env()
    candidates = [shutil.which(f"python{version}", path=env["PATH"])]
    if sys.version.startswith(version + "."):
        candidates.append(getattr(sys, "_base_executable", None) or sys.executable)
    for exe in candidates:
        if exe and Path(exe).exists():
            return exe
    raise AssertionError(f"no python{version} on this machine to emulate runtime.txt")


def make_venv(python: str, where: Path) -> Path:
    """A fresh virtual environment with an up-to-date pip; returns its folder."""
    env = clean_env()
    run([python, "-m", "venv", str(where)], cwd=where.parent, env=env, timeout=300,
        what="creating a virtual environment")
    return where
