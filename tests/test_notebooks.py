"""Every notebook runs, and every stored number in the solutions is still true.

nbval compares outputs cell by cell, so it has to run in its own pytest process: solutions
are checked strictly (stored outputs must match a fresh run, after the sanitizer has masked
addresses and widget ids), lessons laxly (they carry no outputs; they only have to run, with
the check cells expected to raise because nothing is solved yet).
"""
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _notebooks(folder):
    return sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb"))


# solutions/ is the source of truth: the course's lessons are the notebooks it holds, so a
# new lesson needs no edit here; the tests below catch a gap in the numbering and a
# lessons/ folder that was not regenerated.
EXPECTED_LESSONS = [p.name[:2] for p in _notebooks("solutions")]


def _run_nbval(paths, *mode, env=None):
    cmd = [
        sys.executable, "-m", "pytest", *mode,
        "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
        "-p", "no:cacheprovider", "-q", "--durations=0",
        "-n", "2", "--dist", "loadfile",
        *map(str, paths),
    ]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800, env=env)
    # Show nbval's own report (with per-cell durations) whatever happens.
    print(result.stdout[-20000:])
    print(result.stderr[-5000:], file=sys.stderr)
    return result


def test_lessons_are_numbered_from_00_without_gaps():
    assert EXPECTED_LESSONS, "solutions/ holds no NN_name.ipynb notebook"
    assert EXPECTED_LESSONS == [f"{n:02d}" for n in range(len(EXPECTED_LESSONS))], \
        f"solutions/ holds lessons {EXPECTED_LESSONS}"


def test_every_lesson_exists():
    # the same file names, so a renamed solution cannot leave its old lesson behind
    solutions = [p.name for p in _notebooks("solutions")]
    lessons = [p.name for p in _notebooks("lessons")]
    assert lessons == solutions, f"lessons/ holds {lessons}, solutions/ holds {solutions}"


@pytest.mark.slow
def test_solutions_reproduce_their_stored_outputs():
    result = _run_nbval(_notebooks("solutions"), "--nbval")
    assert result.returncode == 0, "nbval found differences in solutions/ (see output above)"


@pytest.mark.slow
def test_lessons_run_from_top_to_bottom():
    result = _run_nbval(_notebooks("lessons"), "--nbval-lax")
    assert result.returncode == 0, "a released lesson fails to run (see output above)"


@pytest.mark.slow
def test_stored_outputs_do_not_depend_on_the_processor():
    # The stored outputs were made on one machine; a learner's or CI's machine may pick
    # other BLAS kernels, whose sums round differently. A printed number that moves with
    # that (a chaotic run printed to 3 digits, say) fails somewhere else. Forcing OpenBLAS's
    # SSE-only kernels re-runs everything with other roundings; the outputs must not change.
    # (Those kernel names exist on x86-64 only; elsewhere one BLAS thread instead of several
    # changes how the large sums are split, a weaker but still real variation.)
    if platform.machine().lower() in ("x86_64", "amd64"):
        env = {**os.environ, "OPENBLAS_CORETYPE": "Nehalem"}
    else:
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    result = _run_nbval(_notebooks("solutions"), "--nbval", env=env)
    assert result.returncode == 0, ("a stored output changes with the BLAS kernel (see the "
                                    "output above): print it rounder, or make the run stable")
